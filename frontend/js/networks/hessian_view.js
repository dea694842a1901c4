// The Hessian at the trained weights (PyHessian's views): the eigenvalue density on a log
// axis, the full spectrum as a histogram when it was computed, each layer's own block, the
// loss along the top eigenvector beside a random direction, and the numbers. Pure.

import { axis, valueAxis } from "./axes.js";
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

// Per layer: one row of bars per layer, so that a deep network's 20 layers and their long
// names ("block 9 conv 2") read down the page instead of crowding an x axis.
const LAYER_ROW = 30; // px per layer (two bars)
const LAYER_ROOM = 95; // px of the figure besides the rows: legend above, axis below

/** Each layer's top eigenvalue and trace (± standard error) as bars, or null when not computed. */
export function buildLayersFigure(result) {
  const layers = result.per_layer;
  if (!layers?.length) return null;
  const names = layers.map((l) => l.layer);
  const sizes = layers.map((l) => `${l.parameters.toLocaleString("en")} parameters`);
  const bars = (name, x, color, extra) => ({
    type: "bar", orientation: "h", name, x, y: names, customdata: sizes, marker: { color },
    hovertemplate: `%{y}: ${name} %{x:.4g}<br>%{customdata}<extra></extra>`, ...extra,
  });
  const top = layers.map((l) => l.top_eigenvalue);
  const trace = layers.map((l) => l.trace.estimate);
  return {
    data: [
      bars("top eigenvalue", top, PALETTE[4]),
      bars("trace (Hutchinson)", trace, PALETTE[0], {
        error_x: { type: "data", array: layers.map((l) => l.trace.standard_error), color: INK, thickness: 1, width: 3 },
      }),
    ],
    layout: {
      uirevision: "layers", height: LAYER_ROOM + LAYER_ROW * layers.length, barmode: "group", bargap: 0.25,
      margin: { l: 10, r: 10, t: 30, b: 42 },
      // Curvature differs by decades between layers: log when every value allows it.
      xaxis: valueAxis("curvature of the layer's block", [...top, ...trace]),
      yaxis: axis("", { automargin: true, autorange: "reversed", type: "category" }),
      legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom", yref: "paper" },
    },
  };
}

/** Rows of the per-layer table: layer, parameters, top eigenvalue, trace ± standard error. */
export function layerRows(result) {
  return (result.per_layer ?? []).map((l) => [
    l.layer, l.parameters.toLocaleString("en"), formatNumber(l.top_eigenvalue),
    `${formatNumber(l.trace.estimate)} ± ${formatNumber(l.trace.standard_error)}`,
  ]);
}
export const LAYER_COLUMNS = ["layer", "parameters", "top eigenvalue", "trace ± standard error"];

/**
 * The loss along the top eigenvector and along a random unit direction (PyHessian's plot):
 * the same step α, so the top eigenvector's curve is as sharp as curvature gets here.
 */
export function buildSlicesFigure(result) {
  const slices = result.eigenvector_slices;
  if (!slices) return null;
  const curve = (name, y, color, dash) => ({
    type: "scatter", mode: "lines", name, x: slices.x, y, line: { color, width: 2, dash },
    hovertemplate: `${name}: loss %{y:.4g} at α = %{x:.3g}<extra></extra>`,
  });
  return {
    data: [
      curve("top eigenvector", slices.top_eigenvector, PALETTE[4], "solid"),
      curve("random direction", slices.random, PALETTE[0], "dash"),
    ],
    layout: {
      uirevision: "eigenvector-slices", margin: { l: 60, r: 10, t: 30, b: 42 },
      xaxis: axis("step α along a unit direction", { zeroline: true, zerolinecolor: "#aaa" }),
      yaxis: valueAxis("training loss", [...slices.top_eigenvector, ...slices.random]),
      legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom" },
    },
  };
}
