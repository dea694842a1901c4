// Loss, gradient norm and learning rate against step, one row each, sharing the step
// axis, with the animation cursor as a vertical line. Pure figure builder.

import { plotlyText } from "../plotly_text.js";
import { PALETTE } from "../state.js";
import { WARNING } from "./colors.js";

const ROWS = [
  { key: "loss", title: "loss", axis: "y" },
  { key: "grad_norm", title: "‖∇f‖", axis: "y2" },
  { key: "learning_rate", title: "η", axis: "y3" },
];
// On a quadratic surface, a fourth row: the loss above the stationary point split by
// eigendirection (the API's eigen_components), solid along the smaller λ, dashed the larger.
const PARTS = { key: "eigen_components", title: "loss by direction", axis: "y4" };
const DOMAINS = {
  3: [[0.69, 1], [0.36, 0.64], [0, 0.31]],
  4: [[0.79, 1], [0.54, 0.74], [0.29, 0.49], [0, 0.23]],
};
const DIRECTION_DASH = ["solid", "dash"];

/** The rows to draw: the eigen-parts only where the surface is quadratic and every run has them. */
export function chartRows(results, quadratic) {
  const parts = Boolean(quadratic) && results.length > 0 && results.every((r) => Array.isArray(r.eigen_components));
  return parts ? [...ROWS, PARTS] : ROWS;
}

/** "λ = 2" for an eigenvalue, as short as it reads. */
const lambda = (value) => `λ = ${Number(value.toPrecision(3))}`;

/** A message per diverged run: "adam diverged at step 37". */
export function divergenceNotes(results) {
  return results
    .filter((r) => r.diverged_at !== null && r.diverged_at !== undefined)
    .map((r) => `${r.label} diverged at step ${r.diverged_at}`);
}

/** The animation cursor: a dotted vertical line at `step` on each of the first `rows` rows. */
export function cursorShapes(step, rows = ROWS.length) {
  return [...ROWS, PARTS].slice(0, rows).map((row) => ({
    type: "line", xref: "x", yref: `${row.axis} domain`, x0: step, x1: step, y0: 0, y1: 1,
    line: { color: "#555", width: 1, dash: "dot" },
  }));
}

/** Whether every loss is positive, so a log axis can show all of them. */
export function lossesArePositive(results) {
  return results.every((r) => r.loss.every((v) => v === null || v > 0));
}

/** Whether no eigen-part is negative: a saddle's is, and needs a linear axis (a part that
 * is exactly 0, a direction already solved, is a gap on the log axis). */
export function partsAreNonNegative(results) {
  return results.every((r) => (r.eigen_components ?? []).every((pair) => pair.every((v) => v === null || v >= 0)));
}

export function buildChartsFigure({ runs, results, step, steps, logLoss, quadratic = null }) {
  // Losses at or below zero (six-hump camel, Styblinski–Tang, the saddles) would vanish
  // from a log axis: such runs are drawn on a linear one whatever the checkbox says.
  const logScale = logLoss && lossesArePositive(results);
  const rows = chartRows(results, quadratic);
  const data = [];
  results.forEach((result, i) => {
    const color = PALETTE[runs[i].color % PALETTE.length];
    const label = plotlyText(result.label);
    for (const row of ROWS) {
      const series = result[row.key];
      data.push({
        type: "scatter", mode: "lines", name: label, legendgroup: result.label,
        showlegend: row.key === "loss", x: series.map((_, t) => t), y: series,
        xaxis: "x", yaxis: row.axis, line: { color, width: 1.8 },
        hovertemplate: `${label} %{y:.4g} at step %{x}<extra></extra>`,
      });
    }
    if (rows.length === ROWS.length) return;
    DIRECTION_DASH.forEach((dash, d) => {
      const parts = result.eigen_components.map((pair) => pair[d]);
      data.push({
        type: "scatter", mode: "lines", name: `${label} ${lambda(quadratic.eigenvalues[d])}`,
        legendgroup: result.label, showlegend: false, x: parts.map((_, t) => t), y: parts,
        xaxis: "x", yaxis: PARTS.axis, line: { color, width: 1.6, dash },
        hovertemplate: `${label}, direction ${lambda(quadratic.eigenvalues[d])}: %{y:.4g} at step %{x}<extra></extra>`,
      });
    });
  });
  const axis = (domain, title, type = "linear") => ({
    domain, title: { text: title, standoff: 4 }, type, exponentformat: "power", automargin: true,
  });
  const domains = DOMAINS[rows.length];
  const layout = {
    uirevision: "charts", margin: { l: 55, r: 10, t: 8, b: 30 }, showlegend: false,
    grid: { rows: rows.length, columns: 1, pattern: "coupled" },
    xaxis: { range: [0, steps], title: { text: "step", standoff: 2 } },
    yaxis: axis(domains[0], "loss", logScale ? "log" : "linear"),
    yaxis2: axis(domains[1], "‖∇f‖", "log"),
    yaxis3: axis(domains[2], "η", "log"),
    shapes: cursorShapes(step, rows.length),
    annotations: divergenceNotes(results).map((text, k) => ({
      text: plotlyText(text), xref: "paper", yref: "paper", x: 1, y: 0.98 - 0.07 * k, xanchor: "right",
      showarrow: false, font: { color: WARNING, size: 12 }, bgcolor: "rgba(255,255,255,0.8)",
    })),
  };
  if (rows.length > ROWS.length) {
    layout.yaxis4 = axis(domains[3], "by direction", partsAreNonNegative(results) ? "log" : "linear");
    const [small, large] = quadratic.eigenvalues.map(lambda);
    layout.annotations.push({
      text: `loss per eigendirection: — ${small}   - - ${large}`, xref: "paper", yref: "y4 domain",
      x: 1, y: 1.02, xanchor: "right", yanchor: "bottom", showarrow: false, font: { size: 11, color: "#5b6475" },
    });
  }
  return { data, rows: rows.length, logLossPossible: lossesArePositive(results), layout };
}
