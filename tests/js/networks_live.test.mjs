// Live training's pure parts: which setup changes restart a run, the request, the curves
// and the recording a run keeps for its export, the network diagram's geometry and colours.
import "./experiment_kinds.mjs";
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  DIVERGED, MAX_UPDATES, emptyHistory, liveErrorMessage, liveExportRequest, liveRequest, needsReset,
  segmentValues, spreadIndices, thinFrames, updatesPerFrame, withFrame, withSegment,
} from "../../frontend/js/networks/live.js";
import { NEGATIVE, POSITIVE, divergingRgb } from "../../frontend/js/networks/colors.js";
import {
  COLUMN_GAP, LINK_WIDTH, MIN_COLUMN_GAP, MIN_THUMB, THUMB, columnGapFor, diagramLayout, thumbFor, diagramLinks, largestWeight, linkStyle, noDiagramReason, unitPixels, unitScales,
} from "../../frontend/js/networks/network_view.js";
import { defaultState } from "../../frontend/js/networks/state.js";
import { setupParams } from "../../frontend/js/networks/setup.js";

const setupOf = (patch) => setupParams({ ...defaultState(), ...patch });

describe("needsReset: which changes start the run again", () => {
  const base = setupOf({});

  it("keeps the run for the learning rate, the regularization and its rate, and the epochs", () => {
    for (const patch of [{ learningRate: 0.5 }, { regularization: "l2" }, { regularizationRate: 0.1 }, { epochs: 7 },
      { regularization: "l1", regularizationRate: 3, learningRate: 0.001 }]) {
      assert.equal(needsReset(base, setupOf(patch)), false, JSON.stringify(patch));
    }
  });

  it("starts again for anything else: data, features, split, network, optimizer, batch, seeds", () => {
    for (const patch of [{ inputFeatures: ["x1"] }, { testFraction: 0.5 }, { noise: 0.3 }, { dataSeed: 9 },
      { nSamples: 200 }, { dataset: "circles" }, { widths: [4] }, { activation: "relu" }, { batchNorm: true },
      { optimizer: "sgd" }, { batchSize: 8 }, { seed: 3 }, { loss: "softmax_mse" }]) {
      assert.equal(needsReset(base, setupOf(patch)), true, JSON.stringify(patch));
    }
  });

  it("starts a run when there is none", () => {
    assert.equal(needsReset(null, base), true);
  });
});

describe("the request and the speed", () => {
  it("sends the setup, the previous state as it came, and the updates", () => {
    const state = { opaque: [1, 2] };
    assert.deepEqual(liveRequest({ a: 1 }, state, 5), { setup: { a: 1 }, state, updates: 5 });
    assert.deepEqual(liveRequest({ a: 1 }, undefined, 0), { setup: { a: 1 }, state: null, updates: 0 });
  });

  it("trains one epoch a frame by default, within the endpoint's bound", () => {
    assert.equal(updatesPerFrame("1e", 13), 13);
    assert.equal(updatesPerFrame("unknown", 13), 13);
    assert.equal(updatesPerFrame("5e", 13), 65);
    assert.equal(updatesPerFrame("10u", 13), 10);
    assert.equal(updatesPerFrame("5e", 400), MAX_UPDATES);
  });
});

describe("a run's curves and frames", () => {
  const response = (epoch, loss) => ({
    epoch, metrics: { train_loss: loss, test_loss: 2 * loss, train_accuracy: 0.5, test_accuracy: 0.4, penalty: 0, batch_loss: null },
  });

  it("grows the curves one frame at a time", () => {
    let history = emptyHistory(true);
    history = withFrame(history, response(0, 0.7));
    const before = history;
    history = withFrame(history, response(1, 0.5));
    assert.deepEqual(history.epoch, [0, 1]);
    assert.deepEqual(history.train_loss, [0.7, 0.5]);
    assert.deepEqual(history.test_loss, [1.4, 1]);
    assert.deepEqual(history.test_accuracy, [0.4, 0.4]);
    assert.equal(before.epoch.length, 1, "a new history each time");
    assert.ok(!("train_accuracy" in emptyHistory(false)));
  });

  it("spreads kept frames over the whole run, first and last included", () => {
    assert.deepEqual(spreadIndices(5, 10), [0, 1, 2, 3, 4]);
    assert.deepEqual(spreadIndices(11, 3), [0, 5, 10]);
    const frames = Array.from({ length: 500 }, (_, i) => ({ epoch: i }));
    const thin = thinFrames(frames, 60);
    assert.equal(thin.length, 60);
    assert.equal(thin[0].epoch, 0);
    assert.equal(thin.at(-1).epoch, 499);
    const gaps = thin.slice(1).map((f, i) => f.epoch - thin[i].epoch);
    assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, "evenly spread");
  });

  it("records a run as segments: one per stretch of one learning rate and penalty", () => {
    const state = { ...defaultState(), learningRate: 0.01, regularization: "none" };
    const values = segmentValues(state);
    assert.deepEqual(Object.keys(values), ["learning_rate", "regularization", "regularization_rate"]);
    let segments = withSegment([], values, 10);
    segments = withSegment(segments, values, 10); // the same values: the same segment
    segments = withSegment(segments, values, 0); // a look: nothing ran
    assert.deepEqual(segments, [{ updates: 20, ...values }]);
    const faster = segmentValues({ ...state, learningRate: 0.1 });
    segments = withSegment(segments, faster, 3);
    const penalized = segmentValues({ ...state, learningRate: 0.1, regularization: "l2" });
    segments = withSegment(segments, penalized, 5);
    assert.deepEqual(segments.map((s) => [s.updates, s.learning_rate, s.regularization]), [
      [20, 0.01, "none"], [3, 0.1, "none"], [5, 0.1, "l2"],
    ]);
    const body = liveExportRequest({ dataset: "moons" }, segments, "http://lab/networks.html");
    assert.deepEqual(Object.keys(body), ["setup", "segments", "link"]);
  });
});

describe("what the learner is told", () => {
  it("names each refusal", () => {
    assert.match(liveErrorMessage({ status: 409 }), /starts again/);
    assert.match(liveErrorMessage({ status: 422, message: "at most 5,000 parameters" }), /at most 5,000 parameters/);
    assert.match(liveErrorMessage({ status: 429 }), /Too many requests/);
    assert.match(liveErrorMessage({ status: 503 }), /busy/);
    assert.match(liveErrorMessage(new TypeError("Failed to fetch")), /Failed to fetch/);
    assert.match(DIVERGED, /diverged/);
  });
});

describe("the network diagram", () => {
  const grid = (v) => [[v, -v], [v / 2, 0]];
  const network = {
    x: [0, 1], y: [0, 1],
    layers: [
      { name: "features", units: [{ label: "x₁", z: grid(1) }, { label: "x₂", z: grid(0.5) }] },
      { name: "hidden 1", units: [{ z: grid(2) }, { z: grid(-1) }, { z: grid(0.2) }], weights: [[1, -2, 0.5], [-4, 0, 3]], biases: [0, 0, 0] },
      { name: "output", units: [{ label: "class 0", z: [[0, 1], [0.5, 0.25]] }, { label: "class 1", z: [[1, 0], [0.5, 0.75]] }], weights: [[1, 1], [1, 1], [1, -1]], biases: [0, 0] },
    ],
  };

  it("colours a link by its weight's sign and widens it with |weight|", () => {
    assert.equal(linkStyle(2, 4).color, POSITIVE);
    assert.equal(linkStyle(-2, 4).color, NEGATIVE);
    assert.equal(linkStyle(0, 4).width, LINK_WIDTH.min);
    assert.equal(linkStyle(-4, 4).width, LINK_WIDTH.max);
    assert.ok(linkStyle(3, 4).width > linkStyle(-1, 4).width);
    assert.equal(linkStyle(-1, 4).width, linkStyle(1, 4).width, "the sign sets the colour only");
  });

  it("draws every weight from unit i of a layer to unit j of the next, on one scale", () => {
    assert.equal(largestWeight(network.layers), 4);
    const layout = diagramLayout(network.layers);
    const links = diagramLinks(network.layers, layout);
    assert.equal(links.length, 2 * 3 + 3 * 2);
    const link = links.find((l) => l.layer === 1 && l.i === 1 && l.j === 0);
    assert.equal(link.weight, -4);
    assert.equal(link.width, LINK_WIDTH.max);
    assert.equal(link.color, NEGATIVE);
    assert.deepEqual(link.from, [layout.positions[0][1].x + layout.thumb, layout.positions[0][1].y + layout.thumb / 2]);
    assert.deepEqual(link.to, [layout.positions[1][0].x, layout.positions[1][0].y + layout.thumb / 2]);
  });

  it("lays out one column per layer, units stacked and centred, inside its size", () => {
    const layout = diagramLayout(network.layers);
    assert.equal(layout.positions.length, 3);
    assert.deepEqual(layout.positions.map((c) => c.length), [2, 3, 2]);
    const xs = layout.positions.map((c) => c[0].x);
    assert.ok(xs[0] < xs[1] && xs[1] < xs[2]);
    for (const column of layout.positions) {
      for (const { x, y } of column) assert.ok(x >= 0 && y >= 0 && x + layout.thumb <= layout.width && y + layout.thumb <= layout.height);
    }
    const middle = (c) => (c[0].y + c.at(-1).y) / 2;
    assert.equal(middle(layout.positions[0]), middle(layout.positions[1]));
  });

  it("puts every unit on one scale, and reads a class output as a probability", () => {
    const scales = unitScales(network.layers, "classification");
    assert.equal(scales[0](0.5), 0.5);
    assert.equal(scales[1](-1), -1);
    assert.equal(scales[2](0.5), 0, "p = ½ is white");
    assert.equal(scales[2](1), 1);
    assert.equal(unitScales(network.layers, "regression")[2](0.3), 0.3, "a regression output as it is");
  });

  it("narrows the columns' gaps to fit a phone, down to a floor", () => {
    assert.equal(columnGapFor(3, 2000), COLUMN_GAP);
    const gap = columnGapFor(4, 340);
    assert.ok(gap < COLUMN_GAP && gap >= MIN_COLUMN_GAP);
    assert.ok(diagramLayout(Array.from({ length: 4 }, () => ({ units: [{}] })), { columnGap: gap }).width <= 340);
    assert.equal(columnGapFor(6, 200), MIN_COLUMN_GAP);
    assert.equal(columnGapFor(3, 0), COLUMN_GAP, "a hidden box: the usual gap");
  });

  it("makes thumbnails smaller for tall columns, never unreadable", () => {
    assert.equal(thumbFor(2), THUMB);
    assert.ok(thumbFor(16) < THUMB && thumbFor(16) >= MIN_THUMB);
    assert.equal(diagramLayout(network.layers).thumb, THUMB);
  });

  it("paints blue for positive, orange for negative, white at zero, y upwards", () => {
    assert.deepEqual(divergingRgb(0), [255, 255, 255]);
    assert.deepEqual(divergingRgb(1), [0, 114, 178]);
    assert.deepEqual(divergingRgb(-1), [230, 159, 0]);
    assert.deepEqual(divergingRgb(7), divergingRgb(1));
    const { width, height, pixels } = unitPixels([[1, -1], [0, 0]], (v) => v);
    assert.deepEqual([width, height], [2, 2]);
    // z[0] (the lowest y) is the bottom row of the picture.
    assert.deepEqual([...pixels.slice(8, 12)], [0, 114, 178, 255]);
    assert.deepEqual([...pixels.slice(12, 16)], [230, 159, 0, 255]);
    assert.deepEqual([...pixels.slice(0, 4)], [255, 255, 255, 255]);
  });

  it("says why there is no diagram", () => {
    assert.match(noDiagramReason(setupOf({ widths: [32, 8] }), { input_dim: 2 }), /at most 16 neurons.*32/);
    assert.match(noDiagramReason(setupOf({ dataset: "iris" }), { name: "iris", label: "Iris", input_dim: 4 }), /Iris has 4 inputs/);
    assert.match(noDiagramReason(setupOf({ architecture: "cnn" }), { input_dim: 64 }), /CNN/);
  });
});

describe("the standalone page's recorded run", async () => {
  const { liveCurvesFigure, setupRowValues } = await import("../../frontend/js/export/network_page.js");
  const { lessonSettings } = await import("../../frontend/js/networks/lesson_settings.js");

  it("shows the setup's rows for the network it had, worded as the lesson box words them", () => {
    const mlp = setupOf({ inputFeatures: ["x1", "sin_x1"], testFraction: 0.3, regularization: "l2", regularizationRate: 0.03 });
    const rows = Object.fromEntries(setupRowValues(mlp));
    assert.deepEqual(setupRowValues(mlp), lessonSettings({ kind: "train", params: mlp }).setup.map((s) => [s.label, s.value]));
    assert.equal(rows["input features"], "x1, sin x1");
    assert.equal(rows["test split"], "30%");
    assert.equal(rows.regularization, "L2");
    assert.equal(rows["regularization rate"], "0.03");
    assert.equal(rows["hidden widths"], "16 × 16");
    assert.ok(!("depth" in rows));
    const labelled = Object.fromEntries(setupRowValues(mlp, { x1: "x₁", sin_x1: "sin(x₁)" }));
    assert.equal(labelled["input features"], "x₁, sin(x₁)", "the features as the API labels them");
    const linear = Object.fromEntries(setupRowValues(setupOf({ widths: [] })));
    assert.equal(linear["hidden widths"], "none (linear)");
    const cnn = Object.fromEntries(setupRowValues(setupOf({ architecture: "cnn", dataset: "digits", depth: 12, channels: 4, skipConnections: false })));
    assert.deepEqual([cnn.architecture, cnn.depth, cnn.channels, cnn["skip connections"]], ["CNN (ResNet-style)", "12", "4", "off"]);
    assert.ok(!("hidden widths" in cnn) && !("batch norm" in cnn) && !("input features" in cnn));
    const unregularized = Object.fromEntries(setupRowValues(setupOf({ regularization: "none", regularizationRate: 0.03 })));
    assert.equal(unregularized.regularization, "none");
    assert.ok(!("regularization rate" in unregularized), "no rate of a penalty that is not there");
  });

  it("marks the frame's epoch on the whole run's curves", () => {
    const history = { epoch: [0, 1, 2], train_loss: [0.7, 0.5, 0.4], test_loss: [0.8, 0.6, 0.5] };
    const figure = liveCurvesFigure(history, 1);
    assert.equal(figure.data[0].x.length, 3);
    assert.deepEqual([figure.layout.shapes[0].x0, figure.layout.shapes[0].x1], [1, 1]);
  });
});
