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
import { mountHyperMap } from "./panels/hyper_map.js";
import { mountInspector } from "./panels/inspector.js";
import { mountLessons } from "./panels/lessons.js";
import { mountPlayback } from "./panels/playback.js";
import { mountRuns } from "./panels/runs.js";
import { mountStepAnatomy } from "./panels/step_anatomy.js";
import { mountSurfaceConstants } from "./panels/surface_constants.js";
import { mountSweep } from "./panels/sweep.js";
import { Player } from "./player.js";
import { mountLabData } from "./lab_data.js";
import { startOf } from "./requests.js";
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
    optimizerOf: (name) => catalogue.optimizers.get(name),
    mapConfig: MAP_CONFIG, chartsConfig: PLOT_CONFIG,
  });
  const { renderMap, renderCharts, renderCursor } = view;

  const data = mountLabData({ store, api, player, surfaceOf, status, busy, view });

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
      data.dropRace();
      renderCharts();
    }
    if (has(...surfaceKeys)) {
      store.derive({ grid: null, analysis: null }); view.resetZoom();
      $("map").parentElement.dataset.waiting = "true"; // the old surface hidden until the new one is drawn
      data.refreshGrid();
    } else if (newLesson) renderMap();
    if (has("logScale") && store.derived.grid) store.derive({ z: displayZ(store.derived.grid.z, state.logScale) });
    if (has(...surfaceKeys, "start", "steps", "runs")) data.refreshRuns(source);
    if (has("inspect", ...surfaceKeys)) data.refreshAnalysis();
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
  mountSurfaceConstants(context);
  mountPlayback(context);
  mountRuns(context);
  mountInspector(context);
  const { lessonOf } = mountLessons(context);
  mountShare({ store, lessonOf });
  mountSweep(context);
  mountHyperMap(context);
  mountStepAnatomy({ store, view });
  mountDownloads(context);

  if (store.state.embed) {
    document.body.classList.add("embed");
    $("open-full").href = `/?${encodeState({ ...store.state, embed: false })}`;
  }
  document.body.dataset.ready = "false";
  const ready = store.onDerived((derived, changed) => {
    if (changed.includes("results") && derived.results) { document.body.dataset.ready = "true"; ready(); }
  });
  data.refreshGrid();
  data.refreshRuns("load");
  if (store.state.inspect) data.refreshAnalysis();
}

mountEmbed(); // height reports and the full-lab link when framed with ?embed=1
mountModebarKeys();
start().catch((error) => {
  document.getElementById("status").textContent = `The lab could not start: ${error.message}`;
  throw error;
});
