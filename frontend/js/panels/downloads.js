// The lab's download buttons: the scenario as one HTML file that works without a server
// (an open lesson: GET /api/lessons/{id}/export, the lesson as published; free play:
// POST /api/export with the current state), and the current runs as CSV or JSON.

import { clientHeaders } from "../client_id.js";
import { fileStem, lessonExportPath, runsCsv, runsJson, saveBlob, saveJson, saveText } from "../downloads.js";
import { isTyped } from "../expression.js";

const HTML_TITLE = "This scenario as one HTML file that works without a server (an open lesson: as published)";
// The standalone page draws from the surface catalogue; a typed f(x, y) is not in it yet.
const TYPED_TITLE = "A typed f(x, y) cannot be exported as HTML yet: CSV and JSON still work";

const $ = (id) => document.getElementById(id);

/** The body of POST /api/export: the scenario fields of the lab's state, and a way back. */
export function exportRequest(state, link) {
  const { surface, params, view, logScale, start, steps, speed, runs, inspect, hmap } = state;
  // A run without a label is named after its optimizer: the API's form says so with null.
  const labelled = runs.map((run) => ({ ...run, label: run.label ?? null }));
  return { state: { surface, params, view, logScale, start, steps, speed, runs: labelled, inspect, hmap: hmap ?? null }, link };
}

async function downloadScenario(state, button, status) {
  button.disabled = true;
  try {
    const response = await fetch("/api/export", {
      method: "POST",
      headers: { "content-type": "application/json", ...clientHeaders() },
      body: JSON.stringify(exportRequest(state, location.href)),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw new Error(problem?.detail ?? `HTTP ${response.status}`);
    }
    saveBlob(`descentlab-${fileStem(state.surface)}.html`, await response.blob());
  } catch (error) {
    status(`Could not export the scenario: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

export function mountDownloads({ store, status }) {
  const results = () => {
    const found = store.derived.results;
    return found?.length === store.state.runs.length ? found : null;
  };
  const stem = () => fileStem(store.state.lesson ?? store.state.surface);
  const html = $("download-html");
  html.addEventListener("click", () => {
    const { lesson } = store.state;
    if (!lesson) { downloadScenario(store.state, html, status); return; }
    const link = document.createElement("a");
    link.href = lessonExportPath(lesson);
    link.download = `${lesson}.html`;
    link.click();
  });
  $("download-csv").addEventListener("click", () => {
    if (results()) saveText(`${stem()}-runs.csv`, runsCsv(results()), "text/csv");
  });
  $("download-json").addEventListener("click", () => {
    if (results()) saveJson(`${stem()}-runs.json`, runsJson(store.state, results()));
  });
  const enable = () => {
    $("download-csv").disabled = !results();
    $("download-json").disabled = !results();
    const typed = isTyped(store.state);
    html.disabled = typed;
    html.title = typed ? TYPED_TITLE : HTML_TITLE;
  };
  store.onDerived((derived, changed) => { if (changed.includes("results")) enable(); });
  store.subscribe(enable);
  enable();
}
