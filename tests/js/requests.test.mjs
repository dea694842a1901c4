// Request bodies built from the state.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { defaultState, makeRun } from "../../frontend/js/state.js";
import {
  analyzeRequest, gridRequest, runLabels, startOf, surfaceRef, sweepRequest, trajectoryRequest,
} from "../../frontend/js/requests.js";

const ROSENBROCK = { id: "rosenbrock", default_start: [-1.2, 1.0] };

describe("runLabels", () => {
  it("names a lone run after its optimizer", () => {
    assert.deepEqual(runLabels(defaultState().runs), ["sgd", "momentum", "rmsprop", "adam"]);
  });

  it("numbers duplicates in order", () => {
    const runs = ["sgd", "adam", "sgd", "adam", "sgd", "rmsprop"].map((o) => makeRun(o));
    const labels = runLabels(runs);
    assert.deepEqual(labels, ["sgd", "adam", "sgd 2", "adam 2", "sgd 3", "rmsprop"]);
    assert.equal(new Set(labels).size, labels.length);
  });

  it("keeps a custom label, which does not take a number", () => {
    const runs = [makeRun("adam", {}, { label: "fast" }), makeRun("adam"), makeRun("adam")];
    assert.deepEqual(runLabels(runs), ["fast", "adam", "adam 2"]);
  });

  it("returns [] for no runs", () => {
    assert.deepEqual(runLabels([]), []);
  });
});

describe("trajectoryRequest", () => {
  it("starts every run at the surface's default start when state.start is null", () => {
    const state = defaultState();
    const body = trajectoryRequest(state, ROSENBROCK);
    assert.equal(body.surface, "rosenbrock");
    assert.equal(body.steps, 500);
    assert.equal(body.runs.length, 4);
    for (const run of body.runs) assert.deepEqual(run.start, [-1.2, 1.0]);
    assert.deepEqual(body.runs[1], {
      optimizer: { name: "momentum", learning_rate: 0.001, momentum: 0.9 },
      start: [-1.2, 1.0], gradient_noise: 0, seed: 0, label: "momentum",
    });
  });

  it("uses the state's start when set", () => {
    const state = { ...defaultState(), start: [0.5, -0.25] };
    assert.deepEqual(startOf(state, ROSENBROCK), [0.5, -0.25]);
    for (const run of trajectoryRequest(state, ROSENBROCK).runs) assert.deepEqual(run.start, [0.5, -0.25]);
  });

  it("names the surface as {id, params} when constants are set", () => {
    const state = { ...defaultState(), surface: "elongated_quadratic", params: { condition: 50 } };
    const expected = { id: "elongated_quadratic", params: { condition: 50 } };
    assert.deepEqual(surfaceRef(state), expected);
    assert.deepEqual(trajectoryRequest(state, { default_start: [1, 1] }).surface, expected);
    assert.deepEqual(gridRequest(state), { surface: expected });
    assert.deepEqual(analyzeRequest(state, [1, 2]), { surface: expected, point: [1, 2] });
  });

  it("includes a schedule only for runs that have one", () => {
    const schedule = { name: "warmup", warmup_steps: 10, init_value: 0, then: { name: "cosine_decay", decay_steps: 100, alpha: 0 } };
    const state = {
      ...defaultState(),
      runs: [makeRun("sgd", { learning_rate: 0.01 }, { schedule, noise: 0.5, seed: 3 }), makeRun("sgd", { learning_rate: 0.01 })],
    };
    const [withSchedule, without] = trajectoryRequest(state, ROSENBROCK).runs;
    assert.deepEqual(withSchedule.schedule, schedule);
    assert.equal(withSchedule.gradient_noise, 0.5);
    assert.equal(withSchedule.seed, 3);
    assert.equal(withSchedule.label, "sgd");
    assert.ok(!("schedule" in without));
    assert.equal(without.label, "sgd 2");
  });

  it("does not share the state's objects with the body", () => {
    const state = defaultState();
    const body = trajectoryRequest(state, ROSENBROCK);
    body.runs[0].optimizer.learning_rate = 5;
    assert.equal(state.runs[0].hyper.learning_rate, 0.001);
  });
});

describe("sweepRequest", () => {
  it("sweeps every run's optimizer from the shared start with the largest noise", () => {
    const state = { ...defaultState(), steps: 20000 };
    state.runs = [makeRun("sgd", {}, { noise: 0.1 }), makeRun("adam", { b1: 0.8 }, { noise: 0.3 })];
    const body = sweepRequest(state, ROSENBROCK);
    assert.deepEqual(body.start, [-1.2, 1.0]);
    assert.equal(body.steps, 5000);
    assert.equal(body.gradient_noise, 0.3);
    assert.deepEqual(body.optimizers.map((o) => o.label), ["sgd", "adam"]);
    assert.deepEqual(body.optimizers[1].optimizer, { name: "adam", b1: 0.8 });
    assert.equal("learning_rates" in body, false, "the API's range (one definition)");
    const narrow = sweepRequest(state, ROSENBROCK, { min: 1e-3, max: 1, count: 8 });
    assert.deepEqual(narrow.learning_rates, { min: 1e-3, max: 1, count: 8 });
  });
});

describe("runLabels with chosen labels", () => {
  it("never gives two runs the same label", () => {
    const labels = runLabels([
      makeRun("adam", {}, { label: "adam 2" }), makeRun("adam"), makeRun("adam"),
      makeRun("sgd", {}, { label: "sgd" }), makeRun("sgd"),
    ]);
    assert.equal(new Set(labels).size, labels.length);
    assert.deepEqual(labels, ["adam 2", "adam", "adam 3", "sgd", "sgd 2"]);
  });

  it("keeps a chosen label that is unique", () => {
    assert.deepEqual(runLabels([makeRun("sgd", {}, { label: "slow" }), makeRun("sgd")]), ["slow", "sgd"]);
  });
});
