// "Local minima are rare" (curriculum section 1): many small networks trained until the
// gradient is tiny, each a point (training loss, minimum ratio = share of positive
// Hessian eigenvalues). Points cluster around 0.5–0.6; a true minimum would sit at 1.

import { INK, PALETTE } from "../colors.js";
import { formatNumber } from "../format.js";
import { axis, baseLayout, note, plot, table, valueAxis } from "./common.js";

export const kind = "minimum_ratio";

const describe = (n) => `seed ${n.seed}, widths ${n.widths.join("×") || "none"}, ${n.parameters} parameters, `
  + `‖∇L‖ ${formatNumber(n.gradient_norm)}`;

/** Two scatter traces, converged (filled) and not (hollow): x training loss, y minimum ratio. */
export function ratioTraces(networks) {
  return [true, false].map((converged) => {
    const chosen = networks.filter((n) => Boolean(n.converged) === converged);
    return {
      type: "scatter", mode: "markers", name: converged ? "converged (‖∇L‖ small)" : "not converged",
      x: chosen.map((n) => n.train_loss), y: chosen.map((n) => n.minimum_ratio), text: chosen.map(describe),
      marker: converged
        ? { symbol: "circle", size: 9, color: PALETTE[0], line: { color: INK, width: 0.5 } }
        : { symbol: "circle-open", size: 9, color: PALETTE[1], line: { width: 1.5 } },
      hovertemplate: "loss %{x:.3g}, ratio %{y:.3f}<br>%{text}<extra></extra>",
    };
  });
}

export function summaryText(summary) {
  return `${summary.networks} networks, ${summary.converged} converged; minimum ratio mean `
    + `${formatNumber(summary.mean_ratio)}, median ${formatNumber(summary.median_ratio)}; `
    + `${summary.reached_one} reached 1 (a true local minimum).`;
}

export function views(result) {
  const networks = result.networks ?? [];
  return [
    plot("minimum-ratio-scatter", "Minimum ratio against training loss", {
      data: ratioTraces(networks),
      layout: baseLayout("minimum-ratio", {
        xaxis: valueAxis("training loss", networks.map((n) => n.train_loss)),
        yaxis: axis("minimum ratio (positive eigenvalues / all)", { range: [0, 1.05] }),
        shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 1, y1: 1, line: { color: "#888", dash: "dot", width: 1 } }],
      }),
    }),
    note(summaryText(result.summary)),
    table("minimum-ratio-table", "Every network", ["seed", "widths", "parameters", "epochs", "train loss", "‖∇L‖", "ratio", "+ / − / 0"],
      networks.map((n) => [
        String(n.seed), n.widths.join(", ") || "–", String(n.parameters), String(n.epochs_trained),
        formatNumber(n.train_loss), formatNumber(n.gradient_norm), formatNumber(n.minimum_ratio),
        `${n.positive} / ${n.negative} / ${n.near_zero}`,
      ])),
  ];
}
