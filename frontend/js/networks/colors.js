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
