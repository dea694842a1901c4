// The lessons' pure pieces: curriculum order, sections, the next lesson across pages, and
// the page state a lesson (as GET /api/lessons/{id} serves it) opens on either page.
import "./experiment_kinds.mjs"; // the API's defaults and bounds, as the page loads them
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  LAB_FIELDS, SETUP_FIELDS, compareLessons, getLesson, getLessons, inCurriculumOrder, lessonPatch,
  networksPatch, nextLesson, pageOf, place, sections, setupPatch, shareQuery,
} from "../../frontend/js/lessons.js";
import {
  DEFAULTS as NETWORK_DEFAULTS, decodeState as decodeNetworks, encodeState as encodeNetworks,
} from "../../frontend/js/networks/state.js";
import { decodeState, defaultState, encodeState, makeRun } from "../../frontend/js/state.js";

const summary = (id, section, url, title = id) => ({
  id, title, section, section_title: `Section ${section.split(".")[0]}`, summary: `${title}.`, url,
});

// Shuffled on purpose: "1.10" sorts after "1.2", and sections by number.
const LIST = [
  summary("bn", "6.1", "/networks.html?lesson=bn"),
  summary("ten", "1.10", "/?lesson=ten"),
  summary("saddle", "1.1", "/?lesson=saddle"),
  summary("ratio", "1.2", "/networks.html?lesson=ratio"),
  summary("valley", "4.1", "/?lesson=valley"),
];

// A 2-D lesson in the API's form: every state field given, runs with null labels.
const SURFACE_LESSON = {
  ...summary("warmup", "4.4", "/?lesson=warmup", "Warm-up"),
  explanation: "Two. Sentences.",
  scenario: {
    kind: "surface",
    state: {
      surface: "rosenbrock", params: {}, view: "contour", logScale: true, start: null, steps: 500, speed: 4,
      inspect: [0.5, -0.25],
      runs: [
        {
          optimizer: "rmsprop", hyper: { learning_rate: 0.03, decay: 0.999 }, noise: 0, seed: 0, color: 4,
          label: "no warm-up", schedule: { name: "cosine_decay", decay_steps: 500, alpha: 0, exponent: 1 },
        },
        { optimizer: "sgd", hyper: { learning_rate: 0.001 }, schedule: null, noise: 0.5, seed: 3, color: 2, label: null },
      ],
    },
  },
};

const NETWORK_LESSON = {
  ...summary("small-vs-large-batch", "2.2", "/networks.html?lesson=small-vs-large-batch"),
  explanation: "Two. Sentences.",
  scenario: {
    kind: "network",
    state: {
      dataset: "moons", nSamples: 400, noise: 0.3, dataSeed: 0, widths: [16, 16], activation: "tanh",
      batchNorm: false, loss: "cross_entropy", optimizer: "sgd", learningRate: 0.1, batchSize: "full", epochs: 30, seed: 0,
    },
    experiment: { kind: "batch_size", params: { batch_sizes: [1, 8, 64, "full"], setup: { n_samples: 400 } } },
  },
};

test("place reads 'section.position' as numbers; anything else sorts last", () => {
  assert.deepEqual(place({ section: "4.2" }), [4, 2]);
  assert.deepEqual(place({ section: "1.10" }), [1, 10]);
  assert.deepEqual(place({ section: "x" }), [Infinity, Infinity]);
  assert.deepEqual(place({}), [Infinity, Infinity]);
  assert.ok(compareLessons({ section: "1.2" }, { section: "1.10" }) < 0);
  assert.ok(compareLessons({ section: "2.1" }, { section: "1.10" }) > 0);
});

test("inCurriculumOrder sorts by section then position and leaves its input alone", () => {
  const before = structuredClone(LIST);
  assert.deepEqual(inCurriculumOrder(LIST).map((l) => l.id), ["saddle", "ratio", "ten", "valley", "bn"]);
  assert.deepEqual(LIST, before);
});

test("sections group the lessons under their section's number and title, in order", () => {
  const groups = sections(LIST);
  assert.deepEqual(groups.map((g) => [g.number, g.title]), [[1, "Section 1"], [4, "Section 4"], [6, "Section 6"]]);
  assert.deepEqual(groups[0].lessons.map((l) => l.id), ["saddle", "ratio", "ten"]);
  assert.deepEqual(sections([]), []);
});

test("nextLesson follows curriculum order across pages and ends with null", () => {
  assert.equal(nextLesson(LIST, "saddle").id, "ratio"); // 2-D lab → Networks page
  assert.equal(nextLesson(LIST, "ratio").id, "ten"); // Networks page → 2-D lab
  assert.equal(nextLesson(LIST, "ten").id, "valley"); // across sections
  assert.equal(nextLesson(LIST, "bn"), null);
  assert.equal(nextLesson(LIST, "no-such-lesson"), null);
  assert.equal(nextLesson([], "saddle"), null);
});

test("pageOf tells the 2-D lab's lessons from the Networks page's", () => {
  assert.equal(pageOf({ url: "/?lesson=saddle" }), "lab");
  assert.equal(pageOf({ url: "/networks.html?lesson=bn" }), "networks");
  assert.equal(pageOf(SURFACE_LESSON), "lab");
  assert.equal(pageOf(NETWORK_LESSON), "networks");
});

test("lessonPatch: the lesson's state, the lab's runs (no null labels) and the lesson's id", () => {
  const patch = lessonPatch(SURFACE_LESSON);
  assert.deepEqual(Object.keys(patch).sort(), [...LAB_FIELDS, "lesson"].sort());
  assert.equal(patch.lesson, "warmup");
  assert.equal(patch.step, 0); // the animation starts at the beginning
  assert.deepEqual(patch.inspect, [0.5, -0.25]);
  assert.equal(patch.start, null);
  assert.deepEqual(patch.runs, [
    makeRun("rmsprop", { learning_rate: 0.03, decay: 0.999 }, {
      color: 4, label: "no warm-up", schedule: { name: "cosine_decay", decay_steps: 500, alpha: 0, exponent: 1 },
    }),
    makeRun("sgd", { learning_rate: 0.001 }, { color: 2, noise: 0.5, seed: 3 }),
  ]);
  assert.ok(!("label" in patch.runs[1]));
});

test("lessonPatch: fields a lesson leaves out take the lab's defaults, so nothing leaks in", () => {
  const partial = structuredClone(SURFACE_LESSON);
  delete partial.scenario.state.inspect;
  delete partial.scenario.state.speed;
  delete partial.scenario.state.params;
  const patch = lessonPatch(partial);
  const defaults = defaultState();
  assert.equal(patch.inspect, null);
  assert.equal(patch.speed, defaults.speed);
  assert.deepEqual(patch.params, {});
});

test("lessonPatch copies: editing the patch leaves the lesson as it was", () => {
  const before = structuredClone(SURFACE_LESSON);
  const patch = lessonPatch(SURFACE_LESSON);
  patch.runs[0].hyper.learning_rate = 123;
  patch.runs[0].schedule.decay_steps = 1;
  patch.inspect[0] = 99;
  assert.deepEqual(SURFACE_LESSON, before);
});

test("a 2-D lesson's state survives the lab's URL: encodeState → decodeState", () => {
  const state = { ...defaultState(), ...lessonPatch(SURFACE_LESSON) };
  const query = encodeState(state);
  assert.ok(query.includes("lesson=warmup"), query);
  assert.deepEqual(decodeState(query), state);
});

test("networksPatch: the setup fields, the experiment's tab and the lesson itself", () => {
  const patch = networksPatch(NETWORK_LESSON);
  assert.equal(patch.experiment, "batch_size");
  assert.equal(patch.lesson, NETWORK_LESSON);
  assert.equal(patch.batchSize, "full"); // the API's word for the whole training set
  assert.equal(patch.learningRate, 0.1);
  assert.deepEqual(patch.features, NETWORK_DEFAULTS.features); // not set by the lesson: the default
  for (const field of SETUP_FIELDS) assert.ok(field in patch, field);
  patch.widths.push(3);
  assert.deepEqual(NETWORK_LESSON.scenario.state.widths, [16, 16]); // a copy
});

test("a network lesson's setup survives the Networks page's URL", () => {
  const { lesson, ...patch } = networksPatch(NETWORK_LESSON);
  assert.equal(lesson.id, "small-vs-large-batch");
  const state = { ...structuredClone(NETWORK_DEFAULTS), ...patch };
  assert.deepEqual(decodeNetworks(encodeNetworks(state)), state);
});

test("setupPatch: a preset's fields over the page's defaults, nothing else", () => {
  const patch = setupPatch({ dataset: "iris", features: [2, 3], batchSize: 8 });
  assert.deepEqual(Object.keys(patch).sort(), [...SETUP_FIELDS].sort());
  assert.equal(patch.dataset, "iris");
  assert.deepEqual(patch.features, [2, 3]);
  assert.equal(patch.batchSize, 8);
  assert.equal(patch.epochs, NETWORK_DEFAULTS.epochs);
});

test("getLessons and getLesson ask the API, with the tab's client id, and report its problems", async () => {
  const asked = [];
  const original = globalThis.fetch;
  globalThis.fetch = async (path, init) => {
    asked.push([path, init.headers]);
    if (path.endsWith("/missing")) {
      return new Response(JSON.stringify({ status: 404, detail: "no lesson 'missing'" }), { status: 404 });
    }
    return new Response(JSON.stringify(path === "/api/lessons" ? LIST : SURFACE_LESSON), { status: 200 });
  };
  try {
    assert.deepEqual(await getLessons(), LIST);
    assert.deepEqual(await getLesson("warmup"), SURFACE_LESSON);
    await assert.rejects(getLesson("missing"), /no lesson 'missing'/);
    assert.deepEqual(asked.map(([path]) => path), ["/api/lessons", "/api/lessons/warmup", "/api/lessons/missing"]);
    for (const [, headers] of asked) assert.match(headers["X-Client-Id"], /^[0-9a-f-]{32,36}$/);
  } finally {
    globalThis.fetch = original;
  }
});

test("shareQuery: an unchanged lesson is linked by its id, without the step unless asked", () => {
  const state = { ...defaultState(), ...lessonPatch(SURFACE_LESSON), step: 304 };
  assert.equal(shareQuery(state, SURFACE_LESSON), "lesson=warmup");
  assert.equal(shareQuery(state, SURFACE_LESSON, { embed: true }), "lesson=warmup&embed=1");
  assert.equal(shareQuery(state, SURFACE_LESSON, { withStep: true }), "lesson=warmup&t=304");
  // Another playback speed is still the lesson.
  assert.equal(shareQuery({ ...state, speed: 25 }, SURFACE_LESSON), "lesson=warmup");
});

test("shareQuery: an edited lesson or free play carries the whole scenario, at step 0 unless asked", () => {
  const lessonState = { ...defaultState(), ...lessonPatch(SURFACE_LESSON), step: 304 };
  const edited = { ...lessonState, start: [0.5, 0.5] };
  const query = new URLSearchParams(shareQuery(edited, SURFACE_LESSON, { embed: true }));
  assert.deepEqual(JSON.parse(query.get("x")), [0.5, 0.5]);
  assert.ok(query.has("r"), "the runs travel with an edited scenario");
  assert.equal(query.get("t"), null, "no step unless asked");
  assert.equal(query.get("embed"), "1");
  const back = decodeState(`?${shareQuery(edited, SURFACE_LESSON, { withStep: true })}`);
  assert.equal(back.step, 304);
  assert.deepEqual(back.start, [0.5, 0.5]);
  // Free play (no lesson loaded): the scenario.
  const free = new URLSearchParams(shareQuery({ ...defaultState(), step: 12 }, null));
  assert.ok(free.has("r") && !free.has("lesson") && !free.has("t"));
});
