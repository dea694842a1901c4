// Normalization changes the landscape (curriculum section 6): a linear model's error
// surface with badly scaled features and after standardizing them, and a small network
// trained with and without batch norm at the same learning rates.

import { PALETTE } from "../colors.js";
import { formatNumber, percent } from "../format.js";
import { axis, baseLayout, contourWithPath, line, note, plot, table, valueAxis } from "./common.js";

export const kind = "normalization";

const CASE_TITLES = { scaled: "Scaled features", standardized: "Standardized features" };
const bnLabel = (on) => (on ? "with batch norm" : "without batch norm");

function linearViews(linear) {
  const surfaces = linear.cases.map((c) => plot(
    `normalization-linear-${c.name}`,
    `${CASE_TITLES[c.name] ?? c.name}: condition number ${formatNumber(c.condition_number)}`,
    contourWithPath({
      surface: c.surface, path: c.path, xTitle: "w₁", yTitle: "w₂", uirevision: `normalization-${c.name}`,
      marks: c.minimum ? [{ name: "minimum", point: c.minimum }] : [],
    }),
  ));
  const curves = plot("normalization-linear-curves", "Loss per step, same optimizer and learning rate", {
    data: linear.cases.map((c, i) => line(CASE_TITLES[c.name] ?? c.name, c.loss.map((_, t) => t), c.loss, PALETTE[i])),
    layout: baseLayout("normalization-linear-curves", {
      xaxis: axis("step"), yaxis: valueAxis("loss", linear.cases.flatMap((c) => c.loss)),
    }),
  });
  const outcome = linear.cases.map((c) => `${(CASE_TITLES[c.name] ?? c.name).toLowerCase()}: `
    + (c.diverged_at === null || c.diverged_at === undefined
      ? `final loss ${formatNumber(c.final_loss)}` : `diverged at step ${c.diverged_at}`));
  const text = `Feature scales ${linear.feature_scales.map(formatNumber).join(" and ")}; ${linear.optimizer}, `
    + `η = ${formatNumber(linear.learning_rate)}, ${linear.steps} steps: ${outcome.join("; ")}.`;
  return [...surfaces, curves, note(text)];
}

/** Training loss per epoch: one colour per learning rate, solid with BN, dashed without. */
export function batchNormTraces(batchNorm) {
  const rates = batchNorm.learning_rates;
  return batchNorm.runs.map((run) => {
    const color = PALETTE[Math.max(rates.indexOf(run.learning_rate), 0) % PALETTE.length];
    return line(`η = ${formatNumber(run.learning_rate)} ${bnLabel(run.batch_norm)}`, run.history.epoch,
      run.history.train_loss, color, { dash: run.batch_norm ? "solid" : "dash" });
  });
}

function batchNormViews(batchNorm) {
  const items = [
    plot("normalization-bn-curves", `Training with and without batch norm (${batchNorm.optimizer})`, {
      data: batchNormTraces(batchNorm),
      layout: baseLayout("normalization-bn-curves", {
        xaxis: axis("epoch"), yaxis: valueAxis("training loss", batchNorm.runs.flatMap((r) => r.history.train_loss)),
      }),
    }),
    table("normalization-bn-table", "At the end of training", ["batch norm", "η", "train loss", "test accuracy", "sharpness (top eigenvalue)", "note"],
      batchNorm.runs.map((r) => [
        r.batch_norm ? "yes" : "no", formatNumber(r.learning_rate), formatNumber(r.train_loss),
        percent(r.test_accuracy), formatNumber(r.sharpness), r.diverged ? "diverged" : "",
      ])),
  ];
  for (const [i, s] of (batchNorm.slices ?? []).entries()) {
    items.push(plot(`normalization-bn-slice-${i}`, `Loss slice ${bnLabel(s.batch_norm)} (η = ${formatNumber(s.learning_rate)})`,
      contourWithPath({
        surface: s, xTitle: "random direction 1", yTitle: "random direction 2", uirevision: `normalization-slice-${i}`,
        marks: [{ name: "trained weights", point: [0, 0] }],
      })));
  }
  return items;
}

export function views(result) {
  return [...(result.linear ? linearViews(result.linear) : []), ...(result.batch_norm ? batchNormViews(result.batch_norm) : [])];
}
