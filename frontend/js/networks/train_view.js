// Training curves: loss per epoch (train solid, test dashed) and, for classification,
// accuracy below it. Works for a finished run's history and for a live partial one; and a
// finished run's views as a lesson's export shows them. Pure.

import { axis, valueAxis } from "./axes.js";
import { PALETTE } from "./colors.js";
import { buildDataFigure } from "./dataset_view.js";
import { note, plot } from "./experiments/common.js";
import { formatNumber, percent } from "./format.js";

const TRAIN = PALETTE[0];
const TEST = PALETTE[1];

/** Loss and accuracy traces of a history {epoch, train_loss, test_loss, train_accuracy?, …}. */
export function curveTraces(history) {
  const line = (key, name, color, axis, dash = "solid") => ({
    type: "scatter", mode: "lines", name, x: history.epoch, y: history[key], xaxis: "x", yaxis: axis,
    line: { color, width: 2, dash }, legendgroup: name.split(" ")[0], meta: key,
    hovertemplate: `${name} %{y:.4g} at epoch %{x}<extra></extra>`,
  });
  const traces = [line("train_loss", "train loss", TRAIN, "y"), line("test_loss", "test loss", TEST, "y", "dash")];
  if (history.train_accuracy) {
    traces.push(line("train_accuracy", "train accuracy", TRAIN, "y2"), line("test_accuracy", "test accuracy", TEST, "y2", "dash"));
  }
  return traces;
}

/**
 * The curves figure. `epochs`: the run's length, so live curves grow into a fixed axis;
 * a null history draws empty axes with a hint.
 */
export function buildCurvesFigure(history, { epochs = null } = {}) {
  const accuracy = Boolean(history?.train_accuracy);
  const losses = history ? [...history.train_loss, ...history.test_loss] : [];
  const layout = {
    uirevision: "curves", margin: { l: 55, r: 10, t: 30, b: 40 },
    xaxis: axis("epoch", { anchor: accuracy ? "y2" : "y", ...(epochs ? { range: [0, epochs] } : {}) }),
    yaxis: valueAxis("loss", losses, { domain: accuracy ? [0.45, 1] : [0, 1] }),
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    annotations: history ? [] : [{
      text: "Press Train to see the curves", xref: "paper", yref: "paper", x: 0.5, y: 0.5,
      showarrow: false, font: { color: "#5b6475" },
    }],
  };
  if (accuracy) {
    layout.yaxis2 = axis("accuracy", { domain: [0, 0.38], range: [0, 1.02], tickformat: ".0%" });
  }
  return { data: history ? curveTraces(history) : [], layout };
}

/** One line about a finished run: its size and where it ended. */
export function trainSummary(result) {
  const h = result.history;
  const last = h.epoch.length - 1;
  const parts = [
    `${result.parameters.toLocaleString("en")} parameters, ${h.epoch[last]} epochs of `
      + `${result.steps_per_epoch} updates (batch ${result.batch_size})`,
    `train loss ${formatNumber(h.train_loss[last])}, test loss ${formatNumber(h.test_loss[last])}`,
  ];
  if (h.train_accuracy) parts.push(`accuracy ${percent(h.train_accuracy[last])} train, ${percent(h.test_accuracy[last])} test`);
  return `${parts.join("; ")}.`;
}

/**
 * A finished `train` job's views (the {type, …} items of an experiment's `views`): the
 * points under the decision boundary of the last epoch (2-D data), the curves, and the
 * summary. A train lesson's standalone export draws these.
 */
export function trainViews(result) {
  const data = { name: result.setup?.dataset ?? "data", input_dim: result.data.x_train[0]?.length ?? 2, ...result.data };
  const views = [];
  if (result.boundary) {
    const last = result.boundary.epochs?.at(-1);
    const title = last === undefined ? "The decision boundary" : `The decision boundary after epoch ${last}`;
    views.push(plot("train-boundary", title, buildDataFigure({ data, boundary: result.boundary })));
  }
  views.push(plot("train-curves", "Training curves", buildCurvesFigure(result.history)), note(trainSummary(result)));
  return views;
}
