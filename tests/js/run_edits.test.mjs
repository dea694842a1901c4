import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addRun, defaultHyper, defaultSchedule, editRun, nextColour, removeRun, setHyper, structureKey, switchOptimizer,
} from "../../frontend/js/run_edits.js";
import { MAX_RUNS, PALETTE, makeRun } from "../../frontend/js/state.js";

const hp = (name, dflt) => ({ name, default: dflt, lower: 0, upper: 1000, log_scale: false });
const OPTIMIZERS = new Map([
  ["sgd", { name: "sgd", hyperparameters: [hp("learning_rate", 0.01)] }],
  ["momentum", { name: "momentum", hyperparameters: [hp("learning_rate", 0.01), hp("momentum", 0.9)] }],
  ["adam", { name: "adam", hyperparameters: [hp("learning_rate", 0.001), hp("b1", 0.9), hp("b2", 0.999), hp("eps", 1e-8)] }],
  ["nolr", { name: "nolr", hyperparameters: [hp("rho", 0.95)] }],
]);
const SCHEDULES = new Map([
  ["exponential_decay", { name: "exponential_decay", parameters: [
    { name: "transition_steps", default: 100 }, { name: "decay_rate", default: 0.5 }, { name: "transition_begin", default: 0 }] }],
  ["warmup", { name: "warmup", parameters: [{ name: "warmup_steps", default: 50 }, { name: "init_value", default: 0 }] }],
]);

function deepFreeze(value) {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const twoRuns = () => [
  makeRun("sgd", { learning_rate: 0.05 }, { color: 0 }),
  makeRun("momentum", { learning_rate: 0.02, momentum: 0.8 }, { color: 1, noise: 0.3, seed: 4, label: "mine" }),
];

test("defaultHyper: the catalogue defaults by name", () => {
  assert.deepEqual(defaultHyper(OPTIMIZERS.get("adam")), { learning_rate: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8 });
  assert.deepEqual(defaultHyper({ name: "x", hyperparameters: [] }), {});
});

test("switchOptimizer: the new optimizer's defaults, not the old optimizer's values", () => {
  const run = deepFreeze(twoRuns()[1]);
  const switched = switchOptimizer(run, OPTIMIZERS.get("adam"));
  assert.equal(switched.optimizer, "adam");
  assert.deepEqual(switched.hyper, { learning_rate: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8 });
  // Everything else about the run stays.
  assert.equal(switched.noise, 0.3);
  assert.equal(switched.seed, 4);
  assert.equal(switched.color, 1);
  assert.equal(switched.label, "mine");
  // The old optimizer's own hyperparameter does not leak through.
  assert.equal("momentum" in switched.hyper, false);
  assert.notEqual(switched, run);
  assert.equal(run.optimizer, "momentum");
});

test("switchOptimizer: values the user set carry over where the new optimizer has them", () => {
  const run = deepFreeze(setHyper(setHyper(twoRuns()[1], "learning_rate", 0.3), "momentum", 0.5));
  assert.deepEqual(run.userSet, ["learning_rate", "momentum"]);
  const switched = switchOptimizer(run, OPTIMIZERS.get("adam"));
  assert.deepEqual(switched.hyper, { learning_rate: 0.3, b1: 0.9, b2: 0.999, eps: 1e-8 });
  assert.deepEqual(switched.userSet, ["learning_rate"], "momentum is not adam's: forgotten");
  const back = switchOptimizer(switched, OPTIMIZERS.get("momentum"));
  assert.deepEqual(back.hyper, { learning_rate: 0.3, momentum: 0.9 });
});

test("switchOptimizer: no learning rate to carry → defaults only", () => {
  const toNoLr = switchOptimizer(makeRun("sgd", { learning_rate: 0.5 }), OPTIMIZERS.get("nolr"));
  assert.deepEqual(toNoLr.hyper, { rho: 0.95 });
  const fromMissing = switchOptimizer(makeRun("nolr", { rho: 0.5 }), OPTIMIZERS.get("adam"));
  assert.equal(fromMissing.hyper.learning_rate, 0.001);
});

test("defaultSchedule: the catalogue's defaults, or null", () => {
  assert.deepEqual(defaultSchedule("exponential_decay", SCHEDULES),
    { name: "exponential_decay", transition_steps: 100, decay_rate: 0.5, transition_begin: 0 });
  assert.deepEqual(defaultSchedule("warmup", SCHEDULES), { name: "warmup", warmup_steps: 50, init_value: 0 });
  assert.equal(defaultSchedule("none", SCHEDULES), null);
  assert.equal(defaultSchedule("", SCHEDULES), null);
});

test("addRun: the next unused optimizer with its defaults and the next unused colour", () => {
  const runs = deepFreeze(twoRuns());
  const added = addRun(runs, OPTIMIZERS);
  assert.equal(added.length, 3);
  assert.notEqual(added, runs);
  assert.equal(runs.length, 2);
  assert.equal(added[0], runs[0]);
  assert.equal(added[1], runs[1]);
  assert.equal(added[2].optimizer, "adam");
  assert.deepEqual(added[2].hyper, defaultHyper(OPTIMIZERS.get("adam")));
  assert.equal(added[2].color, 2);
  assert.equal(added[2].noise, 0);
  assert.equal(added[2].schedule, null);
});

test("addRun: fills the first colour gap", () => {
  const runs = [makeRun("sgd", {}, { color: 0 }), makeRun("sgd", {}, { color: 2 })];
  assert.equal(addRun(runs, OPTIMIZERS)[2].color, 1);
  assert.equal(addRun([makeRun("sgd", {}, { color: 5 })], OPTIMIZERS)[1].color, 0);
});

test("addRun: when every optimizer is used, the first one", () => {
  const runs = [...OPTIMIZERS.keys()].map((name, i) => makeRun(name, {}, { color: i }));
  const added = addRun(runs, OPTIMIZERS);
  assert.equal(added.length, runs.length + 1);
  assert.equal(added.at(-1).optimizer, "sgd");
  assert.equal(added.at(-1).color, runs.length);
});

test("addRun: never past MAX_RUNS", () => {
  let runs = [makeRun("sgd", {}, { color: 0 })];
  for (let k = 0; k < 20; k += 1) runs = addRun(runs, OPTIMIZERS);
  assert.equal(runs.length, MAX_RUNS);
  assert.equal(new Set(runs.map((r) => r.color)).size, MAX_RUNS, "each run its own colour");
  assert.equal(addRun(runs, OPTIMIZERS), runs);
});

test("nextColour: the next palette index no other run uses", () => {
  const runs = [0, 1, 2].map((c) => makeRun("sgd", {}, { color: c }));
  assert.equal(nextColour(runs, 0), 3);
  assert.equal(nextColour(runs, 2), 3);
  assert.equal(nextColour(runs, 1), 3);
  const wrap = [makeRun("sgd", {}, { color: PALETTE.length - 1 }), makeRun("sgd", {}, { color: 0 })];
  assert.equal(nextColour(wrap, 0), 1);
  assert.equal(nextColour([makeRun("sgd", {}, { color: PALETTE.length - 1 })], 0), 0);
  // Never a colour another run has.
  for (let i = 0; i < runs.length; i += 1) {
    const others = runs.filter((_, j) => j !== i).map((r) => r.color);
    assert.equal(others.includes(nextColour(runs, i)), false);
  }
});

test("removeRun: drops run `index`, never the last one", () => {
  const runs = deepFreeze(twoRuns());
  const removed = removeRun(runs, 0);
  assert.equal(removed.length, 1);
  assert.equal(removed[0], runs[1]);
  assert.equal(runs.length, 2);
  assert.equal(removeRun(runs, 1)[0], runs[0]);
  const one = [runs[0]];
  assert.equal(removeRun(one, 0), one);
  assert.equal(removeRun(one, 0).length, 1);
});

test("editRun: a new array with only run `index` replaced, the input untouched", () => {
  const runs = deepFreeze(twoRuns());
  const snapshot = structuredClone(runs);
  const edited = editRun(runs, 1, (r) => ({ ...r, hyper: { ...r.hyper, learning_rate: 0.7 } }));
  assert.notEqual(edited, runs);
  assert.equal(edited[0], runs[0]);
  assert.notEqual(edited[1], runs[1]);
  assert.equal(edited[1].hyper.learning_rate, 0.7);
  assert.equal(edited[1].hyper.momentum, 0.8);
  assert.deepEqual(runs, snapshot);
  // The real edits, through editRun on frozen input (a mutation would throw in strict mode).
  const switched = editRun(runs, 0, (r) => switchOptimizer(r, OPTIMIZERS.get("adam")));
  assert.equal(switched[0].optimizer, "adam");
  const scheduled = editRun(runs, 0, (r) => ({ ...r, schedule: defaultSchedule("warmup", SCHEDULES) }));
  assert.equal(scheduled[0].schedule.name, "warmup");
  const coloured = editRun(runs, 1, (r) => ({ ...r, color: nextColour(runs, 1) }));
  assert.equal(coloured[1].color, 2);
  assert.deepEqual(runs, snapshot);
});

test("structureKey changes with count, optimizer and schedule kind only", () => {
  const runs = twoRuns();
  const key = structureKey(runs);
  const same = (edit) => structureKey(editRun(runs, 1, edit));
  // Not with values.
  assert.equal(same((r) => ({ ...r, hyper: { ...r.hyper, learning_rate: 9 } })), key);
  assert.equal(same((r) => ({ ...r, color: 5 })), key);
  assert.equal(same((r) => ({ ...r, noise: 2, seed: 9 })), key);
  assert.equal(same((r) => ({ ...r, label: "other" })), key);
  // With count, optimizer, schedule and the schedule after a warm-up.
  assert.notEqual(structureKey(addRun(runs, OPTIMIZERS)), key);
  assert.notEqual(structureKey(removeRun(runs, 1)), key);
  assert.notEqual(same((r) => switchOptimizer(r, OPTIMIZERS.get("adam"))), key);
  const warm = editRun(runs, 1, (r) => ({ ...r, schedule: defaultSchedule("warmup", SCHEDULES) }));
  const warmKey = structureKey(warm);
  assert.notEqual(warmKey, key);
  const then = editRun(warm, 1, (r) => ({ ...r, schedule: { ...r.schedule, then: defaultSchedule("exponential_decay", SCHEDULES) } }));
  assert.notEqual(structureKey(then), warmKey);
  // Schedule parameter values do not change it.
  const tweaked = editRun(then, 1, (r) => ({ ...r, schedule: { ...r.schedule, warmup_steps: 7, then: { ...r.schedule.then, decay_rate: 0.1 } } }));
  assert.equal(structureKey(tweaked), structureKey(then));
  // Order of runs matters (cards are per position).
  assert.notEqual(structureKey([runs[1], runs[0]]), key);
});
