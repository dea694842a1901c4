import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSweepFigure, lossAxisType, sweepLosses } from "../../frontend/js/plots/sweep.js";
import { PALETTE, makeRun } from "../../frontend/js/state.js";

const RATES = [1e-4, 1e-3, 1e-2, 1e-1, 1];

function makeSweep({ metric = "final", steps = 200 } = {}) {
  return {
    metric, steps, learning_rates: RATES,
    results: [
      { label: "sgd", optimizer: "sgd", final_loss: [5, 2, 0.5, null, null], mean_loss: [6, 3, 1, null, null],
        best_learning_rate: 1e-2, best_loss: 0.5 },
      { label: "adam", optimizer: "adam", final_loss: [4, 1, 0.1, 0.01, 3], mean_loss: [4.5, 2, 0.4, 0.2, 7],
        best_learning_rate: 1e-1, best_loss: 0.01 },
      { label: "lion", optimizer: "lion", final_loss: [null, null, null, null, null], mean_loss: [null, null, null, null, null],
        best_learning_rate: null, best_loss: null },
    ],
  };
}
const RUNS = [makeRun("sgd", {}, { color: 3 }), makeRun("adam", {}, { color: 5 }), makeRun("lion", {}, { color: 9 })];

const lines = (figure) => figure.data.filter((t) => t.mode === "lines+markers");
const stars = (figure) => figure.data.filter((t) => t.mode === "markers");

test("sweepLosses picks the ranked metric", () => {
  const r = makeSweep().results[0];
  assert.equal(sweepLosses(r, "final"), r.final_loss);
  assert.equal(sweepLosses(r, "mean"), r.mean_loss);
});

test("one line per run, in the run's colour, over the swept rates", () => {
  const sweep = makeSweep();
  const figure = buildSweepFigure({ runs: RUNS, sweep });
  const ls = lines(figure);
  assert.equal(ls.length, 3);
  assert.deepEqual(ls.map((t) => t.name), ["sgd", "adam", "lion"]);
  assert.deepEqual(ls.map((t) => t.line.color), [PALETTE[3], PALETTE[5], PALETTE[9 % PALETTE.length]]);
  assert.deepEqual(ls.map((t) => t.marker.color), [PALETTE[3], PALETTE[5], PALETTE[1]]);
  for (const t of ls) assert.deepEqual(t.x, RATES);
});

test("a run without a colour falls back to its position", () => {
  const figure = buildSweepFigure({ runs: [], sweep: makeSweep() });
  assert.deepEqual(lines(figure).map((t) => t.line.color), [PALETTE[0], PALETTE[1], PALETTE[2]]);
});

test("nulls (diverged rates) are kept as gaps, not bridged", () => {
  const figure = buildSweepFigure({ runs: RUNS, sweep: makeSweep() });
  const [sgd, adam, lion] = lines(figure);
  assert.deepEqual(sgd.y, [5, 2, 0.5, null, null]);
  assert.deepEqual(adam.y, [4, 1, 0.1, 0.01, 3]);
  assert.deepEqual(lion.y, [null, null, null, null, null]);
  for (const t of lines(figure)) assert.equal(t.connectgaps, false);
});

test("each run's best rate is marked with a star in its colour; no best, no star", () => {
  const figure = buildSweepFigure({ runs: RUNS, sweep: makeSweep() });
  const ss = stars(figure);
  assert.equal(ss.length, 2);
  assert.deepEqual(ss.map((t) => [t.x, t.y]), [[[1e-2], [0.5]], [[1e-1], [0.01]]]);
  assert.deepEqual(ss.map((t) => t.marker.symbol), ["star", "star"]);
  assert.deepEqual(ss.map((t) => t.marker.color), [PALETTE[3], PALETTE[5]]);
  assert.deepEqual(ss.map((t) => t.legendgroup), ["sgd", "adam"]);
  assert.ok(ss.every((t) => t.showlegend === false));
  // The star follows its own line in the trace order.
  assert.deepEqual(figure.data.map((t) => t.name), ["sgd", "sgd best", "adam", "adam best", "lion"]);
});

test("an undefined best rate also gets no star", () => {
  const sweep = makeSweep();
  delete sweep.results[0].best_learning_rate;
  assert.equal(stars(buildSweepFigure({ runs: RUNS, sweep })).length, 1);
});

test("log–log axes when every loss is positive", () => {
  const figure = buildSweepFigure({ runs: RUNS, sweep: makeSweep() });
  assert.equal(figure.layout.xaxis.type, "log");
  assert.equal(figure.layout.yaxis.type, "log");
  assert.match(figure.layout.title.text, /final loss after 200 steps/);
  assert.equal(figure.layout.yaxis.title.text, "final loss");
});

test("the mean metric plots mean losses and says so", () => {
  const figure = buildSweepFigure({ runs: RUNS, sweep: makeSweep({ metric: "mean", steps: 50 }) });
  assert.deepEqual(lines(figure)[0].y, [6, 3, 1, null, null]);
  assert.match(figure.layout.title.text, /mean loss after 50 steps/);
  assert.equal(figure.layout.yaxis.title.text, "mean loss");
});

test("lossAxisType: linear as soon as a loss is ≤ 0, or when there is no loss", () => {
  const sweep = makeSweep();
  assert.equal(lossAxisType(sweep), "log");
  sweep.results[1].final_loss[4] = 0;
  assert.equal(lossAxisType(sweep), "linear");
  sweep.results[1].final_loss[4] = -1.03; // six-hump camel goes below 0
  assert.equal(lossAxisType(sweep), "linear");
  assert.equal(buildSweepFigure({ runs: RUNS, sweep }).layout.yaxis.type, "linear");
  // Only the ranked metric counts.
  const mean = makeSweep({ metric: "mean" });
  mean.results[0].final_loss[0] = -5;
  assert.equal(lossAxisType(mean), "log");
  mean.results[0].mean_loss[0] = -5;
  assert.equal(lossAxisType(mean), "linear");
  // Every rate diverged: nothing to put on a log axis.
  const diverged = makeSweep();
  diverged.results = [diverged.results[2]];
  assert.equal(lossAxisType(diverged), "linear");
});
