// The standalone 2-D page (descentlab export): the lab's own map, playback, charts, point
// inspector and run cards, drawn from the race the exporter computed and inlined. No
// request leaves the file. The view, the log scales and the animation work as in the lab;
// the run settings sit in a disabled fieldset (changing them needs the server), and the
// inspector knows only the points the exporter analysed: the lesson's point and the one
// "step along the escape direction" reaches.

import { fileStem, plotConfig, runsCsv, runsJson, saveJson, saveText } from "../downloads.js";
import { latexToText } from "../latex.js";
import { mountInspector } from "../panels/inspector.js";
import { mountPlayback } from "../panels/playback.js";
import { mountRuns } from "../panels/runs.js";
import { mountStepAnatomy } from "../panels/step_anatomy.js";
import { runValue } from "../hyper_map.js";
import { buildMapFigure as buildHyperMapFigure, mapCaption, mapSummary } from "../plots/hyper_map.js";
import { runLabels } from "../requests.js";
import { Player } from "../player.js";
import { mountLabView } from "../lab_view.js";
import { displayZ } from "../plots/map.js";
import { defaultState, makeRun } from "../state.js";
import { Store } from "../store.js";
import { boot, readExport } from "./common.js";

const $ = (id) => document.getElementById(id);

/** The lab's state for an exported scenario's state (as `lessonPatch` in lessons.js builds it). */
export function labState(scenario) {
  const runs = scenario.runs.map((run) => makeRun(run.optimizer, run.hyper, {
    schedule: run.schedule ?? null, noise: run.noise ?? 0, seed: run.seed ?? 0, color: run.color ?? 0,
    ...(run.label ? { label: run.label } : {}),
  }));
  return { ...defaultState(), ...structuredClone(scenario), params: scenario.params ?? {}, runs, step: 0, lesson: null, embed: false };
}

/** The hyperparameter map as computed for the file (read-only: another needs the server). */
function showHyperMap(map, state, catalogue, config) {
  if (!map || !state.hmap) return;
  const run = state.runs[state.hmap.run];
  const optimizer = catalogue.optimizers.get(run.optimizer);
  const label = runLabels(state.runs)[state.hmap.run];
  const marker = { x: runValue(run, optimizer, map.x_param), y: runValue(run, optimizer, map.y_param), label };
  $("hmap-panel").hidden = false;
  const figure = buildHyperMapFigure({ map, scales: { x: state.hmap.x.scale, y: state.hmap.y.scale }, marker });
  Plotly.newPlot($("hmap"), figure.data, figure.layout, config);
  $("hmap-caption").textContent = mapCaption(map, label);
  $("hmap").setAttribute("aria-label", `Hyperparameter map: ${mapSummary(map)}`);
}

/** The inlined analysis of `point` (as the inspector matches them), or null. */
export function analysisOf(analyses, point) {
  if (!point) return null;
  const scale = Math.max(1, Math.abs(point[0]), Math.abs(point[1]));
  return analyses.find((a) => Math.hypot(a.point[0] - point[0], a.point[1] - point[1]) <= 1e-9 * scale) ?? null;
}

function start() {
  const data = readExport();
  const { surface, grid } = data;
  const results = data.trajectories.runs;
  const store = new Store(labState(data.state));
  const player = new Player(store);
  store.derive({ grid, results, quadratic: data.trajectories.quadratic ?? null, analysis: analysisOf(data.analyses, store.state.inspect), z: displayZ(grid.z, store.state.logScale) });
  const catalogue = {
    surfaces: new Map([[surface.id, surface]]),
    optimizers: new Map(data.optimizers.map((o) => [o.name, o])),
    schedules: new Map(data.schedules.map((s) => [s.name, s])),
  };
  const status = (text) => { $("status").textContent = text; };
  const stem = fileStem(data.lesson?.id ?? surface.id);
  const chartsConfig = plotConfig({ filename: `${stem}-charts` });
  const mapConfig = plotConfig({ filename: `${stem}-map`, layered: true });

  $("surface-formula").textContent = latexToText(surface.latex);
  $("surface-description").textContent = surface.description;
  $("inspector").hidden = !data.analyses.length;

  const view = mountLabView({
    store, surfaceOf: () => surface, startOf: (state) => state.start ?? surface.default_start,
    optimizerOf: (name) => catalogue.optimizers.get(name), status, mapConfig, chartsConfig,
  });
  const { renderMap, renderCharts, renderCursor } = view;

  let inspected = store.state.inspect;
  store.subscribe((state, changed) => {
    if (changed.includes("logScale")) store.derive({ z: displayZ(grid.z, state.logScale) });
    if (changed.includes("inspect")) {
      const analysis = analysisOf(data.analyses, state.inspect);
      if (state.inspect && !analysis) {
        status("Only the points analysed in advance can be inspected here: open the live lab for any other.");
        store.update({ inspect: inspected });
        return;
      }
      inspected = state.inspect;
      store.derive({ analysis });
    }
    if (changed.length === 1 && changed[0] === "step") renderCursor();
    else {
      renderMap();
      renderCharts();
    }
  });

  mountPlayback({ store, player });
  mountRuns({ store, catalogue });
  mountInspector({ store });
  mountStepAnatomy({ store, view });
  showHyperMap(data.hyper_map, store.state, catalogue, plotConfig({ filename: `${stem}-hyperparameter-map` }));
  for (const radio of document.querySelectorAll("input[name=view]")) {
    radio.checked = radio.value === store.state.view;
    radio.addEventListener("change", () => store.update({ view: radio.value }));
  }
  $("log-scale").checked = store.state.logScale;
  $("log-scale").addEventListener("change", (e) => store.update({ logScale: e.target.checked }));
  $("download-csv").addEventListener("click", () => saveText(`${stem}-runs.csv`, runsCsv(results), "text/csv"));
  $("download-json").addEventListener("click", () => saveJson(`${stem}-runs.json`, runsJson(store.state, results)));

  renderMap();
  renderCharts();
  player.restart();
  document.body.dataset.ready = "true";
}

if (globalThis.document) boot(start); // (node --test imports the pure parts)
