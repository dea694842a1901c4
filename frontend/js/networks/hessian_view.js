// The Hessian at the trained weights (PyHessian's views): the eigenvalue density on a log
// axis, the full spectrum as a histogram when it was computed, and the numbers. Pure.

import { INK, PALETTE } from "./colors.js";
import { formatNumber } from "./format.js";

// A density of 0 has no place on a log axis: values below this share of the peak are drawn
// at it (the bottom of the plot), where the top eigenvalues are marked too.
const DENSITY_FLOOR = 1e-6;

/** The floor of the density plot: DENSITY_FLOOR × the highest density. */
export function densityFloor(density) {
  const peak = Math.max(...density.y.filter(Number.isFinite));
  return peak > 0 ? peak * DENSITY_FLOOR : DENSITY_FLOOR;
}

export function buildDensityFigure(result) {
  const top = result.top_eigenvalues ?? [];
  const floor = densityFloor(result.density);
  return {
    data: [
      {
        type: "scatter", mode: "lines", name: "density", x: result.density.x,
        y: result.density.y.map((v) => Math.max(v ?? 0, floor)), line: { color: PALETTE[0], width: 2 },
        hovertemplate: "λ %{x:.4g}: density %{y:.3g}<extra></extra>",
      },
      {
        type: "scatter", mode: "markers", name: "top eigenvalues (Lanczos)", x: top,
        y: top.map(() => floor), yaxis: "y", cliponaxis: false, marker: { symbol: "triangle-up", size: 10, color: PALETTE[4] },
        hovertemplate: "λ = %{x:.4g}<extra></extra>",
      },
    ],
    layout: {
      uirevision: "density", margin: { l: 60, r: 10, t: 30, b: 42 },
      xaxis: { title: { text: "eigenvalue λ", standoff: 4 }, zeroline: true, zerolinecolor: "#aaa" },
      yaxis: { title: { text: "density (log)", standoff: 4 }, type: "log", dtick: 2, exponentformat: "power" },
      // Above the plot area, in the top margin: inside it, it hid the density's right end.
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    },
  };
}

/** The full spectrum as a histogram (log count), or null when it was not computed. */
export function buildSpectrumFigure(result) {
  if (!result.spectrum) return null;
  return {
    data: [{
      type: "histogram", name: "eigenvalues", x: result.spectrum, nbinsx: 80,
      marker: { color: PALETTE[2], line: { color: INK, width: 0.3 } },
      hovertemplate: "%{y} eigenvalues in %{x}<extra></extra>",
    }],
    layout: {
      uirevision: "spectrum", margin: { l: 60, r: 10, t: 10, b: 42 }, bargap: 0.02,
      xaxis: { title: { text: "eigenvalue λ (all of them)", standoff: 4 } },
      yaxis: { title: { text: "count (log)", standoff: 4 }, type: "log", dtick: 1 },
    },
  };
}

/** The numbers as [label, value] rows. */
export function hessianRows(result) {
  const rows = [
    ["parameters", result.parameters.toLocaleString("en")],
    ["training loss", formatNumber(result.train_loss)],
    ["gradient norm ‖∇L‖", formatNumber(result.gradient_norm)],
    ["top eigenvalues", result.top_eigenvalues.map(formatNumber).join(", ")],
    ["most negative eigenvalue", formatNumber(result.most_negative_eigenvalue)],
    ["trace (Hutchinson)", `${formatNumber(result.trace.estimate)} ± ${formatNumber(result.trace.standard_error)}`],
  ];
  const m = result.minimum_ratio;
  if (m) {
    rows.push([
      "minimum ratio",
      `${formatNumber(m.ratio)}: ${m.positive} positive, ${m.negative} negative, ${m.near_zero} `
        + `near zero (|λ| ≤ ${formatNumber(m.tolerance)}) of ${m.total}`,
    ]);
  } else {
    rows.push(["minimum ratio", "not computed (more than 3,000 parameters)"]);
  }
  return rows;
}
