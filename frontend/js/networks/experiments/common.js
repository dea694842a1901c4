// Building blocks the experiment views share: a contour with a path on it, a line chart,
// and the {type, id, title, …} items an experiment's `views(result)` returns. Pure.

import { axis } from "../axes.js";
import { INK, LANDSCAPE, PALETTE } from "../colors.js";

// A plot's height without a legend (`.figure .plot` in networks.css), and what a legend
// adds: the legend sits under the plot, one entry a row, in room the figure grows by, so it
// never covers data (six entries drawn above the plot once covered the normalization curves).
export const PLOT_HEIGHT = 300;
export const LEGEND_ROW = 20; // px per entry (Plotly's 12 px text and its line sample)
const LEGEND_PAD = 10;
const AXIS_ROOM = 42; // px under the plot area: tick labels and the x-axis title

/** How many legend entries Plotly draws for `figure` (one per shown trace, none for one trace). */
export function legendEntries({ data, layout }) {
  if (layout.showlegend === false) return 0;
  const shown = data.filter((t) => t.showlegend !== false && t.type !== "contour").length;
  return shown > 1 || layout.showlegend === true ? shown : 0;
}

/** `figure` with its legend (if any) under the plot area and the figure taller by the legend. */
export function withLegendBelow(figure) {
  const entries = legendEntries(figure);
  if (!entries) return figure;
  const room = entries * LEGEND_ROW + LEGEND_PAD;
  const margin = { ...(figure.layout.margin ?? {}), b: AXIS_ROOM + room };
  return {
    ...figure,
    layout: {
      ...figure.layout,
      height: PLOT_HEIGHT + room,
      margin,
      // Horizontal, so that Plotly reserves room below (a vertical one pushes the side
      // margins), with each entry as wide as the figure: one a row, whatever the width.
      legend: {
        orientation: "h", entrywidth: 1, entrywidthmode: "fraction", tracegroupgap: 0,
        x: 0, xanchor: "left", y: 0, yanchor: "bottom", yref: "container",
      },
    },
  };
}

/** A plot item: `figure` is {data, layout} for Plotly.react; its legend goes below the plot. */
export const plot = (id, title, figure) => ({ type: "plot", id, title, figure: withLegendBelow(figure) });
/** A table item: `rows` are arrays of cell strings, one per column. */
export const table = (id, title, columns, rows) => ({ type: "table", id, title, columns, rows });
export const note = (text) => ({ type: "note", text });

export { axis, valueAxis } from "../axes.js";

export function baseLayout(uirevision, extra = {}) {
  return { uirevision, margin: { l: 55, r: 10, t: 10, b: AXIS_ROOM }, ...extra };
}

/** A line trace; `dash` for test curves. */
export function line(name, x, y, color, { dash = "solid", axis: yaxis = "y", mode = "lines", group } = {}) {
  return {
    type: "scatter", mode, name, x, y, yaxis, line: { color, width: 2, dash }, marker: { color, size: 7 },
    legendgroup: group ?? name, hovertemplate: `${name}: %{y:.4g} at %{x}<extra></extra>`,
  };
}

/**
 * A contour of `surface` {x, y, z} with `path` ([[a, b], …]) on top, its start hollow and
 * its end filled; `marks` are extra named points ({name, point, symbol}).
 */
export function contourWithPath({ surface, path = null, marks = [], xTitle, yTitle, uirevision, color = PALETTE[4] }) {
  const data = [{
    type: "contour", name: "loss", x: surface.x, y: surface.y, z: surface.z, colorscale: LANDSCAPE,
    reversescale: true, ncontours: 25, line: { width: 0.5, color: "rgba(0,0,0,0.25)" },
    colorbar: { thickness: 10, title: { text: "loss", side: "right" } },
    hovertemplate: "(%{x:.3g}, %{y:.3g}) loss %{z:.4g}<extra></extra>",
  }];
  if (path && path.length) {
    data.push({
      type: "scatter", mode: "lines", name: "path", x: path.map((p) => p[0]), y: path.map((p) => p[1]),
      line: { color, width: 2 }, hoverinfo: "skip",
    });
    data.push({
      type: "scatter", mode: "markers", name: "start and end",
      x: [path[0][0], path[path.length - 1][0]], y: [path[0][1], path[path.length - 1][1]],
      marker: { symbol: ["circle-open", "circle"], size: 11, color, line: { width: 2 } },
      hovertemplate: "(%{x:.3g}, %{y:.3g})<extra></extra>",
    });
  }
  for (const mark of marks) {
    data.push({
      type: "scatter", mode: "markers", name: mark.name, x: [mark.point[0]], y: [mark.point[1]],
      marker: { symbol: mark.symbol ?? "star", size: 13, color: "#F0E442", line: { color: INK, width: 1 } },
      hovertemplate: `${mark.name}<extra></extra>`,
    });
  }
  return {
    data,
    layout: baseLayout(uirevision, {
      // One unit is as long on both axes (an elongated valley looks elongated); the plot
      // area shrinks to fit rather than the axes running past the surface.
      showlegend: false, xaxis: axis(xTitle, { range: [surface.x[0], surface.x.at(-1)], constrain: "domain" }),
      yaxis: axis(yTitle, { range: [surface.y[0], surface.y.at(-1)], scaleanchor: "x", constrain: "domain" }),
    }),
  };
}
