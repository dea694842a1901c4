// The charts' figure builder: loss, ‖∇f‖ and η per run, the cursor, divergence notes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { PALETTE } from "../../frontend/js/state.js";
import { buildChartsFigure, cursorShapes, divergenceNotes } from "../../frontend/js/plots/charts.js";
import { makeResult, makeRuns } from "./fixtures.mjs";

function scenario({ step = 4, logLoss = true } = {}) {
  const results = [makeResult("sgd"), makeResult("momentum", { momentum: true }), makeResult("wild", { lr: 0.2, divergeAfter: 3 })];
  return { results, figure: buildChartsFigure({ runs: makeRuns(results), results, step, steps: 10, logLoss }) };
}

describe("buildChartsFigure", () => {
  it("has three series per run: loss, gradient norm and learning rate", () => {
    const { results, figure } = scenario();
    assert.equal(figure.data.length, 3 * results.length);
    results.forEach((result, i) => {
      const [loss, norm, lr] = figure.data.slice(3 * i, 3 * i + 3);
      assert.deepEqual([loss.yaxis, norm.yaxis, lr.yaxis], ["y", "y2", "y3"]);
      assert.deepEqual(loss.y, result.loss);
      assert.deepEqual(norm.y, result.grad_norm);
      assert.deepEqual(lr.y, result.learning_rate);
      assert.deepEqual(loss.x, result.loss.map((_, t) => t), "x is the step");
      for (const trace of [loss, norm, lr]) {
        assert.equal(trace.name, result.label);
        assert.equal(trace.xaxis, "x");
        assert.equal(trace.line.color, PALETTE[i]);
      }
      assert.deepEqual([loss.showlegend, norm.showlegend, lr.showlegend], [true, false, false]);
    });
  });

  it("draws the cursor at `step` on each of the three rows", () => {
    for (const step of [0, 4, 10]) {
      const { shapes } = scenario({ step }).figure.layout;
      assert.equal(shapes.length, 3);
      assert.deepEqual(shapes.map((s) => s.yref), ["y domain", "y2 domain", "y3 domain"]);
      for (const shape of shapes) {
        assert.equal(shape.type, "line");
        assert.equal(shape.x0, step);
        assert.equal(shape.x1, step);
      }
      assert.deepEqual(cursorShapes(step), shapes, "the animation's cursor update draws the same lines");
    }
  });

  it("spans the step axis and switches the loss axis to log", () => {
    assert.deepEqual(scenario().figure.layout.xaxis.range, [0, 10]);
    assert.equal(scenario({ logLoss: true }).figure.layout.yaxis.type, "log");
    assert.equal(scenario({ logLoss: false }).figure.layout.yaxis.type, "linear");
  });

  it("says which runs diverged, and at which step", () => {
    const { figure } = scenario();
    const texts = figure.layout.annotations.map((a) => a.text);
    assert.deepEqual(texts, ["wild diverged at step 3"]);
    const twice = [makeResult("a", { divergeAfter: 1 }), makeResult("b"), makeResult("c", { divergeAfter: 0 })];
    assert.deepEqual(divergenceNotes(twice), ["a diverged at step 1", "c diverged at step 0"]);
    const { layout } = buildChartsFigure({ runs: makeRuns(twice), results: twice, step: 0, steps: 10, logLoss: true });
    assert.equal(layout.annotations.length, 2);
    assert.notEqual(layout.annotations[0].y, layout.annotations[1].y, "stacked, not overlapping");
  });

  it("has no notes when nothing diverged", () => {
    const results = [makeResult("sgd")];
    assert.deepEqual(buildChartsFigure({ runs: makeRuns(results), results, step: 0, steps: 10, logLoss: false }).layout.annotations, []);
  });
});

describe("the loss axis", () => {
  it("is logarithmic when asked and every loss is positive", () => {
    const { figure } = scenario({ logLoss: true });
    assert.equal(figure.layout.yaxis.type, "log");
  });

  it("falls back to linear when a loss is zero or negative, which a log axis cannot show", () => {
    const results = [makeResult("sgd")];
    results[0].loss = results[0].loss.map((v) => v - 5);
    assert.ok(results[0].loss.some((v) => v <= 0));
    const figure = buildChartsFigure({ runs: makeRuns(results), results, step: 2, steps: 10, logLoss: true });
    assert.equal(figure.layout.yaxis.type, "linear");
  });
});

describe("the loss by eigendirection (a quadratic surface)", () => {
  // f = x² + 10y² (fixtures.mjs): λ = 2 along x, 20 along y, minimum 0 at the origin.
  const QUADRATIC = { minimum: [0, 0], value: 0, eigenvalues: [2, 20], eigenvectors: [[1, 0], [0, 1]] };
  const withParts = (result) => ({ ...result, eigen_components: result.points.map(([x, y]) => [x * x, 10 * y * y]) });

  it("adds a fourth row: one solid and one dashed line per run, each part of the loss", () => {
    const results = [makeResult("sgd"), makeResult("momentum", { momentum: true })].map(withParts);
    const figure = buildChartsFigure({ runs: makeRuns(results), results, step: 2, steps: 10, logLoss: true, quadratic: QUADRATIC });
    assert.equal(figure.rows, 4);
    const parts = figure.data.filter((t) => t.yaxis === "y4");
    assert.equal(parts.length, 2 * results.length);
    for (const [i, result] of results.entries()) {
      const [along, across] = parts.slice(2 * i, 2 * i + 2);
      assert.deepEqual([along.line.dash, across.line.dash], ["solid", "dash"]);
      assert.equal(along.line.color, PALETTE[i]);
      // the parts add up to the loss, step by step
      along.y.forEach((value, t) => assert.ok(Math.abs(value + across.y[t] - result.loss[t]) < 1e-12));
      assert.match(across.name, /λ = 20$/);
    }
    assert.equal(figure.layout.yaxis4.type, "log");
    assert.equal(figure.layout.shapes.length, 4); // the cursor on every row
    assert.ok(figure.layout.annotations.some((a) => a.text.includes("λ = 2") && a.text.includes("λ = 20")));
  });

  it("stays at three rows without a quadratic, and goes linear on a saddle's negative part", () => {
    const results = [withParts(makeResult("sgd"))];
    assert.equal(buildChartsFigure({ runs: makeRuns(results), results, step: 0, steps: 10, logLoss: true }).rows, 3);
    const saddle = [{ ...results[0], eigen_components: results[0].eigen_components.map(([a, b]) => [-a, b]) }];
    const figure = buildChartsFigure({ runs: makeRuns(saddle), results: saddle, step: 0, steps: 10, logLoss: true, quadratic: { ...QUADRATIC, eigenvalues: [-2, 20] } });
    assert.equal(figure.layout.yaxis4.type, "linear");
    assert.equal(cursorShapes(3, 4).length, 4);
  });
});
