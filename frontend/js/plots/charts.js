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

/** A message per diverged run: "adam diverged at step 37". */
export function divergenceNotes(results) {
  return results
    .filter((r) => r.diverged_at !== null && r.diverged_at !== undefined)
    .map((r) => `${r.label} diverged at step ${r.diverged_at}`);
}

/** The animation cursor: a dotted vertical line at `step` on each row. */
export function cursorShapes(step) {
  return ROWS.map((row) => ({
    type: "line", xref: "x", yref: `${row.axis} domain`, x0: step, x1: step, y0: 0, y1: 1,
    line: { color: "#555", width: 1, dash: "dot" },
  }));
}

/** Whether every loss is positive, so a log axis can show all of them. */
export function lossesArePositive(results) {
  return results.every((r) => r.loss.every((v) => v === null || v > 0));
}

export function buildChartsFigure({ runs, results, step, steps, logLoss }) {
  // Losses at or below zero (six-hump camel, Styblinski–Tang, the saddles) would vanish
  // from a log axis: such runs are drawn on a linear one whatever the checkbox says.
  const logScale = logLoss && lossesArePositive(results);
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
  });
  const axis = (domain, title, type = "linear") => ({
    domain, title: { text: title, standoff: 4 }, type, exponentformat: "power", automargin: true,
  });
  return {
    data,
    logLossPossible: lossesArePositive(results),
    layout: {
      uirevision: "charts", margin: { l: 55, r: 10, t: 8, b: 30 }, showlegend: false,
      grid: { rows: 3, columns: 1, pattern: "coupled" },
      xaxis: { range: [0, steps], title: { text: "step", standoff: 2 } },
      yaxis: axis([0.69, 1], "loss", logScale ? "log" : "linear"),
      yaxis2: axis([0.36, 0.64], "‖∇f‖", "log"),
      yaxis3: axis([0, 0.31], "η", "log"),
      shapes: cursorShapes(step),
      annotations: divergenceNotes(results).map((text, k) => ({
        text: plotlyText(text), xref: "paper", yref: "paper", x: 1, y: 0.98 - 0.07 * k, xanchor: "right",
        showarrow: false, font: { color: WARNING, size: 12 }, bgcolor: "rgba(255,255,255,0.8)",
      })),
    },
  };
}
