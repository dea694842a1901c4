// Colours of the map: a light colour scale that every run colour stands out on, and the
// halo each path gets so it also stands out where the scale and the run share a tone.
// Contrast as WCAG 2 defines it (relative luminance), so `node --test` can check that
// every run and overlay is visible on every part of the scale. Pure: no DOM.

/**
 * Low loss (pale blue) to high loss (near white): light everywhere, so the Okabe–Ito run
 * colours, the black start marker and the dotted Taylor contours all read on it. The
 * contour lines, not the colours, carry the shape.
 */
export const MAP_COLORSCALE = [
  [0, "#b8d2ea"], [0.25, "#d2e4f0"], [0.5, "#e5f0e9"], [0.75, "#f5f3dc"], [1, "#fffcf2"],
];

/** The dark outline of paths whose colour is too light to stand on the scale alone. */
export const DARK_HALO = "#1d2433";
export const LIGHT_HALO = "#ffffff";

/** Warnings in text and on plots (a diverged run): ≥ 4.5:1 on white and on the scale. */
export const WARNING = "#8F3500";
/** Curvature signs of the inspector's eigenvector arrows (both ≥ 4.5:1 on the scale). */
export const NEGATIVE_CURVATURE = WARNING;
export const POSITIVE_CURVATURE = "#005A8C";

const channel = (c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);

/** WCAG relative luminance of "#rrggbb". */
export function luminance(hex) {
  const value = Number.parseInt(hex.slice(1, 7), 16);
  const [r, g, b] = [value >> 16, (value >> 8) & 255, value & 255].map((v) => channel(v / 255));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two "#rrggbb" colours, 1 to 21. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (hi + 0.05) / (lo + 0.05);
}

/** The darkest colour of the scale: the one a run colour has the least contrast with. */
const DARKEST = MAP_COLORSCALE.map(([, c]) => c).sort((a, b) => luminance(a) - luminance(b))[0];

/**
 * A path's halo: a thin white edge for colours dark enough to stand on the scale by
 * themselves (≥ 3:1 with its darkest colour), a dark outline for the rest (yellow,
 * orange, sky blue, vermillion), which then carries the contrast.
 */
export function haloFor(color) {
  return contrast(color, DARKEST) >= 3 ? LIGHT_HALO : DARK_HALO;
}
