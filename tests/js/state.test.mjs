// The scenario's URL form: encodeState/decodeState round trip and what decoding forgives.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  DEFAULTS, MAX_RUNS, PALETTE, decodeState, defaultState, encodeState, makeRun,
} from "../../frontend/js/state.js";

const query = (entries) => `?${new URLSearchParams(entries).toString()}`;

function richState() {
  return {
    ...defaultState(),
    surface: "elongated_quadratic",
    params: { condition: 250, tilt: -0.5 },
    view: "surface3d",
    logScale: false,
    start: [-1.75, 0.3125],
    steps: 1000,
    step: 437,
    speed: 10,
    runs: [
      makeRun("sgd", { learning_rate: 0.002 }, {
        schedule: {
          name: "warmup", warmup_steps: 50, init_value: 0,
          then: { name: "cosine_decay", decay_steps: 900, alpha: 0.05 },
        },
        noise: 0.25, seed: 7, color: 4, label: "sgd warm cosine", userSet: ["learning_rate"],
      }),
      makeRun("adam", { learning_rate: 0.05, b1: 0.8, b2: 0.995 }, {
        schedule: { name: "exponential_decay", transition_steps: 100, decay_rate: 0.5, transition_begin: 0 },
        color: 3,
      }),
      makeRun("momentum", { learning_rate: 0.001, momentum: 0.9 }, { noise: 1e-3, seed: 123456, color: 7 }),
    ],
    lesson: "ill-conditioning",
    inspect: [0.125, -2.5],
    embed: true,
  };
}

describe("encodeState / decodeState", () => {
  it("round-trips a rich state exactly", () => {
    const state = richState();
    const search = encodeState(state);
    assert.deepEqual(decodeState(search), state);
    assert.deepEqual(decodeState(`?${search}`), state, "a leading ? is accepted too");
  });

  it("round-trips the nested warm-up → cosine schedule", () => {
    const decoded = decodeState(encodeState(richState()));
    assert.deepEqual(decoded.runs[0].schedule, {
      name: "warmup", warmup_steps: 50, init_value: 0,
      then: { name: "cosine_decay", decay_steps: 900, alpha: 0.05 },
    });
    assert.equal(decoded.runs[1].label, undefined, "no label stays no label");
  });

  it("encodes the defaults as a short query holding only the runs", () => {
    const search = encodeState(defaultState());
    assert.deepEqual([...new URLSearchParams(search).keys()], ["r"]);
    assert.ok(search.length < 400, `default query is ${search.length} characters: ${search}`);
    assert.deepEqual(decodeState(search), defaultState());
    assert.deepEqual(decodeState(""), defaultState());
  });

  it("leaves the frozen defaults untouched", () => {
    const state = defaultState();
    state.runs[0].hyper.learning_rate = 99;
    state.params.condition = 3;
    assert.equal(DEFAULTS.runs[0].hyper.learning_rate, 0.001);
    assert.deepEqual(DEFAULTS.params, {});
  });

  it("ignores unknown keys", () => {
    const search = `${encodeState(richState())}&utm_source=mail&foo=%7B%7D&constructor=1&toString=2&__proto__=3`;
    assert.deepEqual(decodeState(search), richState());
    assert.deepEqual(decodeState("?zzz=1&yyy=2&xx=3"), defaultState());
  });

  it("falls back to the defaults for malformed JSON and values", () => {
    const bad = query({
      p: "{not json", v: "sideways", x: "[1, 2, 3]", n: "abc", t: "-5", sp: "0",
      r: "[{\"o\": 5}, \"adam\", null, {\"h\": {}}]", i: "\"centre\"", embed: "yes",
    });
    assert.deepEqual(decodeState(bad), defaultState());
    for (const [key, value] of [
      ["p", "[1, 2]"], ["p", "7"], ["x", "{\"x\": 1}"], ["x", "[\"1\", 2]"], ["n", "0"], ["n", "2.5"],
      ["n", "20001"], ["t", "1.5"], ["sp", "-4"], ["sp", "1000"], ["r", "{\"o\": \"sgd\"}"], ["r", "[]"],
      ["r", "[{"], ["i", "[1]"],
    ]) {
      assert.deepEqual(decodeState(query({ [key]: value })), defaultState(), `${key}=${value}`);
    }
  });

  it("keeps the valid parts next to malformed ones", () => {
    const state = decodeState(query({
      s: "himmelblau", n: "200", t: "9999", x: "[1, 2, 3]",
      r: JSON.stringify([{ o: "adam", h: { learning_rate: 0.1, b1: "high" }, g: -1, seed: 1.5, c: 11, l: 42 }, { o: 3 }]),
    }));
    assert.equal(state.surface, "himmelblau");
    assert.equal(state.steps, 200);
    assert.equal(state.step, 200, "the cursor is clamped to the steps");
    assert.equal(state.start, null);
    assert.deepEqual(state.runs, [makeRun("adam", { learning_rate: 0.1 }, { color: 11 % PALETTE.length })]);
  });

  it("keeps at most MAX_RUNS runs", () => {
    const state = defaultState();
    state.runs = Array.from({ length: MAX_RUNS + 4 }, (_, i) => makeRun("sgd", { learning_rate: 0.001 * (i + 1) }, { color: i % PALETTE.length }));
    const decoded = decodeState(encodeState(state));
    assert.equal(decoded.runs.length, MAX_RUNS);
    assert.deepEqual(decoded.runs, state.runs.slice(0, MAX_RUNS));
  });

  it("drops non-finite numbers", () => {
    // JSON has no NaN or Infinity, but 1e999 parses to Infinity and NaN stringifies to null.
    const decoded = decodeState(query({
      p: "{\"condition\": 1e999, \"tilt\": -1e999, \"scale\": 2, \"bad\": null, \"s\": \"3\"}",
      x: "[1e999, 0]",
      i: "[0, -1e999]",
      sp: "Infinity",
      n: "1e999",
      r: "[{\"o\": \"sgd\", \"h\": {\"learning_rate\": 1e999, \"momentum\": 0.5}, \"g\": 1e999}]",
    }));
    assert.deepEqual(decoded.params, { scale: 2 });
    assert.equal(decoded.start, null);
    assert.equal(decoded.inspect, null);
    assert.equal(decoded.speed, DEFAULTS.speed);
    assert.equal(decoded.steps, DEFAULTS.steps);
    assert.deepEqual(decoded.runs, [makeRun("sgd", { momentum: 0.5 })]);

    const state = defaultState();
    state.params = { condition: Number.NaN, tilt: 1 };
    state.runs = [makeRun("adam", { learning_rate: Number.POSITIVE_INFINITY, b1: 0.9 })];
    const roundTripped = decodeState(encodeState(state));
    assert.deepEqual(roundTripped.params, { tilt: 1 });
    assert.deepEqual(roundTripped.runs, [makeRun("adam", { b1: 0.9 })]);
  });
});
