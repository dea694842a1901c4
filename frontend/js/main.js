// Bootstraps the lab: loads the catalogue, restores the scenario from the URL, fetches
// what the scenario needs (latest request wins), and redraws when anything changes.

import * as api from "./api.js";
import { busyIndicator } from "./busy.js";
import { plotConfig } from "./downloads.js";
import { mountEmbed } from "./embed.js";
import { mountModebarKeys } from "./modebar_keys.js";
import { buildChartsFigure, cursorShapes } from "./plots/charts.js";
import { buildMapFigure, displayZ, legendEntries, taylorGrid, viewSpan } from "./plots/map.js";
import { renderLegend } from "./plots/legend.js";
import { fitMapFrame, onMapWidthChange, withFrameHeight } from "./plots/map_frame.js";
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
  const derived = { grid: null, z: null, results: null, analysis: null, runsKey: null, crosshair: null };
  // A typed surface (expression.js) stands in for a catalogue entry.
  const surfaceOf = (state) => (isTyped(state) ? typedSurfaceEntry(state) : catalogue.surfaces.get(state.surface));
  const status = (text) => { $("status").textContent = text; };
  const busy = busyIndicator($("busy"), $("busy-announcement"), [$("map"), $("charts")]);
  // The learner's choice of a log loss axis; shown unchecked while losses ≤ 0 force a linear one.
  let logLossWanted = $("log-loss").checked;

  const inspection = () => {
    const analysis = derived.analysis;
    if (!analysis || !derived.grid) return null;
    return { analysis, taylorGrid: taylorGrid(analysis, derived.grid), span: viewSpan(derived.grid, ranges) };
  };
  // The zoom the learner chose, so that redraws keep it (both layers follow it).
  let ranges = null;
  let fittedFor = null; // the domain, view and frame width the map's frame was sized for
  let frameHeight = null;
  let legendShown = ""; // the legend's entries as last drawn (rebuilt only when they change)
  // The contour is redrawn only when what it shows changed, one redraw at a time:
  // overlapping Plotly.react calls on a contour can fail inside Plotly.
  let backgroundInputs = [];
  let backgroundDrawn = Promise.resolve();
  const drawBackground = (figure) => {
    const inputs = [derived.z, derived.analysis, ranges?.x, ranges?.y, frameHeight];
    if (inputs.every((value, i) => value === backgroundInputs[i])) return;
    backgroundInputs = inputs;
    backgroundDrawn = backgroundDrawn
      .then(() => Plotly.react($("map-bg"), figure.data, figure.layout, { staticPlot: true, responsive: true }))
      .catch((error) => status(`Could not draw the surface: ${error.message}`));
  };
  // Results of another scenario are never drawn: after a surface change they are dropped
  // (derived.results = null), and results of a different set of runs (a lesson or a
  // removed run, still fetching) would index past state.runs. Until the matching ones
  // arrive the map shows the surface without paths.
  const currentResults = () => {
    const results = derived.results;
    return results && results.length === store.state.runs.length ? results : null;
  };
  const renderMap = ({ background = true } = {}) => {
    const state = store.state;
    if (!derived.grid) return;
    const results = currentResults();
    const figure = buildMapFigure({
      surface: surfaceOf(state), grid: derived.grid, displayZ: derived.z, runs: results ? state.runs : [],
      results: results ?? [], step: state.step, logScale: state.logScale, view: state.view,
      start: startOf(state, surfaceOf(state)), inspection: inspection(), ranges, crosshair: derived.crosshair,
    });
    $("map-bg").hidden = figure.background === null;
    // The frame's height follows the surface's shape (before drawing: both layers size to it).
    const stack = $("map").parentElement;
    const frameKey = `${state.view}:${derived.grid.x[0]}:${derived.grid.x.at(-1)}:${derived.grid.y[0]}:${derived.grid.y.at(-1)}:${stack.clientWidth}`;
    if (frameKey !== fittedFor) { fittedFor = frameKey; frameHeight = fitMapFrame(stack, derived.grid, state.view); }
    withFrameHeight(figure, frameHeight);
    if (figure.background && background) drawBackground(figure.background);
    Plotly.react($("map"), figure.foreground.data, figure.foreground.layout, MAP_CONFIG);
    const entries = legendEntries(figure.foreground.data);
    if (JSON.stringify(entries) !== legendShown) { legendShown = JSON.stringify(entries); renderLegend($("map-legend"), entries); }
    stack.removeAttribute("data-waiting");
    store.dispatchEvent(new Event("mapdrawn"));
  };
  // Animation frames redraw only the foreground (paths, points, arrows) and the charts'
  // cursor: redrawing the contour every frame would cost ~10× more.
  const renderCursor = () => {
    renderMap({ background: false });
    // (The charts may not be drawn yet: they follow the map by a frame.)
    if ($("charts")._fullLayout) Plotly.relayout($("charts"), { shapes: cursorShapes(store.state.step) });
  };
  const renderCharts = () => {
    const state = store.state;
    const results = currentResults();
    const figure = buildChartsFigure({
      runs: results ? state.runs : [], results: results ?? [], step: state.step, steps: state.steps,
      logLoss: logLossWanted,
    });
    // The checkbox says what the axis is: losses at or below zero force a linear one.
    $("log-loss").disabled = !figure.logLossPossible;
    $("log-loss").checked = logLossWanted && figure.logLossPossible;
    $("log-loss-note").hidden = figure.logLossPossible;
    Plotly.react($("charts"), figure.data, figure.layout, PLOT_CONFIG);
  };

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
    derived.grid = grid;
    derived.z = displayZ(grid.z, store.state.logScale);
    renderMap();
  });

  let lastSource = "load";
  const refreshRuns = coalesce(async () => {
    const source = lastSource; // what asked for these runs: a dragged slider parks the cursor
    const body = trajectoryRequest(store.state, surfaceOf(store.state));
    const key = JSON.stringify(body);
    if (key === derived.runsKey) return;
    let response;
    try {
      response = await busy.during(api.postTrajectories(body));
    } catch (error) {
      status(`Could not compute the runs: ${error.message}`);
      return;
    }
    if (JSON.stringify(trajectoryRequest(store.state, surfaceOf(store.state))) !== key) return; // stale
    status("");
    derived.results = response.runs;
    derived.runsKey = key;
    store.dispatchEvent(new Event("results"));
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
    if (!point) { derived.analysis = null; store.dispatchEvent(new Event("analysis")); renderMap(); return; }
    try {
      const analysis = await api.postAnalyze(analyzeRequest(store.state, point));
      if (store.state.inspect !== point) return;
      derived.analysis = analysis;
    } catch (error) {
      status(`Could not analyse the point: ${error.message}`);
      derived.analysis = null;
    }
    store.dispatchEvent(new Event("analysis"));
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
      derived.results = null; derived.runsKey = null;
      player.pause();
      store.dispatchEvent(new Event("resultscleared"));
      renderCharts();
    }
    if (has(...surfaceKeys)) {
      derived.grid = null; derived.analysis = null; ranges = null; backgroundInputs = [];
      $("map").parentElement.dataset.waiting = "true"; // the old surface hidden until the new one is drawn
      refreshGrid();
    } else if (newLesson) renderMap();
    if (has("logScale") && derived.grid) derived.z = displayZ(derived.grid.z, state.logScale);
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

  const context = { store, player, catalogue, derived, api, surfaceOf, status, renderMap, renderCharts };
  mountControls(context);
  mountExpression(context);
  mountPlayback(context);
  mountRuns(context);
  mountInspector(context);
  const { lessonOf } = mountLessons(context);
  mountShare({ store, lessonOf });
  mountSweep(context);
  mountDownloads(context);
  $("log-loss").addEventListener("change", (event) => { logLossWanted = event.target.checked; renderCharts(); });
  onMapWidthChange($("map").parentElement, renderMap);
  // Pan and zoom happen on the foreground; the contour underneath follows.
  const followZoom = (event) => {
    const x = event["xaxis.range[0]"] !== undefined ? [event["xaxis.range[0]"], event["xaxis.range[1]"]] : null;
    const y = event["yaxis.range[0]"] !== undefined ? [event["yaxis.range[0]"], event["yaxis.range[1]"]] : null;
    if (event["xaxis.autorange"] || event["yaxis.autorange"]) ranges = null;
    else if (x || y) ranges = { x: x ?? ranges?.x, y: y ?? ranges?.y };
    else return;
    renderMap();
  };
  store.addEventListener("mapdrawn", () => $("map").on("plotly_relayout", followZoom), { once: true });

  if (store.state.embed) {
    document.body.classList.add("embed");
    $("open-full").href = `/?${encodeState({ ...store.state, embed: false })}`;
  }
  document.body.dataset.ready = "false";
  store.addEventListener("results", () => { document.body.dataset.ready = "true"; }, { once: true });
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
