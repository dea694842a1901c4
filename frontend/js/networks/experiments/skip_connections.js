// Skip connections keep the landscape smooth (Li et al. 2018; beside curriculum section 6,
// "Normalization changes the landscape"): the same ResNet-style network trained with and
// without its skips, each one's slice on one shared colour scale, the training curves, and
// how chaotic each slice is, measure by measure and seed by seed.

import { PALETTE } from "../colors.js";
import { formatNumber, percent } from "../format.js";
import { logColorbar } from "../landscape_view.js";
import { axis, baseLayout, contourWithPath, line, note, plot, table, valueAxis } from "./common.js";

export const kind = "skip_connections";

// The contour levels between the lowest and the highest loss of all slices: the same
// levels on every slice, so that one colour (and one line) is one loss everywhere.
export const LEVELS = 24;

export const VARIANTS = [
  { skips: true, key: "with", title: "With skip connections", color: PALETTE[0] },
  { skips: false, key: "without", title: "Without skip connections", color: PALETTE[4] },
];
const variantOf = (network) => VARIANTS.find((v) => v.skips === Boolean(network.skip_connections));

// The API's measures (its `comparison`), as the table and the note name them; smaller is
// smoother for each.
export const MEASURES = {
  negative_curvature: "negative curvature",
  nonconvex_share: "non-convex share",
  local_minima: "local minima",
  sharpness: "sharpness λ_max",
  centre_ratio: "|λ_min / λ_max|",
};

/** The lowest and highest loss of every slice: the API's `z_range`, else read off the grids. */
export function lossRange(result) {
  if (result.z_range?.length === 2 && result.z_range.every(Number.isFinite)) return result.z_range;
  const values = (result.networks ?? []).flatMap((n) => n.z.flat()).filter(Number.isFinite);
  return values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
}

/**
 * One colour scale for every slice of `range` [lo, hi]: log₁₀ of the loss when it is
 * positive (a chaotic slice spans decades), fixed ends and fixed contour levels.
 * `height(loss)` is what a grid point draws; `trace` goes into each contour trace.
 */
export function sharedScale([lo, hi]) {
  const log = lo > 0;
  const height = (v) => (v === null || !Number.isFinite(v) || (log && v <= 0) ? null : log ? Math.log10(v) : v);
  const [zmin, zmax] = [height(lo), height(hi)];
  const size = (zmax - zmin) / LEVELS || 1e-9; // a flat slice still needs a positive step
  return {
    log,
    height,
    trace: {
      zmin, zmax, zauto: false, autocontour: false, contours: { start: zmin, end: zmax, size },
      colorbar: log ? logColorbar(zmin, zmax) : { title: { text: "loss", side: "right" }, thickness: 12 },
    },
  };
}

/** One network's slice as a contour on the shared scale, the trained weights at its centre. */
export function sliceFigure(network, scale, uirevision) {
  const figure = contourWithPath({
    surface: { x: network.x, y: network.y, z: network.z.map((row) => row.map(scale.height)) },
    xTitle: "direction 1 (α)", yTitle: "direction 2 (β)", uirevision,
    marks: [{ name: "trained weights", point: [0, 0] }],
  });
  const [contour, ...rest] = figure.data;
  return {
    ...figure,
    data: [{
      ...contour, ...scale.trace,
      // The heights are log₁₀ of the loss: the hover shows the loss itself.
      text: network.z.map((row) => row.map(formatNumber)),
      hovertemplate: "(%{x:.3g}, %{y:.3g}) loss %{text}<extra></extra>",
    }, ...rest],
  };
}

const bySeed = (networks) => [...networks].sort((a, b) => a.seed - b.seed || Number(b.skip_connections) - Number(a.skip_connections));

/** Train (solid) and test (dashed) loss per epoch, one colour per variant; one legend entry each. */
export function curveTraces(networks) {
  const firstSeed = Math.min(...networks.map((n) => n.seed));
  return bySeed(networks).flatMap((n) => {
    const { title, color } = variantOf(n);
    const seed = n.seed === firstSeed ? "" : `, seed ${n.seed}`;
    const shown = { showlegend: n.seed === firstSeed };
    return [
      { ...line(`${title.toLowerCase()}${seed}: train`, n.history.epoch, n.history.train_loss, color, { group: `${title} train` }), ...shown },
      { ...line(`${title.toLowerCase()}${seed}: test`, n.history.epoch, n.history.test_loss, color, { dash: "dash", group: `${title} test` }), ...shown },
    ];
  });
}

/** One row per network: how it trained, how chaotic its slice is, and the centre check. */
export function measureRows(networks) {
  return bySeed(networks).map((n) => {
    const m = n.measures;
    const centre = n.centre?.matches ? "✓" : `✗ (grid ${formatNumber(n.centre?.grid)}, direct ${formatNumber(n.centre?.direct)})`;
    return [
      String(n.seed), n.skip_connections ? "with" : "without", n.parameters.toLocaleString("en"),
      formatNumber(n.train_loss), percent(n.test_accuracy), formatNumber(m.negative_curvature),
      percent(m.nonconvex_share), String(m.local_minima), formatNumber(m.sharpness),
      formatNumber(m.lowest_eigenvalue), formatNumber(m.centre_ratio), centre,
    ];
  });
}
export const MEASURE_COLUMNS = [
  "seed", "skips", "parameters", "train loss", "test accuracy", "negative curvature", "non-convex share",
  "local minima", "sharpness λ_max", "lowest λ", "|λ_min / λ_max|", "centre check",
];

/** Per measure, in how many seeds the network with skips was smoother (lower), ties named. */
export function comparisonText(comparison) {
  const parts = comparison.map((c) => {
    const ties = c.with_skips.filter((v, i) => v === c.without_skips[i]).length;
    return `${MEASURES[c.measure] ?? c.measure.replaceAll("_", " ")} ${c.lower_with_skips} of ${c.seeds}`
      + (ties ? ` (${ties} tied)` : "");
  });
  return `Seeds in which the network with skip connections was smoother (lower): ${parts.join(", ")}.`;
}

const count = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function setupText(result, [lo, hi]) {
  const s = result.setup ?? {};
  const blocks = Number.isInteger(s.depth) ? `, ${count((s.depth - 2) / 2, "block")}` : "";
  return `A ResNet-style network of depth ${s.depth ?? "?"}${blocks}, ${s.channels ?? "?"} channels, ${s.activation ?? ""} `
    + `on ${s.dataset ?? "images"}, ${count(s.epochs, "epoch")} of ${s.optimizer ?? "?"} at η = ${formatNumber(s.learning_rate)}. `
    + `Each slice is along two filter-normalized random directions; a point's loss averages ${result.slice_samples} `
    + `training samples. One colour scale for every slice: loss ${formatNumber(lo)} to ${formatNumber(hi)}.`;
}

export function views(result) {
  const networks = result.networks ?? [];
  const range = lossRange(result);
  const scale = sharedScale(range);
  const slices = bySeed(networks).map((n) => {
    const { key, title } = variantOf(n);
    const id = `skip-connections-seed${n.seed}-${key}`;
    return plot(id, `${title} (seed ${n.seed}): train loss ${formatNumber(n.train_loss)}`, sliceFigure(n, scale, id));
  });
  const curves = plot("skip-connections-curves", "Loss per epoch, with and without skip connections", {
    data: curveTraces(networks),
    layout: baseLayout("skip-connections-curves", {
      xaxis: axis("epoch"),
      yaxis: valueAxis("loss", networks.flatMap((n) => [...n.history.train_loss, ...n.history.test_loss])),
    }),
  });
  return [
    note(setupText(result, range)),
    ...(result.comparison?.length ? [note(comparisonText(result.comparison))] : []),
    ...slices,
    curves,
    table("skip-connections-table", "Every network and how chaotic its slice is (smaller is smoother)", MEASURE_COLUMNS, measureRows(networks)),
  ];
}
