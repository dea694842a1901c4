// What a network lesson's box says its experiment runs: the experiment's own lists, and the
// training setup without the fields those lists replace (no single η beside rates that ran).
import "./experiment_kinds.mjs"; // the API's kinds, with each one's per-run setup fields
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { lessonSettings, settingsText } from "../../frontend/js/networks/lesson_settings.js";

const SETUP = {
  dataset: "moons", n_samples: 400, noise: 0.2, data_seed: 0, widths: [16, 16], activation: "relu",
  batch_norm: false, loss: "cross_entropy", optimizer: "sgd", learning_rate: 0.01, batch_size: 32, epochs: 30, seed: 0,
};
const labels = (list) => list.map((s) => s.label);

describe("lesson settings", () => {
  it("says a train lesson trains its setup, with no experiment params of its own", () => {
    const params = { ...SETUP, dataset: "circles", widths: [], features: ["x1_squared", "x2_squared"] };
    const settings = lessonSettings({ kind: "train", params }, { x1_squared: "x₁²", x2_squared: "x₂²" });
    assert.deepEqual(settings.experiment, []);
    assert.equal(settings.setup.length, Object.keys(params).length);
    const text = settingsText(settings);
    assert.match(text, /^Network trained: dataset circles · /);
    assert.match(text, /hidden widths none \(linear\)/);
    assert.match(text, /input features x₁², x₂²/);
    const plain = settingsText(lessonSettings({ kind: "train", params: { ...params, regularization: "none", regularization_rate: 0.001 } }));
    assert.match(plain, /regularization none/);
    assert.doesNotMatch(plain, /regularization rate/, "no rate of a penalty that is not there");
    const l2 = settingsText(lessonSettings({ kind: "train", params: { ...params, regularization: "l2", regularization_rate: 0.003 } }));
    assert.match(l2, /regularization L2 · regularization rate 0\.003/);
  });

  it("names the normalization lesson's learning rates and both batch-norm settings, not the setup's η", () => {
    const settings = lessonSettings({
      kind: "normalization",
      params: { feature_scale: 10, steps: 100, learning_rates: [0.1, 3], slice_learning_rate: 0.1, setup: SETUP },
    });
    const text = settingsText(settings);
    assert.match(text, /learning rates η 0\.1, 3/);
    assert.match(text, /batch norm with and without/);
    assert.doesNotMatch(text, /learning rate η 0\.01/);
    assert.ok(!labels(settings.setup).includes("learning rate η"));
    assert.match(text, /hidden widths 16 × 16 · activation relu/);
  });

  it("lists batch sizes (\"full\": the full set) in place of the setup's one batch size", () => {
    const settings = lessonSettings({ kind: "batch_size", params: { batch_sizes: [1, 8, 64, "full"], setup: { ...SETUP, learning_rate: 0.1 } } });
    assert.deepEqual(settings.experiment, [{ label: "batch sizes", value: "1, 8, 64, full" }]);
    assert.ok(!labels(settings.setup).includes("batch size"));
    assert.ok(settings.setup.some((s) => s.label === "learning rate η" && s.value === "0.1"));
  });

  it("names a CNN's depth, channels and skips, not the MLP's widths it never had", () => {
    const cnn = { ...SETUP, architecture: "cnn", depth: 20, channels: 8, skip_connections: true };
    const settings = lessonSettings({ kind: "skip_connections", params: { seeds: 2, slice_samples: 256, setup: cnn } });
    const text = settingsText(settings);
    assert.match(text, /architecture CNN \(ResNet-style\) · depth 20 · channels 8/);
    assert.match(text, /skip connections with and without/); // the API's per-run words
    assert.match(text, /init seed 0 and the next, one per pair/);
    assert.match(text, /samples per slice point 256/);
    assert.ok(!labels(settings.setup).includes("hidden widths"));
    assert.ok(!labels(settings.setup).includes("batch norm"));
    const mlp = lessonSettings({ kind: "hessian", params: { setup: { ...SETUP, architecture: "mlp", depth: 8, channels: 8 } } });
    assert.ok(!labels(mlp.setup).includes("depth"));
    assert.ok(labels(mlp.setup).includes("hidden widths"));
  });

  it("lists architectures in place of the setup's widths, and an experiment without a network alone", () => {
    const ratio = lessonSettings({ kind: "minimum_ratio", params: { widths: [[4], [6, 6]], seeds: 6, setup: SETUP } });
    assert.equal(ratio.experiment[0].value, "4; 6 × 6");
    assert.ok(!labels(ratio.setup).includes("hidden widths"));
    const losses = lessonSettings({ kind: "loss_comparison", params: { start: [-8, 8], optimizer: "sgd", learning_rate: 1 } });
    assert.deepEqual(losses.setup, []);
    assert.equal(settingsText(losses), "start (-8, 8) · optimizer sgd · learning rate η 1.");
  });

  it("names the Playground fields: input features, test split, regularization", () => {
    const setup = { ...SETUP, features: ["x1", "x2", "sin_x1"], test_fraction: 0.3, regularization: "l2", regularization_rate: 0.03 };
    const text = settingsText(lessonSettings({ kind: "hessian", params: { setup } }));
    assert.match(text, /input features x1, x2, sin x1/);
    assert.match(text, /test split 30%/);
    assert.match(text, /regularization L2 · regularization rate 0\.03/);
    const cnn = lessonSettings({ kind: "hessian", params: { setup: { ...setup, architecture: "cnn" } } });
    assert.ok(!labels(cnn.setup).includes("input features"), "a CNN reads its image");
  });
});
