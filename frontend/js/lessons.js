// The curriculum's lessons as the API serves them (GET /api/lessons: summaries in
// curriculum order; GET /api/lessons/{id}: the whole lesson, with the scenario it opens),
// and what the pages do with them: order, sections, the next lesson, the page state a
// lesson opens, and the small DOM pieces both pages show. Importing needs no DOM: only the
// fetches and the two `*Nodes`/`fill*` builders touch the browser, and only when called.

import { requestJSON } from "./api.js";
import { DEFAULTS as NETWORK_DEFAULTS } from "./networks/state.js";
import { defaultState, encodeState, makeRun } from "./state.js";

const getJSON = (path) => requestJSON(path);

/** Every lesson's summary {id, title, section, section_title, summary, url}. */
export const getLessons = () => getJSON("/api/lessons");
/** The whole lesson, with its `explanation` and `scenario`. */
export const getLesson = (id) => getJSON(`/api/lessons/${encodeURIComponent(id)}`);

// --- order and navigation ----------------------------------------------------------------

/** [section, position] of "4.2"; anything unreadable sorts last. */
export function place(lesson) {
  const match = /^(\d+)\.(\d+)$/.exec(lesson?.section ?? "");
  return match ? [Number(match[1]), Number(match[2])] : [Infinity, Infinity];
}

export function compareLessons(a, b) {
  const [pa, pb] = [place(a), place(b)];
  return pa[0] - pb[0] || pa[1] - pb[1] || 0;
}

/** A copy of `lessons` in curriculum order (the API's order already; this does not trust it). */
export const inCurriculumOrder = (lessons) => [...lessons].sort(compareLessons);

/** The lessons grouped by curriculum section, in order: [{number, title, lessons}]. */
export function sections(lessons) {
  const groups = [];
  for (const lesson of inCurriculumOrder(lessons)) {
    const [number] = place(lesson);
    if (groups.at(-1)?.number !== number) groups.push({ number, title: lesson.section_title, lessons: [] });
    groups.at(-1).lessons.push(lesson);
  }
  return groups;
}

/** The lesson after `id` in curriculum order (on whichever page), or null at the end. */
export function nextLesson(lessons, id) {
  const ordered = inCurriculumOrder(lessons);
  const index = ordered.findIndex((lesson) => lesson.id === id);
  return index >= 0 && index + 1 < ordered.length ? ordered[index + 1] : null;
}

/** Which page opens a lesson: "lab" (the 2-D lab, "/?lesson=…") or "networks". */
export function pageOf(lesson) {
  const path = lesson.url.split(/[?#]/)[0];
  return path.endsWith("/networks.html") ? "networks" : "lab";
}

// --- the page state a lesson opens -------------------------------------------------------

// The 2-D lab's fields a lesson sets; those it leaves out go back to their defaults, so
// nothing from the previous scenario (a start point, an inspected point) leaks into it.
export const LAB_FIELDS = ["surface", "params", "view", "logScale", "start", "steps", "step", "speed", "runs", "inspect", "hmap", "anatomy"];
// The Networks page's fields a lesson (or a setup preset) sets: the training setup. The
// landscape and Hessian settings stay as they are.
export const SETUP_FIELDS = [
  "dataset", "nSamples", "noise", "dataSeed", "testFraction", "features", "inputFeatures", "architecture", "widths",
  "depth", "channels", "skipConnections", "activation", "batchNorm", "loss", "optimizer", "learningRate",
  "regularization", "regularizationRate", "batchSize", "epochs", "seed",
];

/** A run as the lab keeps it (`makeRun`), from a lesson's run (its null label left out). */
function labRun(run) {
  const extra = { schedule: run.schedule ?? null, noise: run.noise ?? 0, seed: run.seed ?? 0, color: run.color ?? 0 };
  if (run.label) extra.label = run.label;
  return makeRun(run.optimizer, run.hyper, extra);
}

/** The lab's store patch that opens a 2-D `lesson` (as GET /api/lessons/{id} serves it). */
export function lessonPatch(lesson) {
  const defaults = defaultState();
  const state = structuredClone(lesson.scenario.state);
  const patch = Object.fromEntries(LAB_FIELDS.map((key) => [key, key in state ? state[key] : defaults[key]]));
  patch.params ??= {};
  patch.runs = (state.runs ?? defaults.runs).map(labRun);
  return { ...patch, lesson: lesson.id };
}

/**
 * The cursor a lesson link asks for ("t=", from "Copy link" at this step): {step} within
 * the lesson's own step count (not the lab's default one), or {} for none or a bad value.
 */
export function lessonStep(lesson, t) {
  const step = Number(t);
  if (t === null || t === "" || !Number.isInteger(step) || step < 0) return {};
  return { step: Math.min(step, lessonPatch(lesson).steps) };
}

/** Whether `state` still shows `lesson` as it opens (the cursor and the speed aside). */
export function showsLesson(state, lesson) {
  if (!lesson || state.lesson !== lesson.id) return false;
  const patch = lessonPatch(lesson);
  return LAB_FIELDS.filter((key) => key !== "step" && key !== "speed")
    .every((key) => JSON.stringify(patch[key]) === JSON.stringify(state[key]));
}

/**
 * The query string of a link (or an embed, `embed`) to what the lab shows. An unchanged
 * lesson is named by its id, so the link follows the lesson when it is improved; anything
 * else carries the whole scenario. The cursor goes in only when asked (`withStep`): a
 * link otherwise opens at the start, playing.
 */
export function shareQuery(state, lesson, { embed = false, withStep = false } = {}) {
  if (showsLesson(state, lesson)) {
    const q = new URLSearchParams({ lesson: lesson.id });
    if (withStep && state.step) q.set("t", String(state.step));
    if (embed) q.set("embed", "1");
    return q.toString();
  }
  return encodeState({ ...state, step: withStep ? state.step : 0, embed });
}

/** The setup fields of `state`, the rest from the Networks page's defaults (deep copies). */
export function setupPatch(state) {
  return Object.fromEntries(SETUP_FIELDS.map((key) => [key, structuredClone(key in state ? state[key] : NETWORK_DEFAULTS[key])]));
}

/** The Networks page's store patch that opens a network `lesson`: its setup and its tab. */
export function networksPatch(lesson) {
  const { state, experiment } = lesson.scenario;
  return { ...setupPatch(state), experiment: experiment.kind, lesson };
}

// --- DOM pieces both pages show (call only in a browser) ----------------------------------

const OTHER_PAGE = { lab: " ↗ (2-D lab)", networks: " ↗ (Networks)" };

/** Fill a lesson <select>: one group per section; lessons of the other page say so. */
export function fillLessonSelect(select, lessons, here) {
  for (const section of sections(lessons)) {
    const group = document.createElement("optgroup");
    group.label = `${section.number}. ${section.title}`;
    for (const lesson of section.lessons) {
      const page = pageOf(lesson);
      const option = new Option(`${lesson.section} ${lesson.title}${page === here ? "" : OTHER_PAGE[page]}`, lesson.id);
      option.dataset.page = page;
      option.dataset.url = lesson.url;
      group.append(option);
    }
    select.append(group);
  }
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The lesson's title, section, explanation and the way on: "Next: <title> →". */
export function lessonTextNodes(lesson, next) {
  // (Embedded, the way on is hidden with the rest of the chrome: a course page links on.)
  const nav = element("p", "lesson-nav chrome");
  const link = next
    ? element("a", "next-lesson", `Next: ${next.title} →`)
    : element("a", "all-lessons", "That was the last lesson: all lessons →");
  link.href = next ? next.url : "/lessons.html";
  if (next) link.rel = "next";
  nav.append(link);
  return [
    element("h3", "", lesson.title),
    element("p", "lesson-section", `Curriculum § ${lesson.section} · ${lesson.section_title}`),
    element("p", "lesson-explanation", lesson.explanation),
    nav,
  ];
}
