// What the 2-D lab fetches for its state: the surface's grid, the race, the inspected
// point's analysis. Each into the store's derived data, each coalesced (one request in
// flight; a change meanwhile asks once more when it returns, so dragging a slider never
// queues a request per pixel) and checked against the state on return: an answer for a
// state that has changed since is dropped, never drawn.

import { analyzeRequest, gridRequest, trajectoryRequest } from "./requests.js";
import { displayZ } from "./plots/map.js";

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

/**
 * Wire the fetches to `store` and the view; returns {refreshGrid(), refreshRuns(source),
 * refreshAnalysis(), dropRace()}. `source` is what asked for the runs ("slider" parks the
 * cursor at the end, "load" keeps a shared link's step, anything else replays).
 */
export function mountLabData({ store, api, player, surfaceOf, status, busy, view }) {
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
    view.renderMap();
  });

  let lastSource = "load";
  let runsKey = null; // the request whose results are drawn
  const fetchRuns = coalesce(async () => {
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
    store.derive({ results: response.runs, quadratic: response.quadratic ?? null });
    const stepBefore = store.state.step;
    if (source === "slider") {
      player.pause();
      store.update({ step: store.state.steps }, { source: "results" });
    } else if (source === "load" && store.state.step > 0) {
      player.pause(); // a shared link restores its exact step
    } else {
      player.restart();
    }
    if (store.state.step === stepBefore) view.renderMap(); // a moved cursor has redrawn it already
    // The charts follow a frame later, so the new paths are painted first while dragging.
    requestAnimationFrame(() => view.renderCharts());
  });

  const refreshAnalysis = coalesce(async () => {
    const point = store.state.inspect;
    if (!point) { store.derive({ analysis: null }); view.renderMap(); return; }
    try {
      const analysis = await api.postAnalyze(analyzeRequest(store.state, point));
      if (store.state.inspect !== point) return;
      store.derive({ analysis });
    } catch (error) {
      status(`Could not analyse the point: ${error.message}`);
      store.derive({ analysis: null });
    }
    view.renderMap();
  });

  const refreshRuns = (source) => { lastSource = source; return fetchRuns(); };

  /** Another scenario: its race is not the old one's (paths, charts, cursor, summaries). */
  const dropRace = () => {
    runsKey = null;
    player.pause();
    store.derive({ results: null });
  };

  return { refreshGrid, refreshRuns, refreshAnalysis, dropRace };
}
