// Small batch vs large batch (curriculum section 2): time per update and per epoch
// measured on this machine, accuracy, sharpness, the loss between a small-batch and a
// large-batch minimum, 1-D slices through each, and the lecture's summary table.

import { PALETTE } from "../colors.js";
import { formatNumber, percent, seconds } from "../format.js";
import { axis, baseLayout, line, note, plot, table, valueAxis } from "./common.js";

export const kind = "batch_size";

/** A log₂ batch-size axis with a tick at every size that was run. */
export function batchAxis(sizes) {
  return axis("batch size", { type: "log", tickvals: sizes, ticktext: sizes.map(String) });
}

export function timingTraces(runs) {
  const sizes = runs.map((r) => r.batch_size);
  return [
    line("time per update", sizes, runs.map((r) => r.seconds_per_update), PALETTE[0], { mode: "lines+markers" }),
    line("time per epoch", sizes, runs.map((r) => r.seconds_per_epoch), PALETTE[4], { mode: "lines+markers" }),
  ];
}

// The lecture's table, row by row: [label, measure, words for the smaller number, the
// larger one and a tie, the run's own number in words]. Which rows and which words come
// from the API's `comparison` (core/experiments/batch_size.py): it orders the numbers.
const gap = (a, b, scale, unit) => (Number.isFinite(a) && Number.isFinite(b)
  ? `${a - b >= 0 ? "+" : ""}${formatNumber(Number((scale * (a - b)).toPrecision(3)))}${unit}` : "–");
const TABLE_ROWS = [
  ["Time per update", "seconds_per_update", ["faster", "slower", "same"], (r) => seconds(r.seconds_per_update)],
  ["Time per epoch", "seconds_per_epoch", ["faster", "slower", "same"], (r) => seconds(r.seconds_per_epoch)],
  ["Gradient", "gradient_noise", ["stable", "noisy", "similar"], (r) => `noise ${formatNumber(r.gradient_noise)}`],
  ["Optimization", "train_accuracy", ["worse", "better", "same"], (r) => `train accuracy ${percent(r.train_accuracy)}`],
  ["Generalization", "test_accuracy", ["worse", "better", "same"],
    (r) => `test accuracy ${percent(r.test_accuracy)}, gap ${gap(r.train_accuracy, r.test_accuracy, 100, " points")}`],
  ["Optimization", "train_loss", ["better", "worse", "same"], (r) => `train loss ${formatNumber(r.train_loss)}`],
  ["Generalization", "test_loss", ["better", "worse", "same"],
    (r) => `test loss ${formatNumber(r.test_loss)}, gap ${gap(r.test_loss, r.train_loss, 1, "")}`],
  ["Sharpness", "sharpness", ["flatter", "sharper", "similar"], (r) => `top eigenvalue ${formatNumber(r.sharpness)}`],
];

/** The (small batch, large batch) words of `order`: −1 the small batch's number is lower. */
function words(order, [lower, higher, alike]) {
  if (order === null || order === undefined) return ["n/a", "n/a"];
  if (order === 0) return [alike, alike];
  return order < 0 ? [lower, higher] : [higher, lower];
}

/**
 * The lecture's small- vs large-batch table ({columns, rows}) from the result's smallest
 * and largest batch's runs, each cell a comparative word then the run's own number.
 */
export function summaryTable(result) {
  const { orders, small_batch: smallBatch, large_batch: largeBatch } = result.comparison;
  const small = result.runs.find((r) => r.batch_size === smallBatch);
  const large = result.runs.find((r) => r.batch_size === largeBatch);
  const rows = TABLE_ROWS.filter(([, key]) => key in orders).map(([label, key, choices, show]) => {
    const [a, b] = words(orders[key], choices);
    return [label, `${a} (${show(small)})`, `${b} (${show(large)})`];
  });
  return { columns: ["", `small batch (b=${smallBatch})`, `large batch (b=${largeBatch})`], rows };
}

/** Train (solid) and test (dashed) curves of several runs, one colour per run. */
function pairedCurves(items, label, x, train, test) {
  return items.flatMap((item, i) => [
    line(`${label(item)} train`, x(item), train(item), PALETTE[i % PALETTE.length], { group: label(item) }),
    line(`${label(item)} test`, x(item), test(item), PALETTE[i % PALETTE.length], { dash: "dash", group: label(item) }),
  ]);
}

export function views(result) {
  const runs = result.runs ?? [];
  const sizes = runs.map((r) => r.batch_size);
  const items = [
    plot("batch-size-timing", `Time per update and per epoch (measured on ${result.device ?? "this machine"})`, {
      data: timingTraces(runs),
      layout: baseLayout("batch-size-timing", {
        xaxis: batchAxis(sizes), yaxis: valueAxis("seconds", runs.flatMap((r) => [r.seconds_per_update, r.seconds_per_epoch])),
      }),
    }),
    plot("batch-size-accuracy", "Accuracy after training", {
      data: [
        line("train accuracy", sizes, runs.map((r) => r.train_accuracy), PALETTE[0], { mode: "lines+markers" }),
        line("test accuracy", sizes, runs.map((r) => r.test_accuracy), PALETTE[1], { mode: "lines+markers", dash: "dash" }),
      ],
      layout: baseLayout("batch-size-accuracy", { xaxis: batchAxis(sizes), yaxis: axis("accuracy", { tickformat: ".0%" }) }),
    }),
    plot("batch-size-sharpness", "Sharpness (largest Hessian eigenvalue) and gradient noise", {
      data: [
        line("sharpness λ<sub>max</sub>", sizes, runs.map((r) => r.sharpness), PALETTE[2], { mode: "lines+markers" }),
        line("gradient noise", sizes, runs.map((r) => r.gradient_noise), PALETTE[3], { mode: "lines+markers", dash: "dot", axis: "y2" }),
      ],
      layout: baseLayout("batch-size-sharpness", {
        xaxis: batchAxis(sizes), yaxis: axis("λ<sub>max</sub>", { rangemode: "tozero" }),
        yaxis2: axis("gradient noise", { overlaying: "y", side: "right", showgrid: false, rangemode: "tozero" }),
        margin: { l: 55, r: 55, t: 10, b: 42 },
      }),
    }),
    plot("batch-size-curves", "Training loss per epoch", {
      data: runs.map((r, i) => line(`batch ${r.batch_size}`, r.history.epoch, r.history.train_loss, PALETTE[i % PALETTE.length])),
      layout: baseLayout("batch-size-curves", {
        xaxis: axis("epoch"), yaxis: valueAxis("training loss", runs.flatMap((r) => r.history.train_loss)),
      }),
    }),
  ];
  const interp = result.interpolation;
  if (interp) {
    items.push(plot("batch-size-interpolation", "Loss on the line from the small-batch to the large-batch minimum", {
      data: [
        line("train loss", interp.x, interp.train, PALETTE[0]),
        line("test loss", interp.x, interp.test, PALETTE[1], { dash: "dash" }),
      ],
      layout: baseLayout("batch-size-interpolation", {
        xaxis: axis(`0: batch ${interp.small_batch} · 1: batch ${interp.large_batch}`),
        yaxis: axis("loss"),
      }),
    }));
  }
  if (result.slices?.length) {
    // Filter-normalized: a step moves each filter by a fraction of its own norm, so a run
    // whose weights grew larger can slice steeper although its top eigenvalue is smaller.
    items.push(plot("batch-size-slices", "1-D slices along a filter-normalized random direction", {
      data: pairedCurves(result.slices, (s) => `batch ${s.batch_size}`, (s) => s.x, (s) => s.train, (s) => s.test),
      layout: baseLayout("batch-size-slices", { xaxis: axis("step along a random direction"), yaxis: axis("loss") }),
    }));
  }
  if (result.comparison) {
    const { columns, rows } = summaryTable(result);
    items.push(table("batch-size-table", "Small vs large batch", columns, rows));
  }
  const weights = runs.filter((r) => r.weight_norm != null);
  items.push(note(`${result.n_train ?? "?"} training samples; time per update `
    + `${runs.map((r) => `${seconds(r.seconds_per_update)} at ${r.batch_size}`).join(", ")}`
    + (weights.length ? `; weight norm ‖θ‖ ${weights.map((r) => `${formatNumber(r.weight_norm)} at ${r.batch_size}`).join(", ")}.` : ".")));
  return items;
}
