// A trained network's loss landscape (Li et al. 2018): the 2-D slice as a contour or a
// 3-D surface, with the training path projected onto the PCA plane and labelled by epoch,
// and the checks that travel with it (explained variance, path captured, the Hessian
// plane's eigenvalues, centre). Pure.

import { INK, LANDSCAPE, PALETTE } from "./colors.js";
import { formatNumber, percent } from "./format.js";

const PATH = PALETTE[4]; // vermillion: stands out on YlGnBu

/** log10 of every value when all are positive (losses span decades), else the values. */
export function landscapeHeights(z) {
  const values = z.flat().filter((v) => v !== null && Number.isFinite(v));
  const log = values.length > 0 && values.every((v) => v > 0);
  return { log, z: log ? z.map((row) => row.map((v) => (v === null ? null : Math.log10(v)))) : z };
}

/** Bilinear interpolation of grid z (z[j][i] at x[i], y[j], both ascending) at (px, py). */
export function sampleGrid(x, y, z, px, py) {
  const cell = (axis, v) => {
    let i = 0;
    while (i < axis.length - 2 && axis[i + 1] < v) i++;
    const t = (v - axis[i]) / (axis[i + 1] - axis[i]);
    return [i, Math.min(Math.max(t, 0), 1)];
  };
  const [i, s] = cell(x, px);
  const [j, t] = cell(y, py);
  const at = (jj, ii) => z[jj][ii];
  return (1 - t) * ((1 - s) * at(j, i) + s * at(j, i + 1)) + t * ((1 - s) * at(j + 1, i) + s * at(j + 1, i + 1));
}

/** Indices of at most `count` evenly spaced points, first and last included. */
export function labelIndices(length, count = 6) {
  if (length <= count) return Array.from({ length }, (_, i) => i);
  const picked = new Set(Array.from({ length: count }, (_, k) => Math.round((k * (length - 1)) / (count - 1))));
  return [...picked].sort((a, b) => a - b);
}

/** "epoch 12" labels on a few points of the path, empty text elsewhere. */
export function pathLabels(epochs) {
  const shown = new Set(labelIndices(epochs.length));
  return epochs.map((e, i) => (shown.has(i) ? `epoch ${e}` : ""));
}

/** A colour bar over log₁₀ heights lo … hi, its five ticks labelled with the loss itself. */
export function logColorbar(lo, hi) {
  const tickvals = Array.from({ length: 5 }, (_, k) => lo + ((hi - lo) * k) / 4);
  return {
    title: { text: "loss (log scale)", side: "right" }, thickness: 12, tickvals,
    ticktext: tickvals.map((v) => formatNumber(10 ** v)),
  };
}

function colorbar(log, z) {
  if (!log) return { title: { text: "loss", side: "right" }, thickness: 12 };
  const values = z.flat().filter((v) => v !== null);
  return logColorbar(Math.min(...values), Math.max(...values));
}

/** The plane's two axis titles; the Hessian's eigenvectors with their eigenvalues. */
export function axisTitles(result) {
  if (result.directions === "pca") return ["PCA direction 1", "PCA direction 2"];
  if (result.directions === "hessian") {
    const [l1, l2] = result.eigenvalues ?? [];
    // (Unicode subscripts: the 3-D scene's titles take no markup.)
    const named = (k, sub, l) => `eigenvector ${k}${l === undefined ? "" : ` (λ${sub} = ${formatNumber(l)})`}`;
    return [named(1, "₁", l1), named(2, "₂", l2)];
  }
  return ["random direction 1 (α)", "random direction 2 (β)"];
}

/** The landscape figure; `view` is "contour" or "surface3d". */
export function buildLandscapeFigure(result, { view = "contour" } = {}) {
  const { log, z } = landscapeHeights(result.z);
  const [xTitle, yTitle] = axisTitles(result);
  const height = log ? "log₁₀ loss" : "loss";
  const path = result.path ?? null;
  const labels = path ? pathLabels(result.path_epochs ?? path.map((_, i) => i)) : [];
  if (view === "surface3d") {
    const lift = 0.01 * (Math.max(...z.flat().filter((v) => v !== null)) - Math.min(...z.flat().filter((v) => v !== null)));
    const data = [{
      type: "surface", name: "training loss", x: result.x, y: result.y, z, colorscale: LANDSCAPE,
      reversescale: true, showscale: false, opacity: 0.92,
      hovertemplate: `(%{x:.3g}, %{y:.3g}) ${height} %{z:.3g}<extra></extra>`,
    }];
    if (path) {
      data.push({
        type: "scatter3d", mode: "lines+markers+text", name: "training path",
        x: path.map((p) => p[0]), y: path.map((p) => p[1]),
        z: path.map(([px, py]) => sampleGrid(result.x, result.y, z, px, py) + lift),
        text: labels, textfont: { size: 11, color: INK }, line: { color: PATH, width: 5 },
        marker: { size: 3, color: PATH },
      });
    }
    return {
      data,
      layout: {
        uirevision: "landscape3d", margin: { l: 0, r: 0, t: 10, b: 0 }, showlegend: false,
        scene: { xaxis: { title: { text: xTitle } }, yaxis: { title: { text: yTitle } }, zaxis: { title: { text: height } } },
      },
    };
  }
  const data = [{
    type: "contour", name: "training loss", x: result.x, y: result.y, z, colorscale: LANDSCAPE,
    reversescale: true, ncontours: 25, line: { width: 0.5, color: "rgba(0,0,0,0.25)" },
    colorbar: colorbar(log, z), hovertemplate: `(%{x:.3g}, %{y:.3g}) ${height} %{z:.3g}<extra></extra>`,
  }];
  if (path) {
    data.push({
      type: "scatter", mode: "lines+markers+text", name: "training path",
      x: path.map((p) => p[0]), y: path.map((p) => p[1]), text: labels, textposition: "top right",
      textfont: { size: 11, color: INK }, line: { color: PATH, width: 2 }, marker: { size: 5, color: PATH },
      hovertemplate: "epoch %{customdata}<extra></extra>", customdata: result.path_epochs,
    });
  }
  data.push({
    type: "scatter", mode: "markers", name: "trained weights", x: [0], y: [0],
    marker: { symbol: "star", size: 14, color: "#F0E442", line: { color: INK, width: 1 } },
    hovertemplate: "the trained weights<extra></extra>",
  });
  return {
    data,
    layout: {
      uirevision: "landscape", margin: { l: 55, r: 10, t: 10, b: 42 }, showlegend: false,
      xaxis: { title: { text: xTitle, standoff: 4 } }, yaxis: { title: { text: yTitle, standoff: 4 } },
    },
  };
}

/** The checks as sentences: PCA's explained variance and path captured, the Hessian's λ, the centre. */
export function landscapeNotes(result) {
  const notes = [];
  const ratio = result.explained_variance_ratio;
  if (ratio) {
    notes.push(`The two PCA directions explain ${percent(ratio[0])} and ${percent(ratio[1])} of the path's `
      + `movement; the plane captures ${percent(result.path_captured)} of it.`);
  }
  const eigenvalues = result.eigenvalues;
  if (result.directions === "hessian" && eigenvalues?.length === 2) {
    notes.push(`The plane of the Hessian's top two eigenvectors, λ₁ = ${formatNumber(eigenvalues[0])} and `
      + `λ₂ = ${formatNumber(eigenvalues[1])}: the most curved directions at the trained weights, each a unit `
      + "vector, so a step of 1 moves the weights by 1 (not filter-normalized).");
  }
  const c = result.centre;
  if (c) {
    const verdict = c.matches ? "they match ✓" : "they differ ✗";
    notes.push(`Centre check: the slice gives ${formatNumber(c.grid)} at (0, 0), the trained model's own `
      + `training loss is ${formatNumber(c.direct)}: ${verdict}.`);
  }
  return notes;
}
