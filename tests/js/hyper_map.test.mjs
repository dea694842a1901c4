import { test } from "node:test";
import assert from "node:assert/strict";
import { applyCell, defaultAxis, defaultMap, fitMap, mapRequest, nearestIndex, runValue } from "../../frontend/js/hyper_map.js";
import { axisLayout, buildMapFigure, colourValues, DIVERGED_COLOUR, LOG_DECADES_SHOWN, mapCaption, mapSummary } from "../../frontend/js/plots/hyper_map.js";
import { decodeState, defaultState, encodeState, makeRun } from "../../frontend/js/state.js";
import { SURFACE } from "./fixtures.mjs";

const knob = (name, value, lower, upper, log = false) => ({ name, default: value, lower, upper, log_scale: log, description: "", integer: false });
const OPTIMIZERS = new Map([
  ["sgd", { name: "sgd", hyperparameters: [knob("learning_rate", 1e-3, 0, 1e3, true)] }],
  ["momentum", { name: "momentum", hyperparameters: [knob("learning_rate", 1e-3, 0, 1e3, true), knob("momentum", 0.9, 0, 0.9999999)] }],
  ["adam", { name: "adam", hyperparameters: [knob("learning_rate", 1e-3, 0, 1e3, true), knob("b1", 0.9, 0, 0.9999999), knob("b2", 0.999, 0, 0.9999999), knob("eps", 1e-8, 0, 1, true)] }],
]);

test("a new map puts η on a log x axis and the lecture's partner on y", () => {
  const heavy = defaultMap(OPTIMIZERS.get("momentum"), 1);
  assert.deepEqual(heavy.x, { param: "learning_rate", min: 1e-6, max: 1, count: 64, scale: "log" });
  assert.equal(heavy.y.param, "momentum");
  assert.equal(heavy.y.scale, "linear");
  assert.ok(heavy.y.min === 0 && heavy.y.max < 1);
  assert.equal(heavy.run, 1);
  assert.equal(defaultMap(OPTIMIZERS.get("adam")).y.param, "b2"); // η × β₂, not β₁
  assert.equal(defaultMap(OPTIMIZERS.get("sgd")), null); // one knob: no map
  const eps = defaultAxis(knob("eps", 1e-8, 0, 1, true));
  assert.equal(eps.scale, "log");
  assert.ok(eps.min > 0); // a log axis never starts at 0
});

test("the request spans the run's own settings, without the two the axes vary", () => {
  const state = defaultState();
  state.runs = [makeRun("momentum", { learning_rate: 0.01, momentum: 0.5 }, { noise: 0.2, seed: 7, schedule: { name: "cosine_decay", decay_steps: 100 } })];
  state.hmap = defaultMap(OPTIMIZERS.get("momentum"), 0);
  state.start = [1, 2];
  const body = mapRequest(state, SURFACE);
  assert.deepEqual(body.optimizer, { name: "momentum" });
  assert.deepEqual(body.start, [1, 2]);
  assert.equal(body.gradient_noise, 0.2);
  assert.equal(body.seed, 7);
  assert.equal(body.schedule.name, "cosine_decay");
  assert.equal(body.metric, "final_loss");
  assert.equal(body.steps, 500);
  state.steps = 5000;
  state.hmap = { ...state.hmap, x: { ...state.hmap.x, count: 128 }, y: { ...state.hmap.y, count: 128 } };
  assert.equal(mapRequest(state, SURFACE).steps, 1000); // cells × steps within the API's bound
});

test("a cell sets the run's two values as the learner's own", () => {
  const runs = [makeRun("sgd"), makeRun("momentum", { learning_rate: 0.01, momentum: 0.5 })];
  const hmap = defaultMap(OPTIMIZERS.get("momentum"), 1);
  const after = applyCell(runs, hmap, 0.02, 0.8);
  assert.equal(after[0], runs[0]);
  assert.deepEqual(after[1].hyper, { learning_rate: 0.02, momentum: 0.8 });
  assert.deepEqual(after[1].userSet.sort(), ["learning_rate", "momentum"]);
  assert.equal(runValue(makeRun("momentum", {}), OPTIMIZERS.get("momentum"), "momentum"), 0.9);
});

test("the map follows the runs: a removed run or a switched optimizer gets a fresh map", () => {
  const runs = [makeRun("momentum"), makeRun("adam")];
  const hmap = defaultMap(OPTIMIZERS.get("adam"), 1);
  assert.equal(fitMap(hmap, runs, OPTIMIZERS), hmap);
  const switched = fitMap(hmap, [runs[0], makeRun("momentum")], OPTIMIZERS);
  assert.equal(switched.y.param, "momentum");
  const removed = fitMap(hmap, [runs[0]], OPTIMIZERS);
  assert.equal(removed.run, 0);
  assert.equal(fitMap(hmap, [makeRun("sgd")], OPTIMIZERS), null);
  assert.equal(fitMap(null, runs, OPTIMIZERS), null);
  // The steps to the minimum need a known minimum: the saddle's map shows the final loss.
  const steps = { ...hmap, metric: "steps_to_tolerance" };
  assert.equal(fitMap(steps, runs, OPTIMIZERS, { minima: [{ x: 0, y: 0, value: 0 }] }), steps);
  assert.equal(fitMap(steps, runs, OPTIMIZERS, { minima: [] }).metric, "final_loss");
});

test("the map is in the URL and a malformed one is ignored", () => {
  const state = defaultState();
  state.hmap = { ...defaultMap(OPTIMIZERS.get("momentum"), 1), metric: "diverged" };
  assert.deepEqual(decodeState(encodeState(state)).hmap, state.hmap);
  const bad = [
    { r: 1, x: ["learning_rate", 0, 1, 64, "log"], y: ["momentum", 0, 0.9, 64, "linear"], m: "final_loss" }, // log from 0
    { r: 1, x: ["momentum", 0, 1, 64, "linear"], y: ["momentum", 0, 0.9, 64, "linear"], m: "final_loss" }, // one knob twice
    { r: 1, x: ["learning_rate", 1e-3, 1, 65, "log"], y: ["momentum", 0, 0.9, 64, "linear"], m: "final_loss" },
    { r: -1, x: ["learning_rate", 1e-3, 1, 64, "log"], y: ["momentum", 0, 0.9, 64, "linear"], m: "final_loss" },
    { r: 1, x: ["learning_rate", 1e-3, 1, 64, "log"], y: ["momentum", 0, 0.9, 64, "linear"], m: "best" },
  ];
  for (const raw of bad) assert.equal(decodeState(`hm=${encodeURIComponent(JSON.stringify(raw))}`).hmap, null);
});

const MAP = {
  x: [1e-3, 1e-2, 1e-1], y: [0, 0.5], x_param: "learning_rate", y_param: "momentum",
  metric: "final_loss", steps: 100,
  z: [[10, 0.01, null], [1, 1e-6, null]],
  diverged: [[false, false, true], [false, false, true]],
};

test("the figure: log₁₀ colours for losses, diverged cells one flat grey, the run's cell marked", () => {
  const figure = buildMapFigure({ map: MAP, scales: { x: "log", y: "linear" }, marker: { x: 1e-2, y: 0.5, label: "momentum" } });
  const [values, diverged, marker] = figure.data;
  assert.deepEqual(values.x, [-3, -2, -1]); // log₁₀ units: even bricks
  assert.deepEqual(values.y, [0, 0.5]);
  assert.deepEqual(values.z, [[1, -2, null], [0, -6, null]]);
  assert.match(values.colorbar.title.text, /log₁₀ final loss/);
  assert.deepEqual(diverged.z, [[null, null, 1], [null, null, 1]]);
  assert.deepEqual(diverged.colorscale, [[0, DIVERGED_COLOUR], [1, DIVERGED_COLOUR]]);
  assert.deepEqual([marker.x, marker.y], [[-2], [0.5]]);
  assert.deepEqual(figure.layout.xaxis.ticktext, ["10⁻³", "10⁻²", "10⁻¹"]);
  assert.equal(figure.layout.yaxis.tickvals, undefined);
  assert.equal(mapSummary(MAP), "final loss over learning_rate × momentum, 3 × 2 runs of 100 steps: 2 of 6 diverged");
});

test("a log colour scale spans at most LOG_DECADES_SHOWN decades, and the caption says so", () => {
  const converged = { ...MAP, z: [[10, 1e-30, null], [1, 1e-300, null]] };
  const colours = colourValues(converged);
  assert.equal(colours.zmax, 1);
  assert.equal(colours.zmin, 1 - LOG_DECADES_SHOWN);
  assert.equal(colours.clipped, true);
  const [values] = buildMapFigure({ map: converged, scales: { x: "log", y: "linear" }, marker: null }).data;
  assert.deepEqual([values.zmin, values.zmax], [1 - LOG_DECADES_SHOWN, 1]);
  assert.equal(mapCaption(converged, "momentum"), "final loss after 100 steps (the darkest: 10⁻¹¹ or less) · grey: diverged · ○ momentum");
  assert.equal(mapCaption(MAP, "momentum"), "final loss after 100 steps · grey: diverged · ○ momentum");
  assert.equal(colourValues(MAP).clipped, false);
});

test("colours stay linear when a loss is not positive, and for steps", () => {
  assert.equal(colourValues({ ...MAP, z: [[-1, 2, null], [3, 4, null]] }).log, false);
  assert.equal(colourValues({ ...MAP, metric: "steps_to_tolerance", z: [[40, 12, null], [30, 8, null]] }).log, false);
  const only = buildMapFigure({ map: { ...MAP, metric: "diverged", z: [[0, 0, 1], [0, 0, 1]] }, scales: { x: "log", y: "linear" }, marker: null });
  assert.deepEqual(only.data.map((t) => t.name), ["diverged"]);
});

test("ticks every few decades on a wide log axis; the nearest cell on each scale", () => {
  const wide = axisLayout([1e-8, 1e3], "log", "η");
  assert.ok(wide.tickvals.length <= 7 && wide.tickvals[0] === -8);
  const narrow = axisLayout([0.02, 0.05], "log", "η"); // no power of ten inside
  assert.deepEqual(narrow.ticktext, ["0.02", "0.032", "0.05"]);
  assert.equal(nearestIndex([1e-3, 1e-2, 1e-1], 0.04, "log"), 2);
  assert.equal(nearestIndex([1e-3, 1e-2, 1e-1], 0.04, "linear"), 1);
});

test("surface constants: the state's value or the default; the default itself is left out of params", async () => {
  const { constantValue, withConstant } = await import("../../frontend/js/panels/surface_constants.js");
  const kappa = { name: "condition", default: 100, lower: 1, upper: 1e4, log_scale: true };
  assert.equal(constantValue({ params: {} }, kappa), 100);
  assert.equal(constantValue({ params: { condition: 10 } }, kappa), 10);
  assert.deepEqual(withConstant({}, kappa, 1000), { condition: 1000 });
  assert.deepEqual(withConstant({ condition: 1000, other: 2 }, kappa, 100), { other: 2 });
});
