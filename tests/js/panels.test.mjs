// The pure exports of the panels; importing them must not need a DOM (node has no `document`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fmt, taylorAt } from "../../frontend/js/panels/inspector.js";
import { formatNumber, summaryText } from "../../frontend/js/panels/runs.js";
import { applyBestRates, sweepMessage } from "../../frontend/js/panels/sweep.js";
import { newtonStep } from "../../frontend/js/panels/inspector.js";
import { playbackAnnouncement } from "../../frontend/js/panels/playback.js";
import { nextIndex } from "../../frontend/js/modebar_keys.js";
import { makeRun } from "../../frontend/js/state.js";

function deepFreeze(value) {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

test("the panels import without a DOM", () => {
  assert.equal(typeof globalThis.document, "undefined");
});

// ---- inspector ----

test("fmt: 4 significant digits, exponent for tiny and huge, − for negatives, — for no number", () => {
  assert.equal(fmt(0), "0");
  assert.equal(fmt(1), "1");
  assert.equal(fmt(0.84), "0.84");
  assert.equal(fmt(1 / 3), "0.3333");
  assert.equal(fmt(2 / 3), "0.6667");
  assert.equal(fmt(12345.678), "12350");
  assert.equal(fmt(-2), "−2");
  assert.equal(fmt(-0.5), "−0.5");
  assert.equal(fmt(123456), "1.235e+5");
  assert.equal(fmt(0.0001234), "1.234e−4");
  assert.equal(fmt(0.001), "0.001");
  assert.equal(fmt(null), "—");
  assert.equal(fmt(undefined), "—");
  assert.equal(fmt(NaN), "—");
  assert.equal(fmt(Infinity), "—");
  assert.equal(fmt("1"), "—");
});

test("fmt never shows an ASCII hyphen-minus", () => {
  for (const v of [-2, -0.5, 0.0001234, -0.0001234, -123456, 1e-12, -1e-12]) {
    assert.ok(!fmt(v).includes("-"), `fmt(${v}) = ${fmt(v)}`);
  }
});

const W1W2_ORIGIN = {
  point: [0, 0], value: 1, gradient: [0, 0], hessian: [[0, -2], [-2, 0]],
  eigenvalues: [-2, 2], eigenvectors: [[Math.SQRT1_2, Math.SQRT1_2], [-Math.SQRT1_2, Math.SQRT1_2]],
  taylor: { center: [0, 0], value: 1, gradient: [0, 0], hessian: [[0, -2], [-2, 0]], polynomial: [1, 0, 0, 0, -2, 0] },
};

test("taylorAt: at the w1w2 saddle along the escape direction, 1 − ½·2·0.16 = 0.84", () => {
  const u = [0.4 / Math.SQRT2, 0.4 / Math.SQRT2];
  const predicted = taylorAt(W1W2_ORIGIN, u);
  assert.ok(Math.abs(predicted - 0.84) < 1e-12, `${predicted}`);
  // The curriculum's form: L + ½λ‖u‖² with λ = −2, ‖u‖ = 0.4.
  assert.ok(Math.abs(predicted - (1 + 0.5 * -2 * 0.16)) < 1e-12);
  // Along the other eigenvector the model rises: 1 + ½·2·0.16 = 1.16.
  assert.ok(Math.abs(taylorAt(W1W2_ORIGIN, [-0.4 / Math.SQRT2, 0.4 / Math.SQRT2]) - 1.16) < 1e-12);
  assert.equal(taylorAt(W1W2_ORIGIN, [0, 0]), 1);
});

test("taylorAt: value + gᵀu + ½uᵀHu with a gradient and off-diagonal curvature", () => {
  const analysis = { taylor: { value: 2, gradient: [1, -3], hessian: [[2, 0.5], [0.5, 4]] } };
  // 2 + 0.5 − 3 + ½(2·0.25 + 2·0.5·0.5·1 + 4·1) = 2 + 0.5 − 3 + 2.5 = 2
  assert.ok(Math.abs(taylorAt(analysis, [0.5, 1]) - 2) < 1e-12);
  assert.ok(Math.abs(taylorAt(analysis, [-1, 0]) - (2 - 1 + 1)) < 1e-12);
});

// ---- runs ----

test("formatNumber: 3 significant digits, exponent outside [1e-3, 1e4)", () => {
  assert.equal(formatNumber(0.0123), "0.0123");
  assert.equal(formatNumber(1.23e-7), "1.23e-7");
  assert.equal(formatNumber(0), "0");
  assert.equal(formatNumber(1 / 3), "0.333");
  assert.equal(formatNumber(-2.5), "-2.5");
  assert.equal(formatNumber(0.001), "0.001");
  assert.equal(formatNumber(0.000999), "9.99e-4");
  assert.equal(formatNumber(12345), "1.23e+4");
  assert.equal(formatNumber(1234.5), "1230");
  assert.equal(formatNumber(NaN), "NaN");
  assert.equal(formatNumber(Infinity), "Infinity");
});

test("summaryText: placeholders while there is no result", () => {
  assert.deepEqual(summaryText(null, 0), { final: "computing…", diverged: "", sigma: "" });
  assert.deepEqual(summaryText(undefined, 5), { final: "computing…", diverged: "", sigma: "" });
});

test("summaryText: the final loss, or the last finite one and where it diverged", () => {
  assert.deepEqual(summaryText({ loss: [5, 1.23456], diverged_at: null, state: {} }, 1),
    { final: "final loss 1.23", diverged: "", sigma: "" });
  assert.deepEqual(summaryText({ loss: [5, 0.5, 3e9], diverged_at: 3, state: {} }, 0),
    { final: "last finite loss 3.00e+9", diverged: "diverged at step 3", sigma: "" });
  assert.equal(summaryText({ loss: [4], state: {} }, 0).diverged, "");
  assert.equal(summaryText({ loss: [4], diverged_at: 0 }, 0).diverged, "diverged at step 0");
});

test("summaryText: σ at the cursor (σ[t] is the state at step t + 1)", () => {
  const result = { loss: [3, 2, 1], diverged_at: null, state: { sigma: [[0.1, 0.2], [0.0003, 40000]] } };
  assert.equal(summaryText(result, 0).sigma, "σ —");
  assert.equal(summaryText(result, 1).sigma, "σ (0.1, 0.2)");
  assert.equal(summaryText(result, 2).sigma, "σ (3.00e-4, 4.00e+4)");
  assert.equal(summaryText(result, 99).sigma, "σ (3.00e-4, 4.00e+4)");
  assert.equal(summaryText({ ...result, state: { sigma: [] } }, 1).sigma, "");
});

// ---- sweep ----

const SWEEP = {
  metric: "final", steps: 100, learning_rates: [1e-4, 1e-3, 1e-2, 1e-1],
  results: [
    { label: "sgd", best_learning_rate: 0.01, best_loss: 0.5 },
    { label: "adam", best_learning_rate: null, best_loss: null },
    { label: "adam 2", best_learning_rate: 0.00123, best_loss: 0.1 },
  ],
};
const sweepRuns = () => deepFreeze([
  makeRun("sgd", { learning_rate: 0.5 }, { color: 0 }),
  makeRun("adam", { learning_rate: 0.3, b1: 0.8 }, { color: 1 }),
  makeRun("adam", { learning_rate: 0.2, b1: 0.7 }, { color: 2, noise: 0.1 }),
]);

test("applyBestRates: each run at its best rate; a run with no best stays the same object", () => {
  const runs = sweepRuns();
  const applied = applyBestRates(runs, SWEEP);
  assert.notEqual(applied, runs);
  assert.equal(applied.length, 3);
  assert.deepEqual(applied[0], { ...runs[0], hyper: { learning_rate: 0.01 } });
  assert.equal(applied[1], runs[1]);
  assert.deepEqual(applied[2], { ...runs[2], hyper: { learning_rate: 0.00123, b1: 0.7 } });
  assert.equal(runs[0].hyper.learning_rate, 0.5, "input untouched");
  // A sweep with fewer results leaves the extra runs alone.
  const short = applyBestRates(runs, { ...SWEEP, results: SWEEP.results.slice(0, 1) });
  assert.equal(short[1], runs[1]);
  assert.equal(short[2], runs[2]);
  // Every rate diverged everywhere: nothing changes.
  const none = applyBestRates(runs, { ...SWEEP, results: SWEEP.results.map((r) => ({ ...r, best_learning_rate: null })) });
  assert.ok(none.every((run, i) => run === runs[i]));
});

test("sweepMessage: the chosen rates, and the runs left unchanged by name", () => {
  const message = sweepMessage(sweepRuns(), SWEEP);
  assert.equal(message,
    "Fair race at each optimizer's best rate: sgd η = 0.01, adam 2 η = 0.00123. "
    + "Every swept rate diverged for adam; left unchanged.");
});

test("sweepMessage: only chosen, only kept, and labels", () => {
  const runs = sweepRuns();
  const allChosen = { ...SWEEP, results: [SWEEP.results[0]] };
  assert.equal(sweepMessage(runs.slice(0, 1), allChosen), "Fair race at each optimizer's best rate: sgd η = 0.01.");
  const allKept = { ...SWEEP, results: SWEEP.results.map((r) => ({ ...r, best_learning_rate: null })) };
  const kept = sweepMessage(runs, allKept);
  assert.equal(kept, "Every swept rate diverged for sgd, adam, adam 2; left unchanged.");
  const labelled = [makeRun("sgd", { learning_rate: 1 }, { label: "slow one" })];
  assert.match(sweepMessage(labelled, { ...SWEEP, results: [SWEEP.results[1]] }), /diverged for slow one;/);
});

test("sweepMessage: a best rate at either end of the swept range is flagged, inner ones are not", () => {
  const runs = sweepRuns();
  const atEnds = { ...SWEEP, results: [
    { label: "sgd", best_learning_rate: 0.1, best_loss: 0.5 },
    { label: "adam", best_learning_rate: 1e-4, best_loss: 0.2 },
    { label: "adam 2", best_learning_rate: 0.001, best_loss: 0.1 },
  ] };
  const message = sweepMessage(runs, atEnds);
  assert.match(message, /sgd's best η is the largest rate swept \(1\.00e-4…0\.1\): a better one may lie beyond it\./);
  assert.match(message, /adam's best η is the smallest rate swept/);
  assert.doesNotMatch(message, /adam 2's best/);
  assert.doesNotMatch(sweepMessage(runs, SWEEP), /rate swept/, "no warning when every best is inside");
});

test("sweepMessage and applyBestRates agree on which runs keep their rate", () => {
  const runs = sweepRuns();
  const applied = applyBestRates(runs, SWEEP);
  const message = sweepMessage(runs, SWEEP);
  const keptPart = /diverged for (.*); left unchanged/.exec(message)?.[1] ?? "";
  const keptNames = keptPart ? keptPart.split(", ") : [];
  const unchanged = ["sgd", "adam", "adam 2"].filter((_, i) => applied[i] === runs[i]);
  assert.deepEqual(keptNames, unchanged);
});

test("newtonStep: one step lands on a quadratic's critical point; a singular Hessian gives null", () => {
  // f = (x − 1)² − 3(y + 2)²: a saddle at (1, −2). H = diag(2, −6).
  const at = (x, y) => ({ point: [x, y], gradient: [2 * (x - 1), -6 * (y + 2)], hessian: [[2, 0], [0, -6]] });
  const next = newtonStep(at(4, 5));
  assert.ok(Math.abs(next[0] - 1) < 1e-12 && Math.abs(next[1] + 2) < 1e-12, String(next));
  // A coupled Hessian: f = x² + xy + y² − x, critical point (2/3, −1/3).
  const coupled = newtonStep({ point: [3, 3], gradient: [2 * 3 + 3 - 1, 3 + 2 * 3], hessian: [[2, 1], [1, 2]] });
  assert.ok(Math.abs(coupled[0] - 2 / 3) < 1e-12 && Math.abs(coupled[1] + 1 / 3) < 1e-12, String(coupled));
  assert.equal(newtonStep({ point: [0, 0], gradient: [1, 1], hessian: [[1, 1], [1, 1]] }), null);
});

test("playbackAnnouncement: states, not frames", () => {
  assert.equal(playbackAnnouncement(true, 3, 500), "playing");
  assert.equal(playbackAnnouncement(false, 120, 500), "paused at step 120 of 500");
  assert.equal(playbackAnnouncement(false, 500, 500), "finished: step 500 of 500");
});

test("modebar keys: arrows wrap around, Home and End jump", () => {
  assert.equal(nextIndex(0, 8, "ArrowRight"), 1);
  assert.equal(nextIndex(7, 8, "ArrowRight"), 0);
  assert.equal(nextIndex(0, 8, "ArrowLeft"), 7);
  assert.equal(nextIndex(4, 8, "Home"), 0);
  assert.equal(nextIndex(4, 8, "End"), 7);
});
