// The standalone network lesson page (descentlab export): the experiment's plots, tables
// and notes, drawn by the Networks page's own views from the result the exporter computed
// and inlined; and, when the data carry one (`live`), a recorded live training run with a
// frame slider and player. No request leaves the file; the settings are shown, disabled.

import { fileStem, saveJson } from "../downloads.js";
import { TRAIN, lessonExperiment, trainedSetup } from "../networks/experiments/index.js";
import { renderViews } from "../networks/experiments_panel.js";
import { formatNumber } from "../networks/format.js";
import { lessonSettings } from "../networks/lesson_settings.js";
import { getPath } from "../networks/presets.js";
import { boot, readExport } from "./common.js";
import { INK } from "../networks/colors.js";
import { buildDataFigure } from "../networks/dataset_view.js";
import { EXPORT_FRAMES, thinFrames } from "../networks/live.js";
import { mountNetworkDiagram } from "../networks/network_diagram.js";
import { draw } from "../networks/plotting.js";
import { buildCurvesFigure } from "../networks/train_view.js";

const $ = (id) => document.getElementById(id);
const FRAME_MS = 150; // the recorded run's player: about seven frames a second

const show = (value) => (Array.isArray(value) ? value.join(", ") : typeof value === "number" ? formatNumber(value)
  : typeof value === "boolean" ? (value ? "on" : "off") : String(value));

/**
 * [label, text] of each setup field the network had (an MLP's, or a CNN's), worded as a
 * lesson's box words them. `featureLabels`: input feature name → label (the export's
 * `feature_labels`).
 */
export function setupRowValues(setup, featureLabels = {}) {
  return lessonSettings({ kind: TRAIN.kind, params: setup }, featureLabels).setup.map(({ label, value }) => [label, value]);
}

/** [label, value] of each editable field of `experiment`'s card, from `params` (the
 * exporter inlines every setting, defaults filled in). */
export function fieldValues(experiment, params) {
  return experiment.fields.map((field) => [field.label, getPath(params, field.name)]);
}

function settingsInputs(experiment, params) {
  return fieldValues(experiment, params).map(([label, value]) => {
    const holder = document.createElement("label");
    const input = document.createElement("input");
    input.type = "text";
    input.value = value === undefined ? "" : show(value);
    input.size = 8;
    holder.append(`${label} `, input);
    return holder;
  });
}

function setupRows(setup, featureLabels) {
  return setupRowValues(setup, featureLabels).map(([label, text]) => {
    const row = document.createElement("tr");
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = label;
    const value = document.createElement("td");
    value.textContent = text;
    row.append(name, value);
    return row;
  });
}

/** The curves of the whole run, with a line at the frame shown. */
export function liveCurvesFigure(history, epoch) {
  const figure = buildCurvesFigure(history);
  figure.layout.shapes = [{
    type: "line", xref: "x", yref: "paper", x0: epoch, x1: epoch, y0: 0, y1: 1, line: { color: INK, width: 1, dash: "dot" },
  }];
  return figure;
}

/**
 * A recorded live run (POST /api/export/network's replay): the boundary under the data, the
 * curves and the network diagram at each kept frame, a slider over the frames and a Play
 * button that steps through them.
 */
function showLiveRun(live, featureLabels) {
  const frames = thinFrames(live.frames, EXPORT_FRAMES);
  if (!frames.length) return Promise.resolve();
  $("live-panel").hidden = false;
  $("live-setup").replaceChildren(...setupRows(live.setup, featureLabels));
  const data = { name: live.setup.dataset, feature_names: ["x₁", "x₂"], input_dim: live.data.x_train[0]?.length ?? 2, ...live.data };
  const diagram = mountNetworkDiagram($("network-diagram"), $("unit-detail"));
  const slider = $("live-frame");
  slider.max = String(frames.length - 1);
  slider.value = slider.max;
  const showFrame = (index) => {
    const frame = frames[index];
    $("live-frame-label").textContent = `epoch ${formatNumber(frame.epoch)} (${index + 1} of ${frames.length})`;
    if (frame.network) diagram.show(frame.network, live.data.task);
    else diagram.clear();
    const boundary = frame.boundary ? { ...frame.boundary, epoch: frame.epoch } : null;
    return Promise.all([
      draw($("live-data"), () => buildDataFigure({ data, boundary })),
      draw($("live-curves"), () => liveCurvesFigure(live.history, frame.epoch)),
    ]);
  };
  slider.addEventListener("input", () => showFrame(Number(slider.value)));
  // The player owns its timer: Pause, the slider's end or a new Play cancel it.
  const play = $("live-play");
  let timer = null;
  const stop = () => {
    clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
    play.setAttribute("aria-pressed", "false");
  };
  play.addEventListener("click", () => {
    if (timer !== null) { stop(); return; }
    if (Number(slider.value) >= frames.length - 1) slider.value = "0";
    play.textContent = "❚❚ Pause";
    play.setAttribute("aria-pressed", "true");
    showFrame(Number(slider.value));
    timer = setInterval(() => {
      const next = Number(slider.value) + 1;
      if (next >= frames.length) { stop(); return; }
      slider.value = String(next);
      showFrame(next);
    }, FRAME_MS);
  });
  return showFrame(frames.length - 1);
}

function showExperiment(data) {
  const { experiment: request, result } = data;
  const experiment = lessonExperiment(request.kind);
  if (!experiment) throw new Error(`this page has no view for the “${request.kind}” experiment`);
  $("experiment-title").textContent = `Experiment: ${experiment.title}`;
  $("experiment-settings").replaceChildren(...settingsInputs(experiment, request.params));
  const setup = trainedSetup(request);
  if (setup) {
    $("setup-table").replaceChildren(...setupRows(setup, data.feature_labels));
    $("setup-table").hidden = false;
  }
  $("download-json").addEventListener("click", () => saveJson(`${fileStem(data.lesson?.id ?? request.kind)}-result.json`, result));
  return renderViews($("experiment-output"), experiment.views(result));
}

function start() {
  const data = readExport();
  // A lesson's experiment, a recorded live run, or both.
  $("experiment-panel").hidden = !data.experiment;
  $("download-json").closest(".group").hidden = !data.experiment;
  const drawn = [data.experiment ? showExperiment(data) : null, data.live ? showLiveRun(data.live, data.feature_labels) : null];
  Promise.all(drawn)
    .then(() => { document.body.dataset.ready = "true"; })
    .catch((error) => { $("status").textContent = `Could not draw the result: ${error.message}`; });
}

if (globalThis.document) boot(start); // (node --test imports the pure parts)
