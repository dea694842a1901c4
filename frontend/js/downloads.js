// Downloads: a race's runs as CSV and JSON, a network result as JSON, a lesson as one HTML
// file, and every plot as PNG or SVG through Plotly's own image export (the modebar).
// Works offline: the standalone export (descentlab export) uses it too, so nothing here
// talks to a server. The builders are pure (node --test); `saveText` and the buttons touch
// the browser only when used.

/** One CSV row per run × step, in this order. */
export const CSV_COLUMNS = ["run", "optimizer", "step", "x", "y", "loss", "grad_norm", "learning_rate"];

/** A CSV cell: numbers as JS writes them (round-trip exact), null and missing empty. */
export function csvCell(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll("\"", "\"\"")}"` : text;
}

/**
 * The runs of a race (POST /api/trajectories' `runs`) as CSV: a header, then one row per
 * run and recorded step. A diverged run has fewer rows; η of the last point (after the
 * last update) is empty.
 */
export function runsCsv(results) {
  const lines = [CSV_COLUMNS.join(",")];
  for (const run of results) {
    run.points.forEach(([x, y], step) => {
      const row = [run.label, run.optimizer, step, x, y, run.loss[step], run.grad_norm[step], run.learning_rate[step]];
      lines.push(row.map(csvCell).join(","));
    });
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** The scenario (what was asked for) and the race (what the API answered), as one object. */
export function runsJson(state, results) {
  const { surface, params, start, steps, runs } = state;
  return { scenario: { surface, params, start, steps, runs }, results: { steps, runs: results } };
}

/** A file name from free text: "Momentum rolls off a saddle" → "momentum-rolls-off-a-saddle". */
export function fileStem(text, fallback = "descentlab") {
  const stem = String(text ?? "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return stem.slice(0, 60) || fallback;
}

/** Where the server exports a lesson as one HTML file (an attachment). */
export const lessonExportPath = (id) => `/api/lessons/${encodeURIComponent(id)}/export`;

/** Save `blob` as a file called `filename` (a download, no server involved). */
export function saveBlob(filename, blob) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const saveText = (filename, text, type) => saveBlob(filename, new Blob([text], { type }));
export const saveJson = (filename, value) => saveText(filename, `${JSON.stringify(value, null, 1)}\n`, "application/json");

// --- plots as images -----------------------------------------------------------------------

// A page with a curl: the modebar's "download as SVG" (Plotly's icon format, 1000 units).
const SVG_ICON = {
  width: 1000, height: 1000,
  path: "M200 50h420l230 230v670h-650zM580 110v210h210M300 560h400v70h-400zM300 720h400v70h-400z",
};

/**
 * The figure of plot `gd` as an image shows it. Plots stacked in one `.map-stack` (the
 * lab's map: a static contour under a transparent plot of the paths) are one picture, so
 * the layers' traces are joined, bottom first, under the top layer's layout.
 */
export function imageFigure(gd) {
  const stack = gd.closest?.(".map-stack");
  const layers = stack ? [...stack.querySelectorAll(".js-plotly-plot")].filter((el) => !el.hidden && el.data) : [gd];
  const full = gd._fullLayout ?? {};
  const layout = { ...gd.layout, width: full.width, height: full.height, paper_bgcolor: "white", plot_bgcolor: "white" };
  if (stack) {
    // The page shows the map's legend as HTML under it; the image has it below the plot,
    // where it covers nothing (the start, a minimum, the inspector's arrows).
    const listed = layers.flatMap((l) => l.data).filter((t) => t.type === "scatter" && t.showlegend !== false && t.name);
    const below = 30 + 22 * Math.ceil(listed.length / 4);
    Object.assign(layout, {
      showlegend: true, height: (full.height ?? 500) + below,
      margin: { ...(gd.layout.margin ?? {}), b: (gd.layout.margin?.b ?? 40) + below },
      legend: { orientation: "h", x: 0, xanchor: "left", y: -0.08, yanchor: "top", font: { size: 11 } },
    });
  }
  return structuredClone({ data: layers.flatMap((layer) => layer.data), layout });
}

function imageButton(format, filename) {
  return {
    name: `download-${format}`,
    title: `Download plot as ${format.toUpperCase()}`,
    icon: format === "svg" ? SVG_ICON : globalThis.Plotly?.Icons?.camera ?? SVG_ICON,
    click: (gd) => globalThis.Plotly.downloadImage(imageFigure(gd), { format, filename, scale: format === "png" ? 2 : 1 }),
  };
}

/**
 * The Plotly config for the lab's plots: Plotly's own PNG button (twice the resolution)
 * and an SVG button beside it. `layered`: the plot is the top of a `.map-stack`, whose
 * image must include the layers underneath, so both buttons export the joined figure.
 */
export function plotConfig({ filename = "descentlab", layered = false } = {}) {
  return {
    responsive: true,
    displaylogo: false,
    // Nothing leaves the page: no "send to Chart Studio" / "edit in Chart Studio" button,
    // no link to plotly's servers (plotly.js 4 shows the first by default).
    showSendToCloud: false,
    showEditInChartStudio: false,
    showLink: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", ...(layered ? ["toImage"] : [])],
    toImageButtonOptions: { format: "png", filename, scale: 2 },
    modeBarButtonsToAdd: [...(layered ? [imageButton("png", filename)] : []), imageButton("svg", filename)],
  };
}

// --- buttons the pages add ---------------------------------------------------------------

/** A button that saves a network experiment's `result` (as the API served it) as JSON. */
export function resultDownloadButton(kind, result) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "download-result";
  button.textContent = "Download result (JSON)";
  button.title = "The experiment's result exactly as the server computed it";
  button.addEventListener("click", () => saveJson(`${fileStem(kind)}-result.json`, result));
  return button;
}

/** A link that downloads `lesson` as one self-contained HTML file (works offline). */
export function lessonHtmlLink(lesson) {
  const link = document.createElement("a");
  link.className = "download-lesson";
  link.href = lessonExportPath(lesson.id);
  link.download = `${lesson.id}.html`;
  link.textContent = "Download as HTML";
  link.title = "This lesson as one HTML file that works offline (a course site, an LMS upload)";
  return link;
}
