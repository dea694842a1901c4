// Bootstraps the lab: loads the catalogue, restores the scenario from the URL, fetches
// what the scenario needs (latest request wins), and redraws when anything changes.

import * as api from "./api.js";
import { busyIndicator } from "./busy.js";
import { plotConfig } from "./downloads.js";
import { mountEmbed } from "./embed.js";
import { mountModebarKeys } from "./modebar_keys.js";
import { mountLabView } from "./lab_view.js";
import { displayZ } from "./plots/map.js";
import { mountControls, mountShare } from "./panels/controls.js";
import { mountDownloads } from "./panels/downloads.js";
import { mountExpression } from "./panels/expression.js";
import { mountInspector } from "./panels/inspector.js";
import { mountLessons } from "./panels/lessons.js";
import { mountPlayback } from "./panels/playback.js";
import { mountRuns } from "./panels/runs.js";
import { mountSweep } from "./panels/sweep.js";
import { Player } from "./player.js";
import { analyzeRequest, gridRequest, startOf, trajectoryRequest } from "./requests.js";
import { isTyped, typedSurfaceEntry } from "./expression.js";
import { CUSTOM_SURFACE, decodeState, defaultState, encodeState } from "./state.js";
import { Store } from "./store.js";

// PNG and SVG from the modebar; the map's image joins its contour and paths layers.
const PLOT_CONFIG = plotConfig({ filename: "descentlab-charts" });
const MAP_CONFIG = plotConfig({ filename: "descentlab-map", layered: true });
const $ = (id) => document.getElementById(id);

async function loadCatalogue() {
  const [surfaces, optimizers, schedules] = await Promise.all([
    api.getSurfaces(), api.getOptimizers(), api.getSchedules(),
  ]);
  const byKey = (list, key) => new Map(list.map((item) => [item[key], item]));
  return { surfaces: byKey(surfaces, "id"), optimizers: byKey(optimizers, "name"), schedules: byKey(schedules, "name") };
}

/** Drop what the catalogue does not know (an old or hand-edited URL), keep the rest. */
export function sanitize(state, catalogue) {
  const clean = { ...state };
  if (!catalogue.surfaces.has(clean.surface) && clean.surface !== CUSTOM_SURFACE) clean.surface = defaultState().surface;
  const runs = clean.runs
    .filter((run) => catalogue.optimizers.has(run.optimizer))
    .map((run) => {
      const known = new Set(catalogue.optimizers.get(run.optimizer).hyperparameters.map((h) => h.name));
      const hyper = Object.fromEntries(Object.entries(run.hyper).filter(([k]) => known.has(k)));
      return { ...run, hyper };
    });
  clean.runs = runs.length ? runs : defaultState().runs;
  // A link that does not say which colour scale gets the one the surface list would pick.
  if (typeof clean.logScale !== "boolean") clean.logScale = catalogue.surfaces.get(clean.surface)?.log_scale ?? false;
  return clean;
}

/** Run `task` now, or once more after the current run if called while it runs. */
function coalesce(task) {
  let running = false;
  let again = false;
  return async () => {
    if (running) { again = true; return; }
    running = true;
    try {
      do { again = false; await task(); } while (again);
    } finally {
      running = false;
    }
  };
}

async function start() {
  const catalogue = await loadCatalogue();
  const store = new Store(sanitize(decodeState(location.search), catalogue));
  const player = new Player(store);
  store.derive({ grid: null, z: null, results: null, analysis: null, crosshair: null });
  // A typed surface (expression.js) stands in for a catalogue entry.
  const surfaceOf = (state) => (isTyped(state) ? typedSurfaceEntry(state) : catalogue.surfaces.get(state.surface));
  const status = (text) => { $("status").textContent = text; };
  const busy = busyIndicator($("busy"), $("busy-announcement"), [$("map"), $("charts")]);
  const view = mountLabView({
    store, surfaceOf, status, startOf: (state) => startOf(state, surfaceOf(state)),
    mapConfig: MAP_CONFIG, chartsConfig: PLOT_CONFIG,
  });
  const { renderMap, renderCharts, renderCursor } = view;

  const refreshGrid = coalesce(async () => {
    const body = gridRequest(store.state);
    let grid;
    try {
      grid = await busy.during(api.postGrid(body));
    } catch (error) {
      status(`Could not draw the surface: ${error.message}`);
      store.dispatchEvent(new CustomEvent("surfaceerror", { detail: error })); // for the typed-surface field
      return;
    }
    if (JSON.stringify(gridRequest(store.state)) !== JSON.stringify(body)) return; // stale
    store.derive({ grid, z: displayZ(grid.z, store.state.logScale) });
    renderMap();
  });

  let lastSource = "load";
  let runsKey = null; // the request whose results are drawn
  const refreshRuns = coalesce(async () => {
    const source = lastSource; // what asked for these runs: a dragged slider parks the cursor
    const body = trajectoryRequest(store.state, surfaceOf(store.state));
    const key = JSON.stringify(body);
    if (key === runsKey) return;
    let response;
    try {
      response = await busy.during(api.postTrajectories(body));
    } catch (error) {
      status(`Could not compute the runs: ${error.message}`);
      return;
    }
    if (JSON.stringify(trajectoryRequest(store.state, surfaceOf(store.state))) !== key) return; // stale
    status("");
    runsKey = key;
    store.derive({ results: response.runs });
    const stepBefore = store.state.step;
    if (source === "slider") {
      player.pause();
      store.update({ step: store.state.steps }, { source: "results" });
    } else if (source === "load" && store.state.step > 0) {
      player.pause(); // a shared link restores its exact step
    } else {
      player.restart();
    }
    if (store.state.step === stepBefore) renderMap(); // a moved cursor has redrawn it already
    // The charts follow a frame later, so the new paths are painted first while dragging.
    requestAnimationFrame(() => renderCharts());
  });

  const refreshAnalysis = coalesce(async () => {
    const point = store.state.inspect;
    if (!point) { store.derive({ analysis: null }); renderMap(); return; }
    try {
      const analysis = await api.postAnalyze(analyzeRequest(store.state, point));
      if (store.state.inspect !== point) return;
      store.derive({ analysis });
    } catch (error) {
      status(`Could not analyse the point: ${error.message}`);
      store.derive({ analysis: null });
    }
    renderMap();
  });

  // The URL follows the state at most every 250 ms (also while the animation plays).
  let urlTimer = null;
  const syncUrl = () => {
    if (urlTimer !== null) return;
    urlTimer = setTimeout(() => {
      urlTimer = null;
      history.replaceState(null, "", `?${encodeState(store.state)}`);
    }, 250);
  };

  store.subscribe((state, changed, source) => {
    const has = (...keys) => keys.some((k) => changed.includes(k));
    const surfaceKeys = ["surface", "params", "expression", "domain"];
    const newLesson = has("lesson") && state.lesson !== null; // (leaving one keeps the race)
    if (has(...surfaceKeys) || newLesson) {
      // Another scenario (a surface, or a lesson on the same one): nothing of the old one
      // stays on screen (paths, charts, cursor, summaries, the inspector's analysis) while
      // the new one is computed.
      runsKey = null;
      player.pause();
      store.derive({ results: null });
      renderCharts();
    }
    if (has(...surfaceKeys)) {
      store.derive({ grid: null, analysis: null }); view.resetZoom();
      $("map").parentElement.dataset.waiting = "true"; // the old surface hidden until the new one is drawn
      refreshGrid();
    } else if (newLesson) renderMap();
    if (has("logScale") && store.derived.grid) store.derive({ z: displayZ(store.derived.grid.z, state.logScale) });
    if (has(...surfaceKeys, "start", "steps", "runs")) { lastSource = source; refreshRuns(); }
    if (has("inspect", ...surfaceKeys)) refreshAnalysis();
    if (changed.length === 1 && changed[0] === "step") renderCursor();
    else {
      if (has("step", "view", "logScale", "runs")) renderMap();
      if (has("step", "runs")) renderCharts();
    }
    if (state.embed) document.body.classList.add("embed");
    syncUrl();
  });

  const context = { store, player, catalogue, api, surfaceOf, status, renderMap, renderCharts };
  mountControls(context);
  mountExpression(context);
  mountPlayback(context);
  mountRuns(context);
  mountInspector(context);
  const { lessonOf } = mountLessons(context);
  mountShare({ store, lessonOf });
  mountSweep(context);
  mountDownloads(context);

  if (store.state.embed) {
    document.body.classList.add("embed");
    $("open-full").href = `/?${encodeState({ ...store.state, embed: false })}`;
  }
  document.body.dataset.ready = "false";
  const ready = store.onDerived((derived, changed) => {
    if (changed.includes("results") && derived.results) { document.body.dataset.ready = "true"; ready(); }
  });
  refreshGrid();
  refreshRuns();
  if (store.state.inspect) refreshAnalysis();
}

mountEmbed(); // height reports and the full-lab link when framed with ?embed=1
mountModebarKeys();
start().catch((error) => {
  document.getElementById("status").textContent = `The lab could not start: ${error.message}`;
  throw error;
});
