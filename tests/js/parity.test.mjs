// The JavaScript side of the Python/JS parity cases (tests/parity/cases.json); the Python
// side is tests/unit/test_parity.py, on the same file.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import { LANDSCAPE } from "../../frontend/js/networks/colors.js";
import { DARK_HALO, LIGHT_HALO, MAP_COLORSCALE, WARNING, haloFor } from "../../frontend/js/plots/colors.js";
import { ARROW_FRACTION, ARROW_OPACITY, ARROWS_NOTE, MAP_CONTOUR_LINE, SIGMA_BOX_FRACTION, SIGMA_NOTE } from "../../frontend/js/plots/map.js";
import { mapSteps } from "../../frontend/js/hyper_map.js";
import { DIVERGED_COLOUR, HYPER_MAP_COLORSCALE, LOG_DECADES_SHOWN } from "../../frontend/js/plots/hyper_map.js";
import { runLabels } from "../../frontend/js/requests.js";
import { PALETTE } from "../../frontend/js/state.js";
import { PART_COLOURS, stepAnatomy } from "../../frontend/js/step_anatomy.js";
import { sigmaBox } from "../../frontend/js/plots/map.js";

const CASES = JSON.parse(readFileSync(new URL("../parity/cases.json", import.meta.url), "utf8"));

describe("Python/JS parity", () => {
  it("labels runs as the Python side does", () => {
    assert.ok(CASES.run_labels.length >= 5);
    for (const { runs, labels } of CASES.run_labels) assert.deepEqual(runLabels(runs), labels, JSON.stringify(runs));
  });

  it("draws with the colours the notebook figures use", () => {
    const want = CASES.style;
    assert.deepEqual(PALETTE, want.palette);
    assert.deepEqual(MAP_COLORSCALE, want.map_colorscale);
    assert.deepEqual([DARK_HALO, LIGHT_HALO, WARNING], [want.dark_halo, want.light_halo, want.warning]);
    assert.equal(LANDSCAPE, want.landscape_colorscale);
    assert.deepEqual(Object.fromEntries(PALETTE.map((c) => [c, haloFor(c)])), want.halos);
    assert.deepEqual([ARROW_FRACTION, ARROW_OPACITY, ARROWS_NOTE], [want.arrow_fraction, want.arrow_opacity, want.arrows_note]);
    assert.deepEqual(MAP_CONTOUR_LINE, want.map_contour_line);
    assert.deepEqual([SIGMA_BOX_FRACTION, SIGMA_NOTE], [want.sigma_box_fraction, want.sigma_note]);
    assert.deepEqual(PART_COLOURS, want.step_part_colours);
    assert.deepEqual([DIVERGED_COLOUR, HYPER_MAP_COLORSCALE, LOG_DECADES_SHOWN], [want.diverged, want.hyper_map_colorscale, want.hyper_map_log_decades]);
  });

  it("runs a hyperparameter map for as many steps as the Python side", () => {
    assert.ok(CASES.map_steps.length >= 5);
    for (const c of CASES.map_steps) assert.equal(mapSteps(c.steps, c.cells), c.map_steps, JSON.stringify(c));
  });

  const near = (a, b) => a.every((v, i) => Math.abs(v - b[i]) <= 1e-12);

  it("takes an update apart as the Python side does", () => {
    assert.ok(CASES.step_parts.length >= 4);
    for (const c of CASES.step_parts) {
      const a = stepAnatomy(c.run, c.k, { sigma_divides: c.sigma_divides });
      assert.deepEqual(a.parts.map((p) => p.label), c.labels);
      a.parts.forEach((p, i) => assert.ok(near(p.vector, c.vectors[i]), `${p.label}: ${p.vector}`));
      if (c.other === null) assert.equal(a.other, null);
      else assert.ok(near(a.other, c.other), `other: ${a.other}`);
    }
  });

  it("draws σ's box as the Python side does", () => {
    assert.ok(CASES.sigma_box.length >= 3);
    for (const c of CASES.sigma_box) {
      const [x, y] = c.run.points[c.k];
      const box = sigmaBox(c.run, c.k, x, y, c.span);
      if (c.halves === null) assert.equal(box, null);
      else assert.ok(near([(box.x1 - box.x0) / 2, (box.y1 - box.y0) / 2], c.halves));
    }
  });
});
