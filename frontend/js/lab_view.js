// The 2-D lab's view: the map (a contour layer under a paths layer, sized to the surface's
// shape, both following the learner's zoom), its legend, and the loss and step-size charts
// with their cursor. The live lab (main.js) and the standalone page (export/surface_page.js)
// draw through this one view; what they differ in is where the data come from.

import { buildChartsFigure, cursorShapes } from "./plots/charts.js";
import { renderLegend } from "./plots/legend.js";
import { fitMapFrame, onMapWidthChange, withFrameHeight } from "./plots/map_frame.js";
import { buildMapFigure, cursorIndex, legendEntries, taylorGrid, viewSpan } from "./plots/map.js";
import { stepAnatomy } from "./step_anatomy.js";

const $ = (id) => document.getElementById(id);

/**
 * Mount the view on the page's #map, #map-bg, #map-legend, #charts and #log-loss.
 *
 * `store.derived` holds what the view draws besides the state: {grid, z (the grid as
 * displayed), results, analysis, crosshair?}; `surfaceOf(state)` the surface's entry and
 * `startOf(state)` the runs' start. Results for another set of runs than the state's are
 * never drawn. `optimizerOf(name)` is an optimizer's catalogue entry (for the step
 * anatomy). Returns {renderMap({background}), renderCharts(), renderCursor(), resetZoom(),
 * zoom(), zoomTo(ranges), anatomy()}.
 */
export function mountLabView({ store, surfaceOf, startOf, optimizerOf, status, mapConfig, chartsConfig }) {
  let ranges = null; // the learner's zoom, which both layers follow
  let fittedFor = null; // the domain, view and frame width the frame was sized for
  let frameHeight = null;
  let legendShown = ""; // the legend's entries as last drawn (rebuilt only when they change)
  // The learner's choice of a log loss axis; shown unchecked while losses ≤ 0 force a linear one.
  let logLossWanted = $("log-loss").checked;
  // The contour is redrawn only when what it shows changed, one redraw at a time:
  // overlapping Plotly.react calls on a contour can fail inside Plotly.
  let backgroundInputs = [];
  let backgroundDrawn = Promise.resolve();
  const drawBackground = (figure) => {
    const derived = store.derived;
    const inputs = [derived.z, derived.analysis, ranges?.x, ranges?.y, frameHeight];
    if (inputs.every((value, i) => value === backgroundInputs[i])) return;
    // Only the zoom changed: move the axes (a react with new ranges can fail inside
    // Plotly's contour when the view holds few grid cells).
    const zoomOnly = backgroundInputs.length > 0 && [0, 1, 4].every((i) => inputs[i] === backgroundInputs[i]);
    backgroundInputs = inputs;
    const draw = zoomOnly
      ? () => Plotly.relayout($("map-bg"), { "xaxis.range": figure.layout.xaxis.range, "yaxis.range": figure.layout.yaxis.range })
      : () => Plotly.react($("map-bg"), figure.data, figure.layout, { staticPlot: true, responsive: true });
    backgroundDrawn = backgroundDrawn
      .then(draw)
      .catch((error) => status(`Could not draw the surface: ${error.message}`));
  };
  const currentResults = () => {
    const results = store.derived.results;
    return results && results.length === store.state.runs.length ? results : null;
  };
  const inspection = () => {
    const { analysis, grid } = store.derived;
    if (!analysis || !grid) return null;
    return { analysis, taylorGrid: taylorGrid(analysis, grid), span: viewSpan(grid, ranges) };
  };

  /** The step anatomy shown: {point, anatomy, label} of the chosen run's update at the cursor. */
  const anatomy = () => {
    const index = store.state.anatomy;
    const results = currentResults();
    if (index === null || index === undefined || !results?.[index] || store.state.view !== "contour") return null;
    const result = results[index];
    const k = cursorIndex(result, store.state.step);
    const parts = stepAnatomy(result, k, optimizerOf(store.state.runs[index].optimizer));
    return parts && { point: result.points[k], anatomy: parts, label: result.label };
  };

  const renderMap = ({ background = true } = {}) => {
    const state = store.state;
    const derived = store.derived;
    const grid = derived.grid;
    if (!grid) return;
    const results = currentResults();
    const surface = surfaceOf(state);
    const figure = buildMapFigure({
      surface, grid, displayZ: derived.z, runs: results ? state.runs : [], results: results ?? [],
      step: state.step, logScale: state.logScale, view: state.view, start: startOf(state),
      inspection: inspection(), ranges, crosshair: derived.crosshair ?? null, anatomy: anatomy(),
    });
    $("map-bg").hidden = figure.background === null;
    // The frame's height follows the surface's shape (before drawing: both layers size to it).
    const stack = $("map").parentElement;
    const frameKey = `${state.view}:${grid.x[0]}:${grid.x.at(-1)}:${grid.y[0]}:${grid.y.at(-1)}:${stack.clientWidth}`;
    if (frameKey !== fittedFor) { fittedFor = frameKey; frameHeight = fitMapFrame(stack, grid, state.view); }
    withFrameHeight(figure, frameHeight);
    if (figure.background && background) drawBackground(figure.background);
    Plotly.react($("map"), figure.foreground.data, figure.foreground.layout, mapConfig);
    const entries = JSON.stringify(legendEntries(figure.foreground.data));
    if (entries !== legendShown) { legendShown = entries; renderLegend($("map-legend"), JSON.parse(entries)); }
    stack.removeAttribute("data-waiting");
    store.dispatchEvent(new Event("mapdrawn"));
  };

  let chartRows = 3; // the charts' rows as last drawn (the cursor draws a line on each)
  const renderCharts = () => {
    const state = store.state;
    const results = currentResults();
    const figure = buildChartsFigure({
      runs: results ? state.runs : [], results: results ?? [], step: state.step, steps: state.steps,
      logLoss: logLossWanted, quadratic: results ? store.derived.quadratic ?? null : null,
    });
    chartRows = figure.rows;
    const resized = $("charts").classList.contains("four-rows") !== (figure.rows === 4);
    $("charts").classList.toggle("four-rows", figure.rows === 4);
    // The checkbox says what the axis is: losses at or below zero force a linear one.
    $("log-loss").disabled = !figure.logLossPossible;
    $("log-loss").checked = logLossWanted && figure.logLossPossible;
    $("log-loss-note").hidden = figure.logLossPossible;
    const drawn = Plotly.react($("charts"), figure.data, figure.layout, chartsConfig);
    // A fourth row makes the box taller: the figure takes its new height.
    if (resized) drawn.then(() => Plotly.Plots.resize($("charts")));
  };

  // Animation frames redraw only the foreground (paths, points, arrows) and the charts'
  // cursor: redrawing the contour every frame would cost ~10× more.
  const renderCursor = () => {
    renderMap({ background: false });
    // (The charts may not be drawn yet: they follow the map by a frame.)
    if ($("charts")._fullLayout) Plotly.relayout($("charts"), { shapes: cursorShapes(store.state.step, chartRows) });
  };

  /** A new surface: forget the zoom and the contour drawn for the old one. */
  const resetZoom = () => { ranges = null; backgroundInputs = []; };

  $("log-loss").addEventListener("change", (event) => { logLossWanted = event.target.checked; renderCharts(); });
  onMapWidthChange($("map").parentElement, renderMap);
  // Pan and zoom happen on the foreground; the contour underneath follows.
  const followZoom = (event) => {
    const x = event["xaxis.range[0]"] !== undefined ? [event["xaxis.range[0]"], event["xaxis.range[1]"]] : null;
    const y = event["yaxis.range[0]"] !== undefined ? [event["yaxis.range[0]"], event["yaxis.range[1]"]] : null;
    if (event["xaxis.autorange"] || event["yaxis.autorange"]) ranges = null;
    else if (x || y) ranges = { x: x ?? ranges?.x, y: y ?? ranges?.y };
    else return;
    renderMap();
  };
  store.addEventListener("mapdrawn", () => $("map").on("plotly_relayout", followZoom), { once: true });

  /**
   * Show `view` ({x, y} ranges), or the whole map for null: as a learner's zoom does (a
   * relayout of the paths layer, which followZoom passes to the contour underneath;
   * setting the ranges and redrawing both layers at once can fail inside Plotly's contour).
   */
  const zoomTo = (view) => {
    const layout = view
      ? { "xaxis.range[0]": view.x[0], "xaxis.range[1]": view.x[1], "yaxis.range[0]": view.y[0], "yaxis.range[1]": view.y[1] }
      : { "xaxis.autorange": true, "yaxis.autorange": true };
    Plotly.relayout($("map"), layout);
  };

  return { renderMap, renderCharts, renderCursor, resetZoom, zoom: () => ranges, zoomTo, anatomy };
}
