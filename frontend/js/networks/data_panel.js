// The data plot: fetches the dataset the setup describes (debounced, latest wins) and
// draws it; once a training run on the same data reports a decision boundary, draws it
// underneath, with an epoch slider over the run's snapshots.

import { Stale, latest } from "../api.js";
import { snapshot } from "./boundary_view.js";
import { buildDataFigure } from "./dataset_view.js";
import { draw } from "./plotting.js";
import { datasetQuery, sameData } from "./setup.js";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 200;

export function mountDataPanel({ store, catalogue, api }) {
  const fetchDataset = latest(api.getDataset);
  let fetched = null; // the latest dataset from the API
  let training = null; // {setup, boundary, data?}: the latest training run's view of the plane
  let index = null; // the slider's snapshot; null: the last one
  let timer = null;
  const status = (text) => { $("data-status").textContent = text; };

  const render = () => {
    const state = store.state;
    const info = catalogue.datasets.get(state.dataset);
    const trained = training && info && sameData(training.setup, datasetQuery(state), info.fixed_size) ? training : null;
    const source = trained?.data ?? (fetched?.name === state.dataset ? fetched : null);
    if (!source || !info) return;
    const data = { ...source, name: info.name, input_dim: info.input_dim, feature_names: info.feature_names, class_names: info.class_names };
    const boundary = info.input_dim === 2 ? trained?.boundary ?? null : null;
    const snapshots = boundary?.epochs?.length ?? 0;
    $("epoch-scrub").hidden = !boundary;
    if (boundary) {
      const slider = $("epoch-slider");
      slider.max = String(Math.max(snapshots - 1, 0));
      slider.disabled = snapshots < 2;
      if (index === null || index >= snapshots) slider.value = slider.max;
      $("epoch-label").textContent = `epoch ${snapshot(boundary, index).epoch}`;
    }
    // The key to the markers: in the legend's title it pushed the class entries right and
    // Plotly's wrapping cut the last of each row off (ten digits on a phone lost two).
    $("data-caption").textContent = `${data.x_train.length} train (filled) · ${data.x_test.length} test (hollow)`;
    draw($("data-plot"), () => buildDataFigure({ data, features: state.features, boundary, index }))
      .then(() => { document.body.dataset.dataDrawn = "true"; })
      .catch((error) => status(`Could not draw the data: ${error.message}`));
  };

  const load = async () => {
    try {
      fetched = await fetchDataset(datasetQuery(store.state));
      status("");
      render();
    } catch (error) {
      if (!(error instanceof Stale)) status(`Could not load the dataset: ${error.message}`);
    }
  };

  $("epoch-slider").addEventListener("input", (event) => {
    const value = Number(event.target.value);
    index = value >= Number(event.target.max) ? null : value;
    render();
  });

  return {
    render,
    /** Fetch the dataset again after a short pause (typing in a field fires many changes). */
    refresh: () => { clearTimeout(timer); timer = setTimeout(load, DEBOUNCE_MS); },
    loadNow: load,
    /** A training run's view: `setup` as sent, `boundary` ({x, y, epochs, z} or a partial's {epoch, z}). */
    showTraining: (view) => { training = view; index = null; render(); },
    /** Drop `view` (a live run that was reset), if it is still what the plot shows. */
    clearTraining: (view) => { if (training === view) { training = null; index = null; render(); } },
  };
}
