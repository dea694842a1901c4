// The Playground features of the Networks page: input features, test split and
// regularization in the URL and in the request, and the form's small rules for them.
import "./experiment_kinds.mjs"; // the API's defaults and bounds, as the page loads them
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { CHOICES, DEFAULTS, LIMITS, decodeState, defaultState, encodeState } from "../../frontend/js/networks/state.js";
import { architectureText, newDataSeed, rateChoices, toggledFeatures, REGULARIZATION_RATES } from "../../frontend/js/networks/form.js";
import { inputDimOf, sameData, sanitize, setupParams, takesInputFeatures } from "../../frontend/js/networks/setup.js";

const query = (entries) => `?${new URLSearchParams(entries).toString()}`;
const moons = { name: "moons", task: "classification", n_classes: 2, input_dim: 2 };
const iris = { name: "iris", task: "classification", n_classes: 3, input_dim: 4, feature_names: ["a", "b", "c", "d"] };
const digits = { name: "digits", task: "classification", n_classes: 10, input_dim: 64, image_shape: [8, 8, 1] };
const catalogue = {
  datasets: new Map([["moons", moons], ["iris", iris], ["digits", digits]]),
  optimizers: new Map([["adam", {}], ["sgd", {}]]),
};

describe("the new setup fields come from the API", () => {
  it("takes their defaults, bounds and choices from GET /api/experiments/kinds", () => {
    assert.deepEqual(DEFAULTS.inputFeatures, ["x1", "x2"]);
    assert.equal(DEFAULTS.testFraction, 0.25);
    assert.equal(DEFAULTS.regularization, "none");
    assert.equal(DEFAULTS.regularizationRate, 0.001);
    assert.deepEqual(CHOICES.inputFeatures, ["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]);
    assert.deepEqual(CHOICES.regularization, ["none", "l1", "l2"]);
    assert.deepEqual([LIMITS.testFraction.min, LIMITS.testFraction.max], [0.1, 0.9]);
    assert.deepEqual([LIMITS.regularizationRate.min, LIMITS.regularizationRate.max], [0, 10]);
    assert.deepEqual(LIMITS.inputFeatures, { min: 1, max: 7 });
    // The features' list must not be taken for the widths' (the other array field).
    assert.deepEqual([LIMITS.width.min, LIMITS.width.max, LIMITS.layers.max], [1, 256, 4]);
  });
});

describe("the URL keeps them under short keys", () => {
  it("round-trips input features, test split and regularization", () => {
    const state = {
      ...defaultState(), inputFeatures: ["x1", "x1_squared", "sin_x2"], testFraction: 0.5,
      regularization: "l2", regularizationRate: 0.03,
    };
    const q = new URLSearchParams(encodeState(state));
    assert.deepEqual(["ft", "ts", "rg", "rr"].map((k) => q.get(k)), ["x1,x1_squared,sin_x2", "0.5", "l2", "0.03"]);
    assert.deepEqual(decodeState(`?${q}`), state);
  });

  it("leaves them out at their defaults", () => {
    assert.equal(encodeState(defaultState()), "");
  });

  it("ignores unknown, repeated or no features, and out-of-bound splits and rates", () => {
    for (const ft of ["x3", "x1,x1", "", "x1,cos_x1"]) assert.deepEqual(decodeState(query({ ft })).inputFeatures, ["x1", "x2"], ft);
    for (const ts of ["0.05", "0.95", "half"]) assert.equal(decodeState(query({ ts })).testFraction, 0.25, ts);
    assert.equal(decodeState(query({ rg: "l3" })).regularization, "none");
    for (const rr of ["-1", "11", "x"]) assert.equal(decodeState(query({ rr })).regularizationRate, 0.001, rr);
    assert.deepEqual(decodeState(query({ ft: "sin_x1" })).inputFeatures, ["sin_x1"]);
  });
});

describe("the request", () => {
  it("sends the chosen features, split and regularization in the API's names", () => {
    const body = setupParams({
      ...defaultState(), inputFeatures: ["x1", "x2", "x1_x2"], testFraction: 0.4, regularization: "l1", regularizationRate: 0.01,
    });
    assert.deepEqual(body.features, ["x1", "x2", "x1_x2"]);
    assert.equal(body.test_fraction, 0.4);
    assert.equal(body.regularization, "l1");
    assert.equal(body.regularization_rate, 0.01);
  });

  it("sends a setup at their defaults as before (same job keys for lessons and shared jobs)", () => {
    const body = setupParams(defaultState());
    for (const key of ["features", "test_fraction", "regularization", "regularization_rate"]) assert.ok(!(key in body), key);
  });

  it("sends the rate with its regularization, and never features for a CNN", () => {
    assert.deepEqual(
      [setupParams({ ...defaultState(), regularizationRate: 0.3 })].map((b) => [b.regularization, b.regularization_rate])[0],
      ["none", 0.3],
    );
    const cnn = setupParams({ ...defaultState(), architecture: "cnn", dataset: "digits", inputFeatures: ["x1"] });
    assert.ok(!("features" in cnn));
  });
});

describe("where input features apply", () => {
  it("only an MLP on the plane takes them", () => {
    assert.ok(takesInputFeatures(defaultState(), moons));
    assert.ok(!takesInputFeatures(defaultState(), iris));
    assert.ok(!takesInputFeatures({ ...defaultState(), architecture: "cnn" }, digits));
  });

  it("counts the network's inputs and parameters from them", () => {
    const state = { ...defaultState(), widths: [4], inputFeatures: ["x1", "x2", "x1_squared"] };
    assert.equal(inputDimOf(state, moons), 3);
    assert.equal(inputDimOf(state, iris), 4);
    // (3 + 1)·4 + (4 + 1)·2 = 26
    assert.equal(architectureText(state, moons), "26 parameters · 3 → 4 → 2");
  });

  it("a link or lesson off the plane falls back to the default features", () => {
    const clean = sanitize({ ...defaultState(), dataset: "iris", inputFeatures: ["sin_x1"] }, catalogue, defaultState());
    assert.deepEqual(clean.inputFeatures, ["x1", "x2"]);
    const kept = sanitize({ ...defaultState(), inputFeatures: ["sin_x1"] }, catalogue, defaultState());
    assert.deepEqual(kept.inputFeatures, ["sin_x1"]);
  });

  it("a trained run drew other data when its test split differs", () => {
    const setup = setupParams({ ...defaultState(), testFraction: 0.5 });
    const asked = { name: "moons", n_samples: 400, noise: 0.2, seed: 0, test_fraction: 0.5 };
    assert.ok(sameData(setup, asked, false));
    assert.ok(!sameData(setup, { ...asked, test_fraction: 0.25 }, false));
    assert.ok(sameData(setupParams(defaultState()), { ...asked, test_fraction: 0.25 }, false));
  });
});

describe("the form's rules", () => {
  const order = CHOICES.inputFeatures;

  it("toggles a feature in the API's order and never leaves none", () => {
    assert.deepEqual(toggledFeatures(["x2"], "x1", true, order), ["x1", "x2"]);
    assert.deepEqual(toggledFeatures(["x1", "x2"], "x1", false, order), ["x2"]);
    assert.deepEqual(toggledFeatures(["x2"], "x2", false, order), ["x2"]);
    assert.deepEqual(toggledFeatures(["x1"], "sin_x2", true, order), ["x1", "sin_x2"]);
  });

  it("offers Playground's rates within the API's bounds, and a link's own rate", () => {
    assert.deepEqual(rateChoices({ min: 0, max: 10 }, 0.001), REGULARIZATION_RATES);
    assert.deepEqual(rateChoices({ min: 0, max: 1 }, 0.001), [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1]);
    assert.deepEqual(rateChoices({ min: 0, max: 10 }, 0.05).slice(4, 7), [0.03, 0.05, 0.1]);
  });

  it("regenerates with a new seed within the bounds", () => {
    const limit = { min: 0, max: 2147483647 };
    assert.equal(newDataSeed(7, limit, () => 0.5), 50_000);
    assert.equal(newDataSeed(0, limit, () => 0), 1, "never the same seed");
    assert.equal(newDataSeed(3, { min: 0, max: 3 }, () => 0.999), 0);
    for (let k = 0; k < 50; k++) {
      const seed = newDataSeed(1, limit);
      assert.ok(Number.isInteger(seed) && seed >= 0 && seed <= 99_999 && seed !== 1);
    }
  });
});
