// A trained network's view of the plane: for two classes p(class 1) on a two-colour scale
// with the p = 0.5 line; for more, the predicted class in its colour, paler where the
// network is unsure; for regression, the output in the targets' colours. Pure.

import { plotlyText } from "../plotly_text.js";
import { INK, SEQUENTIAL, classColor, tint } from "./colors.js";

/** Class `k`'s name as the dataset gives it (a CSV's own text), or "class k". */
export const className = (dataset, k) => dataset.class_names?.[k] || `class ${k}`;

// Each class owns [k, k + 1) of the heatmap's value axis: k + 0.999·confidence.
const SPAN = 0.999;

/** A colour scale from pale (unsure) to strong (sure), one segment per class. */
export function confidenceColorscale(nClasses) {
  const scale = [];
  for (let k = 0; k < nClasses; k++) {
    scale.push([k / nClasses, tint(classColor(k), 0.92)]);
    scale.push([(k + SPAN) / nClasses, tint(classColor(k), 0.45)]);
  }
  scale.push([1, tint(classColor(nClasses - 1), 0.45)]);
  return scale;
}

/** Class 0's colour at p(class 1) = 0, white at 0.5, class 1's colour at 1. */
export function twoClassColorscale() {
  return [[0, tint(classColor(0), 0.45)], [0.5, tint(classColor(0), 0.97)], [0.5, tint(classColor(1), 0.97)], [1, tint(classColor(1), 0.45)]];
}

/** How sure a probability row is: 0 when uniform, 1 when one class has it all. */
export function confidence(probabilities) {
  const k = probabilities.length;
  const top = Math.max(...probabilities);
  return Math.min(Math.max((top - 1 / k) / (1 - 1 / k), 0), 1);
}

const argmax = (row) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);

/** z[j][i] = predicted class + 0.999 · confidence, the value the colour scale reads. */
export function encodeClasses(grid) {
  return grid.map((row) => row.map((p) => argmax(p) + SPAN * confidence(p)));
}

/** The grid at snapshot `index` of a result's boundary, or a partial's one grid. */
export function snapshot(boundary, index) {
  if (boundary.epochs === undefined) return { epoch: boundary.epoch, z: boundary.z };
  const last = boundary.z.length - 1;
  const i = Math.min(Math.max(index ?? last, 0), last);
  return { epoch: boundary.epochs[i], z: boundary.z[i] };
}

/**
 * Traces drawn under the points. `dataset` gives task, n_classes and class names; `range`
 * the regression colour range (the targets'), so outputs and targets share one scale.
 */
export function boundaryTraces(boundary, index, dataset, range) {
  const { z } = snapshot(boundary, index);
  const common = { x: boundary.x, y: boundary.y, showlegend: false };
  if (dataset.task === "regression") {
    return [{
      ...common, type: "heatmap", name: "network output", z, colorscale: SEQUENTIAL,
      zmin: range[0], zmax: range[1], zsmooth: "fast", showscale: false, opacity: 0.75,
      hovertemplate: "output %{z:.3g}<extra></extra>",
    }];
  }
  const k = dataset.n_classes;
  const names = Array.from({ length: k }, (_, c) => plotlyText(className(dataset, c)));
  if (k === 2) {
    // p(class 1) itself, smoothed, on a two-colour scale through white at 0.5: as sure as
    // the colour is strong; and the p = 0.5 line. ("fast" smoothing: the browser's own
    // image interpolation, 26 ms a redraw against 42 for Plotly's "best", which kept live
    // training under 10 frames a second.)
    const p1 = z.map((row) => row.map((p) => p[1]));
    return [
      {
        ...common, type: "heatmap", name: "p(class 1)", z: p1, zmin: 0, zmax: 1, zsmooth: "fast",
        colorscale: twoClassColorscale(), showscale: false,
        hovertemplate: `p(${names[1]}) = %{z:.2f}<extra></extra>`,
      },
      {
        ...common, type: "contour", name: "p = 0.5", z: p1,
        contours: { start: 0.5, end: 0.5, size: 1, coloring: "none" }, showscale: false,
        line: { color: INK, width: 1.5 }, hoverinfo: "skip",
      },
    ];
  }
  // More classes: the predicted class's colour, paler where the network is unsure. Not
  // smoothed: interpolating the encoded values across a class edge would invent colours.
  const text = z.map((row) => row.map((p) => `${names[argmax(p)]}, p = ${Math.max(...p).toFixed(2)}`));
  return [{
    ...common, type: "heatmap", name: "predicted class", z: encodeClasses(z), text,
    colorscale: confidenceColorscale(k), zmin: 0, zmax: k, showscale: false,
    hovertemplate: "%{text}<extra></extra>",
  }];
}
