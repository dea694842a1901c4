// The Networks page's URL form, and reading the setup form's text into checked values.
import "./experiment_kinds.mjs"; // the API's defaults and bounds, as the page loads them
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  DEFAULTS, LIMITS, decodeState, defaultState, encodeState, limitOf, withinLimit,
} from "../../frontend/js/networks/state.js";
import {
  convParameterCount, datasetQuery, firstImageDataset, fittingLoss, imageShape, lossesFor, parameterCount, parseNumber,
  parseWidths, sameData, sanitize, setupErrors, setupParams, startFeatures,
} from "../../frontend/js/networks/setup.js";
import { architectureText } from "../../frontend/js/networks/form.js";

const query = (entries) => `?${new URLSearchParams(entries).toString()}`;

function richState() {
  return {
    ...defaultState(),
    dataset: "iris", nSamples: 1200, noise: 0.35, dataSeed: 7, features: [2, 3], widths: [],
    activation: "relu", batchNorm: true, loss: "softmax_mse", optimizer: "sgd", learningRate: 0.5,
    batchSize: "full", epochs: 120, seed: 42, directions: "random", resolution: 21, span: 0.5,
    margin: 0.1, landscapeView: "surface3d", topK: 3, iterations: 32, probes: 4, experiment: "normalization",
  };
}

/** A CNN on the digits, every network field off its default. */
function cnnState() {
  return {
    ...defaultState(), dataset: "digits", architecture: "cnn", depth: 20, channels: 32, skipConnections: false,
    activation: "relu", directions: "hessian", experiment: "skip_connections", features: [27, 36],
  };
}

describe("encodeState / decodeState", () => {
  it("writes nothing for the defaults, and decodes an empty query to them", () => {
    assert.equal(encodeState(defaultState()), "");
    assert.deepEqual(decodeState(""), defaultState());
  });

  it("round-trips every field", () => {
    const state = richState();
    assert.deepEqual(decodeState(`?${encodeState(state)}`), state);
    for (const widths of [[8], [256, 1, 3, 4]]) {
      const s = { ...defaultState(), widths, batchSize: 4096 };
      assert.deepEqual(decodeState(`?${encodeState(s)}`), s);
    }
  });

  it("round-trips the architecture: a CNN's depth, channels and skips, the Hessian's plane, the skip tab", () => {
    assert.deepEqual([DEFAULTS.architecture, DEFAULTS.depth, DEFAULTS.channels, DEFAULTS.skipConnections], ["mlp", 8, 8, true]);
    const state = cnnState();
    const q = new URLSearchParams(encodeState(state));
    assert.deepEqual(
      ["arch", "dp", "ch", "sk", "dir", "x"].map((k) => q.get(k)),
      ["cnn", "20", "32", "0", "hessian", "skip_connections"],
    );
    assert.deepEqual(decodeState(`?${q}`), state);
    for (const depth of [4, 6, 18]) {
      const s = { ...defaultState(), architecture: "cnn", depth, channels: 2 };
      assert.deepEqual(decodeState(`?${encodeState(s)}`), s);
    }
  });

  it("ignores an odd, too shallow or too deep network, and an unknown architecture", () => {
    for (const dp of ["7", "2", "22", "8.5", "x"]) assert.equal(decodeState(query({ dp })).depth, DEFAULTS.depth, dp);
    for (const ch of ["1", "33", "2.5"]) assert.equal(decodeState(query({ ch })).channels, DEFAULTS.channels, ch);
    assert.equal(decodeState(query({ arch: "transformer" })).architecture, "mlp");
    assert.equal(decodeState(query({ sk: "yes" })).skipConnections, true);
  });

  it("writes only what differs from the defaults, with short keys", () => {
    const q = new URLSearchParams(encodeState({ ...defaultState(), learningRate: 0.1, widths: [8, 4] }));
    assert.deepEqual([...q.keys()].sort(), ["lr", "w"]);
    assert.equal(q.get("w"), "8,4");
  });

  it("ignores unknown keys and out-of-bound or malformed values, keeping the rest", () => {
    const state = decodeState(query({
      lr: "0", ep: "501", n: "19", nz: "abc", w: "16,0", bs: "3", x: "telepathy", act: "swish",
      bn: "yes", f: "1,1,1", res: "62", zzz: "1", d: "moons; drop", epochs: "5", seed: "12",
    }));
    assert.deepEqual(state, { ...defaultState(), seed: 12 });
    assert.deepEqual(decodeState(query({ w: "1,2,3,4,5" })).widths, DEFAULTS.widths);
    assert.deepEqual(decodeState(query({ w: "" })).widths, []);
    assert.equal(decodeState(query({ bs: "full" })).batchSize, "full");
    assert.equal(decodeState(query({ lr: "1e-3" })).learningRate, 0.001);
  });

  it("gives a copy of the defaults that can be changed freely", () => {
    const state = defaultState();
    state.widths.push(99);
    assert.deepEqual(DEFAULTS.widths, [16, 16]);
  });
});

describe("parseWidths / parseNumber", () => {
  it("reads comma- or space-separated widths, an empty text as no hidden layer", () => {
    assert.deepEqual(parseWidths("16, 16"), { value: [16, 16] });
    assert.deepEqual(parseWidths(" 32 8 "), { value: [32, 8] });
    assert.deepEqual(parseWidths(""), { value: [] });
    assert.deepEqual(parseWidths("256,1,2,3"), { value: [256, 1, 2, 3] });
  });

  it("rejects what the API would: words, zero, fractions, too wide, too many layers", () => {
    for (const text of ["abc", "16, x", "0", "2.5", "257", "-4"]) assert.match(parseWidths(text).error, /widths/, text);
    assert.match(parseWidths("1,2,3,4,5").error, /at most 4 hidden layers/);
  });

  it("checks numbers against the API's bounds, open or closed", () => {
    const rate = { min: 0, max: 10, exclusiveMin: true };
    assert.deepEqual(parseNumber("1e-3", rate, "learning rate"), { value: 0.001 });
    assert.equal(parseNumber("0", rate, "learning rate").error, "learning rate must be above 0 and at most 10");
    assert.equal(parseNumber("", rate, "learning rate").error, "learning rate: “” is not a number");
    const epochs = { min: 1, max: 500, integer: true };
    assert.equal(parseNumber("2.5", epochs, "epochs").error, "epochs must be a whole number");
    assert.equal(parseNumber("501", epochs, "epochs").error, "epochs must be at least 1 and at most 500");
    assert.deepEqual(parseNumber("1", epochs, "epochs"), { value: 1 });
  });
});

describe("a depth's bound: even (the stem, two per block, the dense layer)", () => {
  it("takes the step from the API's field (its multiple_of)", () => {
    assert.deepEqual(LIMITS.depth, { min: 4, max: 20, integer: true, exclusiveMin: false, step: 2 });
    assert.equal(limitOf({ name: "setup.depth", type: "integer", minimum: 4 }).step, undefined);
    assert.equal(limitOf({ name: "width", type: "integer", multiple_of: 8 }).step, 8);
    assert.equal(limitOf({ name: "setup.epochs", type: "integer" }).step, undefined);
    assert.ok(withinLimit(8, LIMITS.depth));
    assert.ok(!withinLimit(9, LIMITS.depth));
  });

  it("says an odd depth must be even", () => {
    assert.equal(parseNumber("9", LIMITS.depth, "depth").error, "depth must be even");
    assert.equal(parseNumber("22", LIMITS.depth, "depth").error, "depth must be at least 4 and at most 20");
    assert.deepEqual(parseNumber("12", LIMITS.depth, "depth"), { value: 12 });
    assert.equal(parseNumber("9", { step: 3 }, "n").error, undefined);
    assert.equal(parseNumber("10", { step: 3 }, "n").error, "n must be a multiple of 3");
  });
});

describe("parameterCount", () => {
  it("counts weights and biases per layer, and BN's scale and shift", () => {
    // 2 → 16 → 16 → 2: (2+1)·16 + (16+1)·16 + (16+1)·2
    assert.equal(parameterCount({ inputDim: 2, widths: [16, 16], outputDim: 2, batchNorm: false }), 48 + 272 + 34);
    assert.equal(parameterCount({ inputDim: 2, widths: [16, 16], outputDim: 2, batchNorm: true }), 354 + 64);
    assert.equal(parameterCount({ inputDim: 4, widths: [], outputDim: 3, batchNorm: true }), 15);
  });

  it("counts a ResNet-style CNN's kernels and biases as the API's ConvSpec does", () => {
    // The API's count_params for digits (8 × 8 × 1, 10 classes) at three sizes.
    const digits = { imageShape: [8, 8, 1], outputDim: 10 };
    assert.equal(convParameterCount({ ...digits, depth: 8, channels: 8 }), 3674);
    assert.equal(convParameterCount({ ...digits, depth: 4, channels: 2 }), 126);
    assert.equal(convParameterCount({ ...digits, depth: 20, channels: 8 }), 10682);
  });

  it("describes the network in a line: an MLP's sizes, a CNN's blocks and skips", () => {
    const digits = { name: "digits", task: "classification", input_dim: 64, n_classes: 10, image_shape: [8, 8, 1] };
    const moons = { name: "moons", task: "classification", input_dim: 2, n_classes: 2 };
    assert.equal(architectureText(defaultState(), moons), "354 parameters · 2 → 16 → 16 → 2");
    assert.equal(
      architectureText({ ...defaultState(), architecture: "cnn", skipConnections: false }, digits),
      "3,674 parameters · 8×8×1 image → stem conv → 3 blocks of 2 convs, 8 channels, without skips → pool → 10",
    );
    assert.match(architectureText({ ...defaultState(), architecture: "cnn", depth: 4 }, digits), /→ 1 block of 2 convs, 8 channels, with skips/);
  });
});

describe("the setup's request body and checks", () => {
  const moons = { name: "moons", task: "classification", input_dim: 2, n_classes: 2, fixed_size: false };
  const regression = { name: "regression", task: "regression", input_dim: 2, n_classes: 0, fixed_size: false };
  const iris = { name: "iris", task: "classification", input_dim: 4, n_classes: 3, fixed_size: true };
  const digits = { name: "digits", label: "digits", task: "classification", input_dim: 64, n_classes: 10, fixed_size: true, image_shape: [8, 8, 1] };
  const catalogue = {
    datasets: new Map([moons, regression, iris, digits].map((d) => [d.name, d])),
    optimizers: new Map([["adam", {}], ["sgd", {}]]),
  };

  it("offers only the losses that fit the task", () => {
    assert.deepEqual(lossesFor("classification").map((l) => l.name), ["cross_entropy", "softmax_mse"]);
    assert.deepEqual(lossesFor("regression").map((l) => l.name), ["mse"]);
    assert.equal(fittingLoss("cross_entropy", "regression"), "mse");
    assert.equal(fittingLoss("softmax_mse", "classification"), "softmax_mse");
  });

  it("builds NetworkSetupParams in the API's names; a full batch is the largest it takes", () => {
    const body = setupParams(richState());
    assert.deepEqual(body, {
      dataset: "iris", n_samples: 1200, noise: 0.35, data_seed: 7, architecture: "mlp", widths: [], activation: "relu",
      batch_norm: true, loss: "softmax_mse", optimizer: "sgd", learning_rate: 0.5, batch_size: "full",
      epochs: 120, seed: 42,
    });
  });

  it("sends a CNN's depth, channels and skips, and not an MLP's widths or batch norm", () => {
    const body = setupParams({ ...cnnState(), batchNorm: true });
    assert.deepEqual(
      [body.architecture, body.depth, body.channels, body.skip_connections, body.dataset],
      ["cnn", 20, 32, false, "digits"],
    );
    assert.ok(!("widths" in body) && !("batch_norm" in body));
    assert.ok(!("depth" in setupParams(defaultState())), "an MLP is sent without a CNN's fields");
  });

  it("knows which data a CNN reads: images only", () => {
    assert.deepEqual(imageShape(digits), [8, 8, 1]);
    assert.deepEqual(imageShape({ name: "upload", image_shape: [4, 4, 3] }), [4, 4, 3]); // the API's word
    assert.equal(imageShape(moons), null);
    assert.equal(imageShape(undefined), null);
    assert.equal(firstImageDataset(catalogue.datasets), digits);
    assert.deepEqual(setupErrors(cnnState(), digits), []);
    const [table] = setupErrors({ ...cnnState(), dataset: "moons" }, moons);
    assert.match(table, /a CNN reads images and moons is a table/);
  });

  it("gives a CNN on a table the image data (or, with none, an MLP)", () => {
    const defaults = defaultState();
    const clean = sanitize({ ...defaults, architecture: "cnn", dataset: "moons", loss: "mse" }, catalogue, defaults);
    assert.deepEqual([clean.architecture, clean.dataset, clean.loss], ["cnn", "digits", "cross_entropy"]);
    const noImages = { ...catalogue, datasets: new Map([["moons", moons]]) };
    assert.equal(sanitize({ ...defaults, architecture: "cnn" }, noImages, defaults).architecture, "mlp");
    assert.deepEqual(sanitize(cnnState(), catalogue, defaults), cnnState());
  });

  it("starts an image's data plot at two pixels by its centre, not its blank corner", () => {
    assert.deepEqual(startFeatures(digits), [27, 36]); // pixels (4, 4) and (5, 5) of 8 × 8
    assert.deepEqual(startFeatures({ name: "rgb", image_shape: [4, 4, 3] }), [15, 30]);
    assert.deepEqual(startFeatures(iris), [0, 1]);
    const defaults = defaultState();
    assert.deepEqual(sanitize({ ...defaults, dataset: "digits" }, catalogue, defaults).features, [27, 36]);
    assert.deepEqual(sanitize({ ...defaults, dataset: "digits", features: [8, 9] }, catalogue, defaults).features, [8, 9]);
  });

  it("says when samples × epochs exceed the API's budget or the loss does not fit", () => {
    assert.deepEqual(setupErrors(defaultState(), moons), []);
    const [budget] = setupErrors({ ...defaultState(), nSamples: 4000, epochs: 51 }, moons);
    assert.match(budget, /samples × epochs must be at most 200,000 \(4000 × 51\)/);
    assert.match(setupErrors(defaultState(), regression)[0], /cross_entropy does not fit a regression dataset/);
  });

  it("sanitizes a URL's state against the catalogue", () => {
    const defaults = defaultState();
    const clean = sanitize({ ...defaults, dataset: "mnist", optimizer: "magic", loss: "mse", features: [0, 3] }, catalogue, defaults);
    assert.deepEqual([clean.dataset, clean.optimizer, clean.loss, clean.features], ["moons", "adam", "cross_entropy", [0, 1]]);
    const irisState = sanitize({ ...defaults, dataset: "iris", features: [3, 2] }, catalogue, defaults);
    assert.deepEqual(irisState.features, [3, 2]);
    assert.equal(sanitize({ ...defaults, dataset: "regression" }, catalogue, defaults).loss, "mse");
  });

  it("knows when a trained setup drew the data the page shows", () => {
    const setup = setupParams(defaultState());
    const shown = datasetQuery(defaultState());
    assert.ok(sameData(setup, shown, false));
    assert.ok(!sameData(setup, { ...shown, noise: 0.3 }, false));
    assert.ok(sameData(setup, { ...shown, noise: 0.3 }, true), "fixed-size data ignore the noise");
    assert.ok(!sameData(setup, { ...shown, seed: 1 }, true));
    assert.ok(!sameData(null, shown, false));
  });
});
