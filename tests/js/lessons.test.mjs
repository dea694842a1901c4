import { test } from "node:test";
import assert from "node:assert/strict";
import { LESSONS, lessonById } from "../../frontend/js/lessons.js";
import { lessonPatch } from "../../frontend/js/panels/lessons.js";
import { MAX_RUNS, PALETTE, decodeState, defaultState, encodeState } from "../../frontend/js/state.js";

const OPTIMIZERS = new Set(["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "radam",
  "nadam", "amsgrad", "adamax", "adabelief", "lion", "adadelta"]);
const SURFACES = new Set(["rosenbrock", "beale", "himmelblau", "rastrigin", "ackley", "booth", "goldstein_price",
  "six_hump_camel", "styblinski_tang", "matyas", "saddle", "monkey_saddle", "elongated_quadratic", "w1w2_saddle",
  "sharp_flat", "logits_cross_entropy", "logits_mse"]);
// backend/descentlab/core/schedules.py: SCHEDULES, plus "warmup" (WARMUP_PARAMETERS, with a `then`).
const SCHEDULES = new Set(["exponential_decay", "step", "cosine_decay", "inverse_sqrt", "transformer", "warmup"]);
const STATE_FIELDS = new Set(["surface", "params", "view", "logScale", "start", "steps", "step", "speed", "runs", "inspect"]);

const finite = (v) => typeof v === "number" && Number.isFinite(v);
const isPoint = (v) => Array.isArray(v) && v.length === 2 && v.every(finite);
// Sentence ends: . ! ? (maybe closed by a quote or bracket) before a space or the end.
const sentences = (text) => (text.match(/[.!?]["”)]*(?=\s|$)/g) ?? []).length;

test("there are lessons, with unique ids", () => {
  assert.ok(LESSONS.length >= 3);
  const ids = LESSONS.map((l) => l.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9-]+$/);
});

test("every lesson names a curriculum section 1, 3, 4 or 5, a title and a 2–3 sentence text", () => {
  for (const lesson of LESSONS) {
    const number = Number(/^(\d+)\./.exec(lesson.section)?.[1]);
    assert.ok([1, 3, 4, 5].includes(number), `${lesson.id}: section ${lesson.section}`);
    assert.ok(lesson.section.replace(/^\d+\.\s*/, "").length > 0, `${lesson.id}: section has a name`);
    assert.equal(typeof lesson.title, "string");
    assert.ok(lesson.title.trim().length > 5, lesson.id);
    assert.equal(typeof lesson.text, "string");
    const n = sentences(lesson.text);
    assert.ok(n >= 2 && n <= 3, `${lesson.id}: ${n} sentences`);
  }
});

test("every lesson's state uses known surfaces, optimizers and finite numbers", () => {
  for (const lesson of LESSONS) {
    const { state } = lesson;
    for (const key of Object.keys(state)) assert.ok(STATE_FIELDS.has(key), `${lesson.id}: unknown field ${key}`);
    assert.ok(SURFACES.has(state.surface), `${lesson.id}: surface ${state.surface}`);
    if (state.params !== undefined) {
      for (const [k, v] of Object.entries(state.params)) assert.ok(finite(v), `${lesson.id}: param ${k}`);
    }
    if (state.start !== undefined && state.start !== null) assert.ok(isPoint(state.start), `${lesson.id}: start`);
    if (state.inspect !== undefined && state.inspect !== null) assert.ok(isPoint(state.inspect), `${lesson.id}: inspect`);
    if (state.steps !== undefined) assert.ok(Number.isInteger(state.steps) && state.steps >= 1 && state.steps <= 20000, lesson.id);
    if (state.speed !== undefined) assert.ok(finite(state.speed) && state.speed > 0 && state.speed <= 100, lesson.id);
    if (state.logScale !== undefined) assert.equal(typeof state.logScale, "boolean");
    assert.ok(Array.isArray(state.runs) && state.runs.length >= 1 && state.runs.length <= MAX_RUNS, lesson.id);
    for (const run of state.runs) {
      assert.ok(OPTIMIZERS.has(run.optimizer), `${lesson.id}: optimizer ${run.optimizer}`);
      assert.ok(Object.keys(run.hyper).length > 0, `${lesson.id}: no hyperparameters`);
      for (const [k, v] of Object.entries(run.hyper)) assert.ok(finite(v), `${lesson.id}: ${run.optimizer}.${k} = ${v}`);
      assert.ok(finite(run.hyper.learning_rate) && run.hyper.learning_rate > 0, `${lesson.id}: learning rate`);
      assert.ok(finite(run.noise) && run.noise >= 0, lesson.id);
      assert.ok(Number.isInteger(run.seed) && run.seed >= 0, lesson.id);
      assert.ok(Number.isInteger(run.color) && run.color >= 0 && run.color < PALETTE.length, lesson.id);
      if (run.label !== undefined) assert.ok(typeof run.label === "string" && run.label.length <= 64, lesson.id);
      for (let s = run.schedule; s; s = s.then) {
        assert.ok(SCHEDULES.has(s.name), `${lesson.id}: schedule ${s.name}`);
        for (const [k, v] of Object.entries(s)) if (k !== "name" && k !== "then") assert.ok(finite(v), `${lesson.id}: ${s.name}.${k}`);
      }
    }
    // Two runs sharing a label (or both unlabelled on the same optimizer) would be indistinguishable.
    const names = state.runs.map((r) => r.label ?? r.optimizer);
    assert.equal(new Set(names).size, names.length, `${lesson.id}: runs ${names}`);
  }
});

test("lessonById finds each lesson and nothing else", () => {
  for (const lesson of LESSONS) assert.equal(lessonById(lesson.id), lesson);
  assert.equal(lessonById("no-such-lesson"), undefined);
  assert.equal(lessonById(null), undefined);
});

test("lessonPatch: the lesson's fields, defaults for the rest, and the lesson id", () => {
  const defaults = defaultState();
  for (const lesson of LESSONS) {
    const patch = lessonPatch(lesson);
    assert.equal(patch.lesson, lesson.id);
    for (const key of STATE_FIELDS) {
      assert.ok(key in patch, `${lesson.id}: ${key} missing`);
      const expected = key in lesson.state ? lesson.state[key] : defaults[key];
      assert.deepEqual(patch[key], expected, `${lesson.id}: ${key}`);
    }
    // Nothing from the previous scenario leaks in: e.g. no start/inspect unless the lesson sets one.
    if (!("start" in lesson.state)) assert.equal(patch.start, null);
    if (!("inspect" in lesson.state)) assert.equal(patch.inspect, null);
    assert.equal(patch.step, lesson.state.step ?? 0);
  }
});

test("lessonPatch copies: editing the patch leaves the lesson as it was", () => {
  const lesson = LESSONS[0];
  const before = structuredClone(lesson.state);
  const patch = lessonPatch(lesson);
  patch.runs[0].hyper.learning_rate = 123;
  patch.runs.push({});
  if (patch.start) patch.start[0] = 99;
  assert.deepEqual(lesson.state, before);
});

test("every lesson's state survives encodeState → decodeState", () => {
  for (const lesson of LESSONS) {
    const state = { ...defaultState(), ...lessonPatch(lesson) };
    const query = encodeState(state);
    assert.ok(query.includes(`lesson=${encodeURIComponent(lesson.id)}`), `${lesson.id}: ${query}`);
    assert.deepEqual(decodeState(query), state, lesson.id);
    assert.deepEqual(decodeState(`?${query}`), state, `${lesson.id} with "?"`);
  }
});
