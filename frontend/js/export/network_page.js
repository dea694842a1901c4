// The standalone network lesson page (descentlab export): the experiment's plots, tables
// and notes, drawn by the Networks page's own views from the result the exporter computed
// and inlined. No request leaves the file; the experiment's settings are shown, disabled.

import { fileStem, saveJson } from "../downloads.js";
import { EXPERIMENTS } from "../networks/experiments/index.js";
import { renderViews } from "../networks/experiments_panel.js";
import { formatNumber } from "../networks/format.js";
import { getPath } from "../networks/presets.js";
import { boot, readExport } from "./common.js";

const $ = (id) => document.getElementById(id);

// The training setup's fields as the Networks page's form labels them.
const SETUP_ROWS = [
  ["dataset", "dataset"], ["n_samples", "samples"], ["noise", "noise"], ["widths", "hidden widths"],
  ["activation", "activation"], ["batch_norm", "batch norm"], ["loss", "loss"], ["optimizer", "optimizer"],
  ["learning_rate", "learning rate"], ["batch_size", "batch size"], ["epochs", "epochs"], ["seed", "init seed"],
];

const show = (value) => (Array.isArray(value) ? value.join(", ") : typeof value === "number" ? formatNumber(value) : String(value));

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

function setupRows(setup) {
  return SETUP_ROWS.filter(([key]) => key in setup).map(([key, label]) => {
    const row = document.createElement("tr");
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = label;
    const value = document.createElement("td");
    value.textContent = show(setup[key]);
    row.append(name, value);
    return row;
  });
}

function start() {
  const data = readExport();
  const { experiment: request, result } = data;
  const experiment = EXPERIMENTS.find((e) => e.kind === request.kind);
  if (!experiment) throw new Error(`this page has no view for the “${request.kind}” experiment`);
  $("experiment-title").textContent = `Experiment: ${experiment.title}`;
  $("experiment-settings").replaceChildren(...settingsInputs(experiment, request.params));
  if (request.params.setup) {
    $("setup-table").replaceChildren(...setupRows(request.params.setup));
    $("setup-table").hidden = false;
  }
  $("download-json").addEventListener("click", () => saveJson(`${fileStem(data.lesson?.id ?? request.kind)}-result.json`, result));
  renderViews($("experiment-output"), experiment.views(result))
    .then(() => { document.body.dataset.ready = "true"; })
    .catch((error) => { $("status").textContent = `Could not draw the result: ${error.message}`; });
}

if (globalThis.document) boot(start); // (node --test imports the pure parts)
