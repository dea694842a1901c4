import { test } from "node:test";
import assert from "node:assert/strict";
import { anatomyRows, anatomyView, stepAnatomy } from "../../frontend/js/step_anatomy.js";
import { anatomyAnnotations } from "../../frontend/js/plots/map.js";
import { grad, makeResult } from "./fixtures.mjs";

const close = (a, b) => a.every((v, i) => Math.abs(v - b[i]) <= 1e-12 * Math.max(1, Math.abs(b[i])));
const MOMENTUM = { name: "momentum", sigma_divides: "momentum" };

test("heavy ball: −η∇f, then −η·m, which is the whole step", () => {
  const result = makeResult("momentum", { momentum: true, lr: 0.02 });
  const a = stepAnatomy(result, 3, MOMENTUM);
  const [x, y] = result.points[3];
  assert.deepEqual(a.parts.map((p) => p.label), ["−η∇f", "−η·m"]);
  assert.ok(close(a.parts[0].vector, grad(x, y).map((g) => -0.02 * g)));
  assert.ok(close(a.parts[1].vector, result.state.momentum[3].map((m) => -0.02 * m)));
  assert.ok(close(a.step, a.parts[1].vector));
  assert.equal(a.other, null);
  assert.equal(stepAnatomy(result, result.points.length - 1, MOMENTUM), null); // no update after the last point
});

// A synthetic Adam-like update: σ = (2, 8), m̂ given, the step exactly −(η/σ)·m̂.
const adamLike = (extra = [0, 0]) => ({
  points: [[1, 1], [1 - 0.1 * 0.5 / 2 + extra[0], 1 - 0.1 * 4 / 8 + extra[1]]],
  gradient: [[3, 9]], learning_rate: [0.1],
  state: { momentum: [[0.5, 4]], sigma: [[2, 8]] },
});

test("Adam's kind: σ divides m; a step that does more than the summary says how much more", () => {
  const a = stepAnatomy(adamLike(), 0, { sigma_divides: "momentum" });
  assert.deepEqual(a.parts.map((p) => p.label), ["−η∇f", "−η·m", "−(η/σ)·m"]);
  assert.ok(close(a.parts[2].vector, [-0.025, -0.05]));
  assert.equal(a.other, null);
  const decayed = stepAnatomy(adamLike([-0.001, 0.002]), 0, { sigma_divides: "momentum" });
  assert.ok(close(decayed.other, [-0.001, 0.002]));
  assert.ok(anatomyRows(decayed).some(([name]) => name === "the rest of the step"));
});

test("RMSProp's kind: σ divides ∇f, and its trace of steps is not taken for m", () => {
  const rms = { ...adamLike(), points: [[1, 1], [1 - 0.1 * 3 / 2, 1 - 0.1 * 9 / 8]] };
  const a = stepAnatomy(rms, 0, { sigma_divides: "gradient" });
  assert.deepEqual(a.parts.map((p) => p.label), ["−η∇f", "−(η/σ)·∇f"]);
  assert.equal(a.momentum, null);
  assert.equal(a.other, null);
  assert.deepEqual(anatomyRows(a)[0], ["η", "0.1"]);
});

test("on the map: a labelled arrow per part and the step, at true length; a view of the frame's shape around them", () => {
  const result = makeResult("momentum", { momentum: true, lr: 0.02 });
  const a = stepAnatomy(result, 2, MOMENTUM);
  const point = result.points[2];
  const arrows = anatomyAnnotations({ point, anatomy: a });
  assert.deepEqual(arrows.map((x) => x.text), ["−η∇f", "−η·m = step"]); // the summary is the whole step
  const step = arrows[1];
  assert.ok(close([step.x - step.ax, step.y - step.ay], a.step)); // true scale, not a direction
  const more = stepAnatomy(adamLike([-0.001, 0.002]), 0, { sigma_divides: "momentum" });
  assert.deepEqual(anatomyAnnotations({ point: [1, 1], anatomy: more }).map((x) => x.text), ["−η∇f", "−η·m", "−(η/σ)·m", "step"]);
  const box = anatomyView(point, a, 5);
  assert.ok(Math.abs((box.x[1] - box.x[0]) / (box.y[1] - box.y[0]) - 5) < 1e-9); // the frame's shape
  assert.ok(box.x[0] < point[0] && point[0] < box.x[1] && box.y[0] < point[1] && point[1] < box.y[1]);
  assert.deepEqual(anatomyAnnotations(null), []);
});
