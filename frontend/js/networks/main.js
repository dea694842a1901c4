// Bootstraps the Networks page: loads the catalogue (datasets, optimizers), restores the
// setup from the URL, mounts the panels, and keeps the URL following the state.

import { Store } from "../store.js";
import * as api from "./api.js";
import { mountDataPanel } from "./data_panel.js";
import { mountExperimentsPanel } from "./experiments_panel.js";
import { mountForm } from "./form.js";
import { mountHessianPanel } from "./hessian_panel.js";
import { mountLandscapePanel } from "./landscape_panel.js";
import { SETUP_LESSONS } from "./presets.js";
import { sanitize } from "./setup.js";
import { DEFAULTS, decodeState, defaultState, encodeState } from "./state.js";
import { mountTrainPanel } from "./train_panel.js";

const $ = (id) => document.getElementById(id);
// What a lesson sets: the training setup (landscape, Hessian and experiment settings stay).
const SETUP_FIELDS = [
  "dataset", "nSamples", "noise", "dataSeed", "features", "widths", "activation", "batchNorm",
  "loss", "optimizer", "learningRate", "batchSize", "epochs", "seed",
];
const DATA_FIELDS = ["dataset", "nSamples", "noise", "dataSeed"];

async function loadCatalogue() {
  const [datasets, optimizers] = await Promise.all([api.getDatasets(), api.getOptimizers()]);
  return {
    datasets: new Map(datasets.map((d) => [d.name, d])),
    optimizers: new Map(optimizers.map((o) => [o.name, o])),
  };
}

function mountLessons(store, catalogue) {
  const select = $("lesson-select");
  for (const lesson of SETUP_LESSONS) select.add(new Option(lesson.title, lesson.id));
  select.addEventListener("change", () => {
    const lesson = SETUP_LESSONS.find((l) => l.id === select.value);
    if (!lesson) return;
    const base = Object.fromEntries(SETUP_FIELDS.map((k) => [k, structuredClone(DEFAULTS[k])]));
    store.update(sanitize({ ...store.state, ...base, ...lesson.state }, catalogue, defaultState()), { source: "lesson" });
  });
  store.subscribe((state, changed, source) => { if (source === "form") select.value = ""; });
}

function mountShare() {
  const button = $("share");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      button.textContent = "Copied ✓";
      setTimeout(() => { button.textContent = "Copy link"; }, 1500);
    } catch {
      window.prompt("Copy this link:", location.href);
    }
  });
}

async function start() {
  const catalogue = await loadCatalogue();
  const store = new Store(sanitize(decodeState(location.search), catalogue, defaultState()));
  const form = mountForm({ store, catalogue });
  const dataPanel = mountDataPanel({ store, catalogue, api });
  const context = { store, catalogue, api, form, dataPanel };
  mountTrainPanel(context);
  mountLandscapePanel(context);
  mountHessianPanel(context);
  mountExperimentsPanel(context);
  mountLessons(store, catalogue);
  mountShare();

  let urlTimer = null;
  store.subscribe((state, changed, source) => {
    form.sync(state, { fields: source !== "form" });
    if (changed.some((k) => DATA_FIELDS.includes(k))) dataPanel.refresh();
    else if (changed.includes("features")) dataPanel.render();
    if (urlTimer === null) {
      urlTimer = setTimeout(() => {
        urlTimer = null;
        history.replaceState(null, "", `?${encodeState(store.state)}`);
      }, 250);
    }
  });
  form.sync(store.state);
  await dataPanel.loadNow();
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  $("data-status").textContent = `The page could not start: ${error.message}`;
  throw error;
});
