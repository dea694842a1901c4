// Every run and overlay stands out on every part of the map's colour scale (WCAG 2
// contrast: 3:1 for graphics, 4.5:1 for the text drawn on the map).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DARK_HALO, LIGHT_HALO, MAP_COLORSCALE, NEGATIVE_CURVATURE, POSITIVE_CURVATURE, WARNING, contrast, haloFor, luminance,
} from "../../frontend/js/plots/colors.js";
import { PALETTE } from "../../frontend/js/state.js";

/** The scale's colour at `t` in [0, 1], interpolated in sRGB as Plotly does. */
function scaleAt(t) {
  const stops = MAP_COLORSCALE;
  const k = stops.findIndex(([at], i) => i > 0 && t <= at);
  const [[t0, c0], [t1, c1]] = [stops[k - 1], stops[k]];
  const f = (t - t0) / (t1 - t0);
  const rgb = (c) => [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16));
  const mixed = rgb(c0).map((v, i) => Math.round(v + f * (rgb(c1)[i] - v)));
  return `#${mixed.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}
const SAMPLES = Array.from({ length: 101 }, (_, i) => scaleAt(i / 100));

test("contrast follows WCAG 2: black on white is 21, a colour with itself 1", () => {
  assert.equal(contrast("#000000", "#ffffff"), 21);
  assert.equal(contrast("#0072B2", "#0072B2"), 1);
  assert.ok(Math.abs(contrast("#767676", "#ffffff") - 4.54) < 0.01, "the classic 4.5:1 grey");
  assert.ok(luminance("#ffffff") === 1 && luminance("#000000") === 0);
});

test("every run colour is visible on every colour of the map: by itself or by its halo", () => {
  for (const color of PALETTE) {
    const halo = haloFor(color);
    assert.ok(contrast(color, halo) >= 3, `${color} is told from its halo ${halo}`);
    for (const background of SAMPLES) {
      const visible = contrast(color, background) >= 3 || contrast(halo, background) >= 3;
      assert.ok(visible, `${color} (halo ${halo}) on ${background}`);
    }
  }
});

test("the default race's SGD blue stands on the map by itself (it vanished into the old map)", () => {
  for (const background of SAMPLES) assert.ok(contrast(PALETTE[0], background) >= 3, background);
  assert.equal(haloFor(PALETTE[0]), LIGHT_HALO);
  assert.equal(haloFor("#F0E442"), DARK_HALO, "yellow needs the dark outline");
});

test("overlays with text (eigenvector labels, warnings) have 4.5:1 on every colour of the map", () => {
  for (const color of [NEGATIVE_CURVATURE, POSITIVE_CURVATURE, WARNING, DARK_HALO]) {
    for (const background of [...SAMPLES, "#ffffff"]) {
      assert.ok(contrast(color, background) >= 4.5, `${color} on ${background}: ${contrast(color, background).toFixed(2)}`);
    }
  }
});
