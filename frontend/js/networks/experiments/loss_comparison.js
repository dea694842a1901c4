// Cross-entropy vs MSE on softmax outputs (curriculum section 5): both error surfaces
// over the logits (y₁, y₂) with the same optimizer's run on each, and both loss curves.

import { PALETTE } from "../colors.js";
import { formatNumber } from "../format.js";
import { axis, baseLayout, contourWithPath, line, note, plot, valueAxis } from "./common.js";

export const kind = "loss_comparison";
const LOSSES = [
  { key: "cross_entropy", title: "Cross-entropy", color: PALETTE[0] },
  { key: "mse", title: "MSE", color: PALETTE[4] },
];

export function views(result) {
  const present = LOSSES.filter((l) => result.losses[l.key]);
  const surfaces = present.map((l) => {
    const { grid, run } = result.losses[l.key];
    const final = run.loss.at(-1);
    return plot(`loss-comparison-${l.key}`, `${l.title}: final loss ${formatNumber(final)}`, contourWithPath({
      surface: grid, path: run.points, xTitle: "logit y₁ (target class)", yTitle: "logit y₂",
      uirevision: `loss-comparison-${l.key}`, color: l.color,
    }));
  });
  const curves = plot("loss-comparison-curves", "Loss per step, same start and optimizer", {
    data: present.map((l) => {
      const { loss } = result.losses[l.key].run;
      return line(l.title, loss.map((_, t) => t), loss, l.color);
    }),
    layout: baseLayout("loss-comparison-curves", {
      xaxis: axis("step"), yaxis: valueAxis("loss", present.flatMap((l) => result.losses[l.key].run.loss)),
    }),
  });
  const p = result.params ?? {};
  const start = p.start ? `(${p.start.map(formatNumber).join(", ")})` : "the same start";
  const endings = present.map((l) => `${l.title} ends at ${formatNumber(result.losses[l.key].run.loss.at(-1))}`);
  return [
    ...surfaces,
    curves,
    note(`From ${start} with ${p.optimizer ?? "the same optimizer"}, η = ${formatNumber(p.learning_rate)}, `
      + `${p.steps} steps, y₃ = ${formatNumber(p.y3)}: ${endings.join("; ")}.`),
  ];
}
