// The data plot: train points filled, test points hollow, coloured by class (or by the
// regression target), with a trained network's decision regions underneath when given.
// Pure figure builders.

import { plotlyText } from "../plotly_text.js";
import { boundaryTraces, className } from "./boundary_view.js";
import { INK, SEQUENTIAL, classColor } from "./colors.js";

/** The low and high of every target (train and test): the regression colour range. */
export function targetRange(data) {
  const values = [...data.y_train, ...data.y_test].filter(Number.isFinite);
  return values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
}

const column = (rows, j) => rows.map((row) => row[j]);

function classTraces(data, [fx, fy]) {
  const traces = [];
  for (let k = 0; k < data.n_classes; k++) {
    const name = plotlyText(className(data, k));
    for (const split of ["train", "test"]) {
      const rows = data[`x_${split}`].filter((_, i) => data[`y_${split}`][i] === k);
      const test = split === "test";
      traces.push({
        type: "scatter", mode: "markers", name, legendgroup: name, showlegend: !test,
        x: column(rows, fx), y: column(rows, fy), meta: split,
        marker: test
          ? { symbol: "circle-open", size: 7, color: classColor(k), line: { width: 1.6 } }
          : { symbol: "circle", size: 6, color: classColor(k), line: { color: INK, width: 0.5 } },
        hovertemplate: `${name} (${split}) (%{x:.3g}, %{y:.3g})<extra></extra>`,
      });
    }
  }
  return traces;
}

function targetTraces(data, [fx, fy]) {
  const [cmin, cmax] = targetRange(data);
  return ["train", "test"].map((split) => {
    const test = split === "test";
    return {
      type: "scatter", mode: "markers", name: split, meta: split,
      x: column(data[`x_${split}`], fx), y: column(data[`x_${split}`], fy),
      marker: {
        symbol: test ? "circle-open" : "circle", size: test ? 7 : 6, color: data[`y_${split}`],
        colorscale: SEQUENTIAL, cmin, cmax, showscale: !test,
        colorbar: { title: { text: "target", side: "right" }, thickness: 12, len: 0.8 },
        line: test ? { width: 1.6 } : { color: INK, width: 0.5 },
      },
      hovertemplate: `${split} target %{marker.color:.3g}<extra></extra>`,
    };
  });
}

/** The points as traces: two per class (train, test), or two coloured by target. */
export function pointTraces(data, features = [0, 1]) {
  return data.task === "regression" ? targetTraces(data, features) : classTraces(data, features);
}

/**
 * The data figure. `data` is a dataset (GET /api/datasets/{name}, or a train result's
 * `data` with the dataset's names merged in); `boundary` (optional) a train result's
 * boundary {x, y, epochs, z} drawn at snapshot `index` (2-D inputs only).
 */
export function buildDataFigure({ data, features = [0, 1], boundary = null, index = null }) {
  const names = data.feature_names ?? ["x₁", "x₂"];
  const square = (data.input_dim ?? 2) === 2;
  // A boundary is a grid over the two inputs: only 2-D data have one.
  const under = boundary && square ? boundaryTraces(boundary, index, data, targetRange(data)) : [];
  return {
    data: [...under, ...pointTraces(data, features)],
    layout: {
      uirevision: `${data.name}:${features.join(",")}`,
      margin: { l: 50, r: 10, t: 30, b: 42 },
      xaxis: { title: { text: plotlyText(names[features[0]] ?? ""), standoff: 4 }, zeroline: false },
      yaxis: { title: { text: plotlyText(names[features[1]] ?? ""), standoff: 4 }, zeroline: false, ...(square ? { scaleanchor: "x" } : {}) },
      // Above the plot, in room Plotly makes for it. The key to the markers (filled: train,
      // hollow: test) is the panel's caption: as the legend's title, or an annotation, it
      // crowded or covered the entries.
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    },
  };
}
