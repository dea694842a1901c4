// The map's frame follows the surface's shape: at equal scales a domain 20 wide and 4
// high is a strip, so the frame gets only the height the strip needs (never more than
// the page's CSS gives it) instead of leaving blank bands above and below.

import { sharedAxes } from "./map.js";

const MIN_HEIGHT = 240; // px: room for the axes and a legible strip

/** The frame height (px) that fits a `grid`'s domain at equal scales in `width` px. */
export function fittedHeight(grid, width, available) {
  const { margin } = sharedAxes(grid, null);
  const [x0, x1] = [grid.x[0], grid.x.at(-1)];
  const [y0, y1] = [grid.y[0], grid.y.at(-1)];
  const plotHeight = (width - margin.l - margin.r) * Math.abs((y1 - y0) / (x1 - x0));
  return Math.round(Math.max(MIN_HEIGHT, Math.min(available, plotHeight + margin.t + margin.b)));
}

/**
 * Size `stack` (the .map-stack holding both layers) for `grid`, or back to its CSS height;
 * returns the height. The layers' layouts must then say it (Plotly.react does not
 * re-measure a container whose height changed): see `withFrameHeight`.
 */
export function fitMapFrame(stack, grid, view) {
  stack.style.height = "";
  if (!grid || view !== "contour") return stack.clientHeight;
  const available = stack.clientHeight;
  const height = fittedHeight(grid, stack.clientWidth, available);
  if (height < available) stack.style.height = `${height}px`;
  return stack.clientHeight;
}

/**
 * Call `redraw` whenever `stack` gets wider or narrower (a window resize, a phone turned),
 * so the frame is refitted and both layers are drawn at the new size, paths on the contour.
 */
export function onMapWidthChange(stack, redraw) {
  let width = null;
  new ResizeObserver(([entry]) => {
    if (entry.contentRect.width === width) return;
    width = entry.contentRect.width;
    redraw();
  }).observe(stack);
}

/** The map's layers ({background, foreground} of buildMapFigure) drawn `height` px high. */
export function withFrameHeight(figure, height) {
  for (const layer of [figure.background, figure.foreground]) if (layer) layer.layout.height = height;
  return figure;
}
