// The learning-rate sweep: loss after the sweep's steps against the learning rate, one
// curve per run in its colour, with each run's best rate marked. Pure figure builder.

import { plotlyText } from "../plotly_text.js";
import { PALETTE } from "../state.js";

/** The per-rate losses the sweep ranked by ("final" or "mean"). */
export function sweepLosses(result, metric) {
  return metric === "mean" ? result.mean_loss : result.final_loss;
}

/** Log y only when every loss is positive: some surfaces (six-hump camel) go below 0. */
export function lossAxisType(sweep) {
  const losses = sweep.results.flatMap((r) => sweepLosses(r, sweep.metric)).filter((v) => v !== null);
  return losses.length && losses.every((v) => v > 0) ? "log" : "linear";
}

export function buildSweepFigure({ runs, sweep }) {
  const data = [];
  sweep.results.forEach((result, i) => {
    const color = PALETTE[(runs[i]?.color ?? i) % PALETTE.length];
    const label = plotlyText(result.label);
    data.push({
      type: "scatter", mode: "lines+markers", name: label, legendgroup: result.label,
      x: sweep.learning_rates, y: sweepLosses(result, sweep.metric),
      connectgaps: false, // a null is a diverged rate: show the hole, not a bridge over it
      line: { color, width: 1.8 }, marker: { color, size: 4 },
      hovertemplate: `${label}: loss %{y:.4g} at η = %{x:.3g}<extra></extra>`,
    });
    if (result.best_learning_rate === null || result.best_learning_rate === undefined) return;
    data.push({
      type: "scatter", mode: "markers", name: `${label} best`, legendgroup: result.label,
      showlegend: false, x: [result.best_learning_rate], y: [result.best_loss],
      marker: { color, size: 13, symbol: "star", line: { color: "white", width: 1 } },
      hovertemplate: `${label}: best η = %{x:.3g}, loss %{y:.4g}<extra></extra>`,
    });
  });
  const metric = sweep.metric === "mean" ? "mean loss" : "final loss";
  return {
    data,
    layout: {
      margin: { l: 60, r: 10, t: 30, b: 40 },
      title: { text: `${metric} after ${sweep.steps} steps vs learning rate (★ = best)`, font: { size: 13 }, x: 0.01, xanchor: "left" },
      xaxis: { type: "log", title: { text: "learning rate η", standoff: 4 }, exponentformat: "power" },
      yaxis: { type: lossAxisType(sweep), title: { text: metric, standoff: 4 }, exponentformat: "power", automargin: true },
      legend: { font: { size: 11 } },
      hovermode: "closest",
    },
  };
}
