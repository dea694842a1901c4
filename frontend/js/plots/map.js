// The surface map: contour (or 3-D surface) with every run's path up to the cursor, its
// current point, and arrows for the gradient and momentum there. Pure figure builders:
// `buildMapFigure` returns {data, layout} for Plotly.react and touches no DOM.
//
// Angles on the map are true: the contour map is drawn with equal scales (one unit of x
// is as long on screen as one unit of y; the plot area shrinks to fit), so orthogonal
// eigenvectors look orthogonal and −∇f crosses the contours at a right angle.

import { plotlyText } from "../plotly_text.js";
import { PALETTE } from "../state.js";
import { PART_COLOURS } from "../step_anatomy.js";
import { MAP_COLORSCALE, NEGATIVE_CURVATURE, POSITIVE_CURVATURE, haloFor } from "./colors.js";

// Arrows show a direction only: every one is this share of the view's shorter side (the
// momentum arrow 0.7 of it), whatever the gradient's size, and the legend says so.
export const ARROW_FRACTION = 0.08;
export const ARROWS_NOTE = "arrows: direction only, length not to scale";
export const ARROW_OPACITY = 0.75;
// σ as a shape: at each run's point, a dashed box whose sides are in the ratio of the
// per-coordinate step scales η/σᵢ (θᵢ ← θᵢ − (η/σᵢ)mᵢ), its longer side this share of the
// view: the shape is to scale, the size is not (the legend says so; the numbers are in
// the box's hover and the run's card).
export const SIGMA_BOX_FRACTION = 0.3;
export const SIGMA_NOTE = "dashed box: η/σᵢ per coordinate, shape to scale, size not";
const SIGMA_FILL_ALPHA = 0.15; // the outline stays opaque: a very flat box is still a dashed line

/** "#RRGGBB" as rgba() with `alpha`. */
export function translucent(hex, alpha) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${r},${g},${b},${alpha})`;
}

/** The contour lines of the map: thin and translucent, so the paths stay in front. */
export const MAP_CONTOUR_LINE = { width: 0.6, color: "rgba(29,36,51,0.35)" };

/**
 * How heights are drawn: as they are, or (log scale) as log10 of the height above the
 * grid's minimum, so a valley floor like Rosenbrock's shows its shape.
 */
export function heightScale(z, logScale) {
  if (!logScale) return (v) => v;
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of z) for (const v of row) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const floor = Math.max((hi - lo) * 1e-7, 1e-12);
  return (v) => (v === null ? null : Math.log10(Math.max(v - lo, 0) + floor));
}

/** The grid's values as drawn. */
export function displayZ(z, logScale) {
  const scale = heightScale(z, logScale);
  return z.map((row) => row.map(scale));
}

function unit(vx, vy) {
  const norm = Math.hypot(vx, vy);
  return norm > 0 && Number.isFinite(norm) ? [vx / norm, vy / norm] : null;
}

/** An arrow from (x, y) along direction d, `length` long, as a Plotly annotation. */
export function arrow(x, y, d, length, color, text = "") {
  const u = unit(d[0], d[1]);
  if (!u) return null;
  return {
    x: x + u[0] * length, y: y + u[1] * length, ax: x, ay: y,
    xref: "x", yref: "y", axref: "x", ayref: "y",
    showarrow: true, arrowhead: 2, arrowsize: 1, arrowwidth: 2, arrowcolor: color,
    text, font: { size: 11, color }, standoff: 0,
  };
}

/**
 * An arrow as a scatter trace (a segment with an arrowhead marker), so the animation can
 * move it without redrawing the whole plot; empty when the direction is zero.
 */
export function arrowTrace(x, y, d, length, color, name) {
  const u = d && unit(d[0], d[1]);
  const tip = u ? [x + u[0] * length, y + u[1] * length] : null;
  // Thinner than a path, dotted, translucent and with a head: never mistaken for a run.
  return {
    type: "scatter", mode: "lines+markers", name, showlegend: false, hoverinfo: "skip",
    x: tip ? [x, tip[0]] : [], y: tip ? [y, tip[1]] : [], opacity: ARROW_OPACITY,
    line: { color, width: 1.5, dash: "dot" }, marker: { symbol: "arrow", angleref: "previous", size: [0, 10], color },
  };
}

/** The shorter side of the view (the zoom, else the grid): what arrow lengths are a share of. */
export function viewSpan(grid, ranges) {
  const x = ranges?.x ?? [grid.x[0], grid.x.at(-1)];
  const y = ranges?.y ?? [grid.y[0], grid.y.at(-1)];
  return Math.min(Math.abs(x[1] - x[0]), Math.abs(y[1] - y[0]));
}

/**
 * The σ box of a run at cursor row `k`: {x0, x1, y0, y1, scales} around (x, y), or null
 * where the optimizer reports no σ or no update has happened yet. `scales` are the
 * per-coordinate η/σᵢ of the update that led here.
 */
export function sigmaBox(result, k, x, y, span) {
  const sigmas = result.state?.sigma;
  if (!sigmas?.length || k < 1) return null;
  const sigma = sigmas[Math.min(k, sigmas.length) - 1];
  const rate = result.learning_rate[Math.min(k, result.learning_rate.length) - 1];
  const scales = sigma.map((s) => rate / s);
  const longest = Math.max(...scales.map(Math.abs));
  if (!(longest > 0) || !scales.every(Number.isFinite)) return null;
  const [hx, hy] = scales.map((v) => (Math.abs(v) / longest) * SIGMA_BOX_FRACTION * span / 2);
  return { x0: x - hx, x1: x + hx, y0: y - hy, y1: y + hy, scales };
}

/** Row index of a run's record at the cursor (a diverged run stops at its last point). */
export function cursorIndex(result, step) {
  return Math.max(0, Math.min(step, result.points.length - 1));
}

/** The σ boxes (layout shapes) of every run that reports σ, at the cursor. */
export function sigmaShapes(runs, results, step, span) {
  return results.flatMap((result, i) => {
    const k = cursorIndex(result, step);
    const [x, y] = result.points[k];
    const box = sigmaBox(result, k, x, y, span);
    if (!box) return [];
    const color = PALETTE[runs[i].color % PALETTE.length];
    return [{
      type: "rect", xref: "x", yref: "y", x0: box.x0, x1: box.x1, y0: box.y0, y1: box.y1,
      line: { color, width: 1.5, dash: "dash" }, fillcolor: translucent(color, SIGMA_FILL_ALPHA), layer: "above",
    }];
  });
}

/** The traces that move with the cursor: per run its halo, path, point and two arrows. */
export function runTraces(runs, results, step, span) {
  return results.flatMap((result, i) => {
    const color = PALETTE[runs[i].color % PALETTE.length];
    const k = cursorIndex(result, step);
    const shown = result.points.slice(0, k + 1);
    const [x, y] = shown[shown.length - 1];
    const g = result.gradient[k];
    const momenta = result.state.momentum;
    const m = momenta && k > 0 ? momenta[Math.min(k, momenta.length) - 1] : null;
    const label = plotlyText(result.label);
    const halo = haloFor(color);
    const xs = shown.map((p) => p[0]);
    const ys = shown.map((p) => p[1]);
    return [
      {
        type: "scatter", mode: "lines", meta: "halo", name: `${label} outline`, showlegend: false,
        x: xs, y: ys, line: { color: halo, width: 5 }, hoverinfo: "skip",
      },
      {
        type: "scatter", mode: "lines", name: label, legendgroup: result.label,
        x: xs, y: ys, line: { color, width: 2.5 }, hoverinfo: "skip",
      },
      {
        type: "scatter", mode: "markers", name: label, legendgroup: result.label,
        showlegend: false, x: [x], y: [y],
        marker: { color, size: 11, line: { color: halo, width: 1.5 } },
        hovertemplate: `${label}, step ${k}<br>(%{x:.4g}, %{y:.4g})<extra></extra>`,
      },
      arrowTrace(x, y, g && [-g[0], -g[1]], ARROW_FRACTION * span, color, `${label} −∇f`),
      arrowTrace(x, y, m && [-m[0], -m[1]], ARROW_FRACTION * span * 0.7, color, `${label} momentum`),
    ];
  });
}

/**
 * The step anatomy at true scale: one solid arrow per part from the run's point, and the
 * step actually taken, each labelled ({point, anatomy} from step_anatomy.js).
 */
export function anatomyAnnotations(shown) {
  if (!shown) return [];
  const [x, y] = shown.point;
  const { anatomy } = shown;
  // Where the summary is the whole step, its last part is the step: one arrow, both names.
  const parts = anatomy.other === null
    ? anatomy.parts.map((p, i, all) => (i === all.length - 1 ? { ...p, label: `${p.label} = step` } : p))
    : [...anatomy.parts, { key: "step", label: "step", vector: anatomy.step }];
  return parts
    .map((part) => {
      const a = arrow(x, y, part.vector, Math.hypot(...part.vector), PART_COLOURS[part.key], part.label);
      return a && { ...a, arrowwidth: part.key === "step" ? 2.5 : 1.8, xanchor: "left", yanchor: "bottom", name: part.key };
    })
    .filter(Boolean);
}

function inspectorTraces(inspection) {
  if (!inspection) return { background: [], foreground: [], annotations: [] };
  const { analysis, taylorGrid, span } = inspection;
  const [px, py] = analysis.point;
  const foreground = [{
    type: "scatter", mode: "markers", name: "inspected point", showlegend: false,
    x: [px], y: [py], marker: { symbol: "x-thin", size: 14, line: { width: 3, color: "#111" } },
    hoverinfo: "skip",
  }];
  const background = [];
  if (taylorGrid) {
    background.push({
      type: "contour", name: "Taylor model", showscale: false, hoverinfo: "skip",
      x: taylorGrid.x, y: taylorGrid.y, z: taylorGrid.z, ncontours: 14,
      contours: { coloring: "none" }, line: { color: "#111", width: 1.2, dash: "dot" },
    });
  }
  const biggest = Math.max(...analysis.eigenvalues.map((l) => Math.abs(l ?? 0)), 1e-300);
  const annotations = analysis.eigenvectors.map((v, j) => {
    const lambda = analysis.eigenvalues[j];
    const length = 0.12 * span * Math.max(0.15, Math.abs(lambda ?? 0) / biggest);
    return arrow(px, py, v, length, lambda < 0 ? NEGATIVE_CURVATURE : POSITIVE_CURVATURE, `λ=${Number(lambda).toPrecision(3)}`);
  });
  return { background, foreground, annotations: annotations.filter(Boolean) };
}

/**
 * A 3-D arrow from the run's point on the surface, along `d` in the (x, y) plane, `length`
 * long there and rising or falling as the tangent plane does (f + ∇f·Δ, drawn in the
 * map's height scale): a shaft and a cone for its head. Empty when `d` is zero.
 */
export function arrow3d(point, value, gradient, d, length, scale, color, name, zRange = [-Infinity, Infinity]) {
  const u = d && unit(d[0], d[1]);
  if (!u) return [];
  const [dx, dy] = [u[0] * length, u[1] * length];
  // Within the drawn surface's heights: a steep tangent must not stretch the z axis.
  const rise = scale(value + gradient[0] * dx + gradient[1] * dy);
  const tip = [point[0] + dx, point[1] + dy, Math.min(Math.max(rise, zRange[0]), zRange[1])];
  const base = [point[0], point[1], scale(value)];
  return [
    {
      type: "scatter3d", mode: "lines", name, showlegend: false, hoverinfo: "skip", meta: "arrow",
      x: [base[0], tip[0]], y: [base[1], tip[1]], z: [base[2], tip[2]], line: { color, width: 4 },
    },
    {
      type: "cone", name: `${name} head`, showlegend: false, showscale: false, hoverinfo: "skip",
      x: [tip[0]], y: [tip[1]], z: [tip[2]], u: [tip[0] - base[0]], v: [tip[1] - base[1]], w: [tip[2] - base[2]],
      anchor: "tip", sizemode: "absolute", sizeref: 0.35 * length, colorscale: [[0, color], [1, color]],
    },
  ];
}

function surface3d(o, z, scale) {
  const { surface, grid, runs, results, step, logScale } = o;
  const span = viewSpan(grid, null);
  const heights = z.flat().filter((v) => v !== null && Number.isFinite(v));
  const zRange = [Math.min(...heights), Math.max(...heights)];
  const paths = results.flatMap((result, i) => {
    const k = cursorIndex(result, step);
    const shown = result.points.slice(0, k + 1);
    const color = PALETTE[runs[i].color % PALETTE.length];
    const label = plotlyText(result.label);
    const line = { x: shown.map((p) => p[0]), y: shown.map((p) => p[1]), z: result.loss.slice(0, shown.length).map(scale) };
    const point = shown[shown.length - 1];
    const g = result.gradient[k];
    const momenta = result.state.momentum;
    const m = momenta && k > 0 ? momenta[Math.min(k, momenta.length) - 1] : null;
    return [
      // The halo, as on the contour map: a wider line in the run's contrasting edge colour.
      { type: "scatter3d", mode: "lines", meta: "halo", name: `${label} outline`, showlegend: false, hoverinfo: "skip", ...line, line: { color: haloFor(color), width: 9 } },
      { type: "scatter3d", mode: "lines+markers", name: label, ...line, line: { color, width: 5 }, marker: { size: 1.5, color } },
      // The run's current point as a ball on the surface, with −∇f and the momentum.
      {
        type: "scatter3d", mode: "markers", meta: "ball", name: `${label} now`, showlegend: false,
        x: [point[0]], y: [point[1]], z: [scale(result.loss[k])],
        marker: { size: 8, color, line: { color: haloFor(color), width: 2 } },
        hovertemplate: `${label}, step ${k}<br>(%{x:.4g}, %{y:.4g})<extra></extra>`,
      },
      ...arrow3d(point, result.loss[k], g, g && [-g[0], -g[1]], ARROW_FRACTION * span, scale, color, `${label} −∇f`, zRange),
      ...arrow3d(point, result.loss[k], g, m && [-m[0], -m[1]], 0.7 * ARROW_FRACTION * span, scale, color, `${label} momentum`, zRange),
    ];
  });
  return {
    data: [
      { type: "surface", x: grid.x, y: grid.y, z, colorscale: MAP_COLORSCALE, showscale: false, opacity: 0.95 },
      ...paths,
    ],
    layout: {
      // The legend is the HTML one under the map (legendEntries): none inside the plot.
      uirevision: `${surface.id}:3d`, margin: { l: 0, r: 0, t: 0, b: 0 }, showlegend: false,
      scene: {
        xaxis: { title: { text: "x" } }, yaxis: { title: { text: "y" } },
        zaxis: { title: { text: logScale ? "log₁₀(f − min)" : "f" } },
      },
    },
  };
}

/**
 * Axes both layers share, so the paths sit exactly on the contour underneath: equal
 * scales (y anchored to x at ratio 1), the plot area shrinking to fit ("domain") so the
 * chosen ranges stay as they are. Both layers have the same size, hence the same frame.
 */
export function sharedAxes(grid, ranges) {
  return {
    margin: { l: 45, r: 10, t: 10, b: 40 },
    xaxis: {
      range: ranges?.x ?? [grid.x[0], grid.x[grid.x.length - 1]], title: { text: "x" },
      automargin: false, showgrid: false, zeroline: false, constrain: "domain",
    },
    yaxis: {
      range: ranges?.y ?? [grid.y[0], grid.y[grid.y.length - 1]], title: { text: "y" },
      automargin: false, showgrid: false, zeroline: false, scaleanchor: "x", scaleratio: 1, constrain: "domain",
    },
  };
}

/**
 * The map as two stacked plots: a `background` with the contour (and the inspector's
 * Taylor model), redrawn only when the surface or the inspection changes, and a
 * transparent `foreground` with everything that moves (paths, points, arrows), cheap to
 * redraw at every animation frame. In the 3-D view there is only a foreground.
 * @param {object} o surface (catalogue entry), grid ({x, y, z}), runs (state.runs),
 *   results (API runs, same order), step, logScale, view, start [x, y], inspection,
 *   ranges ({x, y} of the current zoom, optional).
 */
export function buildMapFigure(o) {
  const { surface, grid, runs, results, step, logScale, view, start } = o;
  const z = o.displayZ ?? displayZ(grid.z, logScale);
  if (view === "surface3d") return { background: null, foreground: surface3d(o, z, heightScale(grid.z, logScale)) };
  const inspector = inspectorTraces(o.inspection);
  const axes = sharedAxes(grid, o.ranges);
  const background = {
    data: [
      {
        type: "contour", name: surface.name, x: grid.x, y: grid.y, z, showscale: false,
        colorscale: MAP_COLORSCALE, ncontours: 30, line: MAP_CONTOUR_LINE,
        hoverinfo: "skip",
      },
      ...inspector.background,
    ],
    layout: {
      ...axes, uirevision: surface.id, showlegend: false,
      xaxis: { ...axes.xaxis, visible: false }, yaxis: { ...axes.yaxis, visible: false },
    },
  };
  const minima = {
    type: "scatter", mode: "markers", name: "known minima", x: surface.minima.map((m) => m.x),
    y: surface.minima.map((m) => m.y), marker: { symbol: "star", size: 13, color: "#F0E442", line: { color: "#333", width: 1 } },
    hovertemplate: "minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
  };
  const startMarker = {
    type: "scatter", mode: "markers", name: "start", x: [start[0]], y: [start[1]],
    marker: { symbol: "circle-open", size: 14, color: "#111", line: { width: 2 } }, hoverinfo: "skip",
  };
  const moving = runTraces(runs, results, step, viewSpan(grid, o.ranges));
  const crosshair = o.crosshair ? [{
    type: "scatter", mode: "markers", name: "keyboard crosshair", showlegend: false, x: [o.crosshair[0]], y: [o.crosshair[1]],
    marker: { symbol: "cross-thin-open", size: 22, color: "#1d2433", line: { width: 2, color: "#1d2433" } }, hoverinfo: "skip",
  }] : [];
  const boxes = sigmaShapes(runs, results, step, viewSpan(grid, o.ranges));
  const boxKey = boxes.length ? [{
    type: "scatter", mode: "markers", name: SIGMA_NOTE, meta: "key", x: [], y: [],
    marker: { symbol: "square-open", size: 10, color: "#5b6475" }, hoverinfo: "skip",
  }] : [];
  const foreground = {
    data: [minima, startMarker, ...inspector.foreground, ...moving, ...arrowsKey(moving), ...boxKey, ...crosshair],
    layout: {
      // No legend inside the plot, where it would hide data: the page draws legendEntries
      // under the map, and a downloaded image puts it below the plot (downloads.js).
      ...axes, uirevision: surface.id, showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      annotations: [...inspector.annotations, ...anatomyAnnotations(o.anatomy ?? null)],
      shapes: boxes, dragmode: "pan", hovermode: "closest",
    },
  };
  return { background, foreground };
}

/** A legend-only entry saying what the arrows are, when any arrow is drawn. */
function arrowsKey(traces) {
  const drawn = traces.some((t) => t.mode === "lines+markers" && t.x.length === 2);
  if (!drawn) return [];
  return [{
    type: "scatter", mode: "lines+markers", name: ARROWS_NOTE, meta: "key", x: [], y: [],
    line: { color: "#5b6475", width: 1.5, dash: "dot" }, marker: { symbol: "arrow", size: 10, color: "#5b6475" },
    hoverinfo: "skip", opacity: ARROW_OPACITY,
  }];
}

/**
 * What the map's legend lists, read from its traces: [{name, color, kind, symbol}] with
 * kind "line" (a run), "arrow" or "marker"; traces with showlegend false are left out.
 */
export function legendEntries(data) {
  return data
    .filter((t) => t.showlegend !== false && t.name && (t.type === "scatter" || t.type === "scatter3d"))
    .map((t) => {
      if (t.mode === "lines+markers" && t.type === "scatter") return { name: t.name, color: t.line.color, kind: "arrow" };
      if (t.mode.startsWith("lines")) return { name: t.name, color: t.line.color, kind: "line" };
      const marker = t.marker ?? {};
      return { name: t.name, color: marker.color ?? marker.line?.color ?? "#111", kind: "marker", symbol: marker.symbol ?? "circle" };
    });
}

/** The Taylor quadratic on a window around the inspected point, for drawing its contours. */
export function taylorGrid(analysis, grid, fraction = 0.3, resolution = 41) {
  const [px, py] = analysis.point;
  const wx = (grid.x[grid.x.length - 1] - grid.x[0]) * fraction / 2;
  const wy = (grid.y[grid.y.length - 1] - grid.y[0]) * fraction / 2;
  const xs = Array.from({ length: resolution }, (_, i) => px - wx + (2 * wx * i) / (resolution - 1));
  const ys = Array.from({ length: resolution }, (_, j) => py - wy + (2 * wy * j) / (resolution - 1));
  const [c0, cx, cy, cxx, cxy, cyy] = analysis.taylor.polynomial;
  const z = ys.map((y) => xs.map((x) => c0 + cx * x + cy * y + cxx * x * x + cxy * x * y + cyy * y * y));
  return { x: xs, y: ys, z };
}
