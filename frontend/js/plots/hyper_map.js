// The hyperparameter map: a heatmap of one metric over two hyperparameters, diverged
// cells in one flat grey, the current run's cell marked. Pure figure builder.
//
// A log axis is drawn in log₁₀ units with power-of-ten tick labels: Plotly sizes a
// heatmap's bricks in the axis's linear units, so cells spaced evenly in log would be
// drawn uneven on a log axis.

import { plotlyText } from "../plotly_text.js";

export const DIVERGED_COLOUR = "#7f7f7f";
export const HYPER_MAP_COLORSCALE = "Viridis"; // low (good: a small loss, few steps) dark
// A log colour scale spans at most this many decades below the largest loss: converged
// runs reach 10⁻³⁰⁰, and a scale that long would paint every other cell one colour.
export const LOG_DECADES_SHOWN = 12;
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const power = (k) => `10${String(k).split("").map((c) => SUPERSCRIPT[c]).join("")}`;

/** Where a value sits on an axis of `scale` (log₁₀ on a log axis). */
export const axisCoordinate = (value, scale) => (scale === "log" ? Math.log10(value) : value);

/** Plotly axis settings for values on `scale`. */
export function axisLayout(values, scale, title) {
  const axis = { title: { text: plotlyText(title), standoff: 4 }, automargin: true };
  if (scale !== "log") return axis;
  const [lo, hi] = [Math.log10(values[0]), Math.log10(values.at(-1))];
  const ticks = [];
  const step = Math.max(1, Math.ceil((Math.floor(hi) - Math.ceil(lo)) / 6));
  for (let k = Math.ceil(lo); k <= Math.floor(hi); k += step) ticks.push(k);
  if (ticks.length >= 2) return { ...axis, tickvals: ticks, ticktext: ticks.map(power) };
  // Less than a decade or so: the ends and the middle, as numbers.
  const within = [lo, (lo + hi) / 2, hi];
  return { ...axis, tickvals: within, ticktext: within.map((k) => String(Number((10 ** k).toPrecision(2)))) };
}

/**
 * The values the colours show: log₁₀ of a loss when every loss is positive, with the
 * colour range (`zmin`, `zmax`) cut at LOG_DECADES_SHOWN below the largest (`clipped`:
 * some cells lie below it and take its colour).
 */
export function colourValues(map) {
  const losses = map.metric === "final_loss" || map.metric === "mean_loss";
  const finite = map.z.flat().filter((v) => v !== null);
  const log = losses && finite.length > 0 && finite.every((v) => v > 0);
  if (!log) return { log, z: map.z, zmin: null, zmax: null, clipped: false };
  const z = map.z.map((row) => row.map((v) => (v === null ? null : Math.log10(v))));
  const values = z.flat().filter((v) => v !== null);
  const zmax = Math.max(...values);
  const lowest = Math.min(...values);
  const zmin = Math.max(lowest, zmax - LOG_DECADES_SHOWN);
  return { log, z, zmin, zmax, clipped: lowest < zmin };
}

const METRIC_TITLES = {
  final_loss: "final loss",
  mean_loss: "mean loss",
  steps_to_tolerance: "steps to tolerance",
  diverged: "diverged",
};

/** What the picture shows, said above it (not in the plot, where a phone's modebar sits). */
export function mapCaption(map, label, colours = colourValues(map)) {
  const below = colours.clipped ? ` (the darkest: ${power(Math.round(colours.zmin))} or less)` : "";
  return `${METRIC_TITLES[map.metric]} after ${map.steps} steps${below} · grey: diverged · ○ ${label}`;
}

/** One line a screen reader (and the status line) can say about the map. */
export function mapSummary(map) {
  const cells = map.diverged.flat();
  const diverged = cells.filter(Boolean).length;
  return `${METRIC_TITLES[map.metric]} over ${map.x_param} × ${map.y_param}, ${map.x.length} × ${map.y.length} runs of ${map.steps} steps: ${diverged} of ${cells.length} diverged`;
}

/**
 * @param map the API's answer (POST /api/maps)
 * @param scales {x, y}: "log" | "linear", as the request's axes
 * @param marker {x, y, label} the current run's values, or null
 */
export function buildMapFigure({ map, scales, marker }) {
  const xs = map.x.map((v) => axisCoordinate(v, scales.x));
  const ys = map.y.map((v) => axisCoordinate(v, scales.y));
  const colours = colourValues(map);
  const title = METRIC_TITLES[map.metric];
  const hover = `${plotlyText(map.x_param)} %{customdata[0]:.3g}, ${plotlyText(map.y_param)} %{customdata[1]:.3g}`;
  const customdata = map.y.map((y) => map.x.map((x) => [x, y]));
  const data = [];
  if (map.metric !== "diverged") {
    data.push({
      type: "heatmap", name: title, x: xs, y: ys, z: colours.z, customdata,
      colorscale: HYPER_MAP_COLORSCALE,
      ...(colours.log ? { zmin: colours.zmin, zmax: colours.zmax } : {}),
      hoverongaps: false, zsmooth: false,
      colorbar: { title: { text: colours.log ? `log₁₀ ${title}` : title, side: "right" }, thickness: 12, len: 0.9 },
      hovertemplate: `${hover}<br>${title} ${colours.log ? "10^%{z:.2f}" : "%{z:.4g}"}<extra></extra>`,
    });
  }
  // Diverged cells on top, one flat colour that no colour scale above reaches.
  data.push({
    type: "heatmap", name: "diverged", x: xs, y: ys, customdata,
    z: map.diverged.map((row) => row.map((d) => (d ? 1 : null))),
    colorscale: [[0, DIVERGED_COLOUR], [1, DIVERGED_COLOUR]], showscale: false, hoverongaps: false,
    hovertemplate: `${hover}<br>diverged<extra></extra>`,
  });
  if (marker) {
    data.push({
      type: "scatter", mode: "markers", name: plotlyText(marker.label), showlegend: false,
      x: [axisCoordinate(marker.x, scales.x)], y: [axisCoordinate(marker.y, scales.y)],
      marker: { symbol: "circle-open", size: 16, color: "white", line: { color: "white", width: 3 } },
      hovertemplate: `${plotlyText(marker.label)}: ${plotlyText(map.x_param)} ${marker.x.toPrecision(3)}, ${plotlyText(map.y_param)} ${marker.y.toPrecision(3)}<extra></extra>`,
    }, {
      type: "scatter", mode: "markers", showlegend: false, hoverinfo: "skip",
      x: [axisCoordinate(marker.x, scales.x)], y: [axisCoordinate(marker.y, scales.y)],
      marker: { symbol: "circle-open", size: 16, color: "black", line: { color: "black", width: 1.2 } },
    });
  }
  return {
    data,
    layout: {
      margin: { l: 60, r: 10, t: 24, b: 44 },
      xaxis: axisLayout(map.x, scales.x, map.x_param),
      yaxis: axisLayout(map.y, scales.y, map.y_param),
      hovermode: "closest",
    },
  };
}
