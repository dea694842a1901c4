// The standalone pages' pure parts (frontend/js/export/*.js) and the lab's request for
// POST /api/export (frontend/js/panels/downloads.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { readExport } from "../../frontend/js/export/common.js";
import { fieldValues } from "../../frontend/js/export/network_page.js";
import { analysisOf, labState } from "../../frontend/js/export/surface_page.js";
import { EXPERIMENTS } from "../../frontend/js/networks/experiments/index.js";
import { exportRequest } from "../../frontend/js/panels/downloads.js";
import { defaultState, makeRun } from "../../frontend/js/state.js";

// A 2-D scenario as a lesson's scenario.state holds it (the API's form: labels may be null).
const SCENARIO = {
  surface: "w1w2_saddle", params: {}, view: "contour", logScale: false, start: [0, 0], steps: 300, speed: 4,
  inspect: [0, 0],
  runs: [
    { optimizer: "sgd", hyper: { learning_rate: 0.05 }, schedule: null, noise: 0, seed: 0, color: 0, label: null },
    { optimizer: "sgd", hyper: { learning_rate: 0.05 }, schedule: null, noise: 0.1, seed: 1, color: 1, label: "noisy" },
  ],
};

describe("labState", () => {
  it("is the lab's state for the scenario, at step 0", () => {
    const state = labState(SCENARIO);
    assert.equal(state.surface, "w1w2_saddle");
    assert.equal(state.steps, 300);
    assert.equal(state.step, 0);
    assert.deepEqual(state.inspect, [0, 0]);
    assert.deepEqual(state.runs[0], makeRun("sgd", { learning_rate: 0.05 }, { color: 0 }));
    assert.equal("label" in state.runs[0], false); // a null label: named after the optimizer
    assert.equal(state.runs[1].label, "noisy");
    assert.equal(state.runs[1].noise, 0.1);
    assert.deepEqual(Object.keys(state).sort(), Object.keys(defaultState()).sort());
  });

  it("does not share the scenario's objects", () => {
    const state = labState(SCENARIO);
    state.runs[0].hyper.learning_rate = 1;
    state.inspect[0] = 5;
    assert.equal(SCENARIO.runs[0].hyper.learning_rate, 0.05);
    assert.deepEqual(SCENARIO.inspect, [0, 0]);
  });
});

describe("analysisOf", () => {
  const analyses = [{ point: [0, 0], kind: "saddle" }, { point: [0.2828427, 0.2828427], kind: "not_critical" }];

  it("finds the analysis of a point, within the inspector's tolerance", () => {
    assert.equal(analysisOf(analyses, [0, 0]).kind, "saddle");
    assert.equal(analysisOf(analyses, [0.2828427 + 1e-12, 0.2828427]).kind, "not_critical");
  });

  it("is null for a point nobody analysed, and for none", () => {
    assert.equal(analysisOf(analyses, [0.1, 0]), null);
    assert.equal(analysisOf(analyses, null), null);
    assert.equal(analysisOf([], [0, 0]), null);
  });
});

describe("fieldValues", () => {
  const batchSize = EXPERIMENTS.find((e) => e.kind === "batch_size");

  it("reads each editable field from the exported params, by its dotted path", () => {
    assert.deepEqual(fieldValues(batchSize, { setup: { epochs: 7, learning_rate: 2 } }), [["epochs", 7], ["η", 2]]);
    assert.deepEqual(fieldValues(batchSize, { setup: { epochs: 7 } }), [["epochs", 7], ["η", undefined]]);
  });
});

describe("readExport", () => {
  it("parses the page's JSON element", () => {
    const doc = { getElementById: (id) => (id === "descentlab-export" ? { textContent: "{\"kind\":\"surface\"}" } : null) };
    assert.deepEqual(readExport(doc), { kind: "surface" });
    assert.throws(() => readExport({ getElementById: () => null }), /not written by descentlab export/);
  });
});

describe("exportRequest", () => {
  it("sends the scenario's fields in the API's form and a link back", () => {
    const state = { ...defaultState(), step: 42, lesson: null, embed: true };
    const body = exportRequest(state, "http://127.0.0.1:8000/?s=beale");
    assert.deepEqual(Object.keys(body.state).sort(),
      ["hmap", "inspect", "logScale", "params", "runs", "speed", "start", "steps", "surface", "view"]);
    assert.equal(body.state.hmap, null); // no map open
    assert.equal(body.link, "http://127.0.0.1:8000/?s=beale");
    assert.ok(body.state.runs.every((run) => run.label === null)); // required by the schema
    const labelled = exportRequest({ ...state, runs: [makeRun("adam", {}, { label: "fast" })] }, null);
    assert.equal(labelled.state.runs[0].label, "fast");
  });
});
