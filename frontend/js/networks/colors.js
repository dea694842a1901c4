// The page's colours: the lab's Okabe–Ito palette for classes and series, and blends of
// it with white for the decision regions. Pure.

import { PALETTE } from "../state.js";

export { PALETTE };
export const INK = "#1d2433";
export const SEQUENTIAL = "Viridis"; // regression targets and outputs
export const LANDSCAPE = "YlGnBu"; // as the surface lab's contours (reversed)

export const classColor = (k) => PALETTE[k % PALETTE.length];
export const seriesColor = classColor;

/** `hex` blended toward white: 0 keeps the colour, 1 is white. As "rgb(r, g, b)". */
export function tint(hex, towardWhite) {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const mixed = channels.map((c) => Math.round(c + (255 - c) * towardWhite));
  return `rgb(${mixed.join(", ")})`;
}

// The network diagram's one diverging scale, as TensorFlow Playground's: blue for positive
// values and weights, orange for negative, white at zero.
export const POSITIVE = PALETTE[0];
export const NEGATIVE = PALETTE[1];

/** [r, g, b] (0–255) for `t` in [−1, 1] on the diverging scale (clamped). */
export function divergingRgb(t) {
  const clamped = Math.min(Math.max(Number.isFinite(t) ? t : 0, -1), 1);
  const hex = clamped >= 0 ? POSITIVE : NEGATIVE;
  const strength = Math.abs(clamped);
  return [1, 3, 5].map((i) => Math.round(255 + (parseInt(hex.slice(i, i + 2), 16) - 255) * strength));
}
