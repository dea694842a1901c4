// The lab's lesson picker and the lesson's explanation beside the plot, with the way on to
// the next lesson. Lessons come from the API (lessons.js). A lesson is applied as ONE store
// update, so the lab fetches its scenario once rather than field by field.
//
// The list, and the lesson a link names, load before the lab starts: this module's
// top-level await holds main.js back until they are here, so a lesson link's first request
// is already the lesson's scenario (never the default race, then the lesson).

import { Stale, latest } from "../api.js";
import {
  fillLessonSelect, getLesson, getLessons, lessonPatch, lessonStep, lessonTextNodes, nextLesson, pageOf,
} from "../lessons.js";

const $ = (id) => document.getElementById(id);

async function preload() {
  const id = new URLSearchParams(location.search).get("lesson");
  const [list, opening] = await Promise.all([
    getLessons().catch(() => []), // no lessons: the lab still starts, in free play
    id ? getLesson(id).catch(() => null) : null,
  ]);
  return { list, opening };
}

const { list: LESSONS, opening: OPENING } = globalThis.document ? await preload() : { list: [], opening: null };

export function mountLessons({ store }) {
  const select = $("lesson-select");
  const box = $("lesson-text");
  fillLessonSelect(select, LESSONS, "lab");
  const loaded = new Map(OPENING ? [[OPENING.id, OPENING]] : []);

  const show = (state) => {
    const lesson = loaded.get(state.lesson);
    select.value = lesson ? lesson.id : "";
    box.hidden = !lesson;
    box.replaceChildren(...(lesson ? lessonTextNodes(lesson, nextLesson(LESSONS, lesson.id)) : []));
  };
  const apply = (lesson, extra = {}, source = "user") => store.update({ ...lessonPatch(lesson), ...extra }, { source });

  // The latest choice wins: a slower answer for an earlier one is dropped.
  const fetchLesson = latest(async (id) => loaded.get(id) ?? getLesson(id));
  select.addEventListener("change", async () => {
    const summary = LESSONS.find((lesson) => lesson.id === select.value);
    fetchLesson.cancel();
    if (!summary) { store.update({ lesson: null }); return; }
    if (pageOf(summary) !== "lab") { location.assign(summary.url); return; }
    try {
      const lesson = await fetchLesson(summary.id);
      loaded.set(lesson.id, lesson);
      apply(lesson);
    } catch (error) {
      if (!(error instanceof Stale)) $("status").textContent = `Could not open the lesson: ${error.message}`;
    }
  });
  store.subscribe((state, changed) => {
    if (changed.includes("lesson")) show(state);
  });

  // A network lesson's id in the lab's URL: open it where it lives.
  if (OPENING && OPENING.scenario.kind !== "surface") {
    const target = new URL(OPENING.url, location.href); // the page it lives on, still embedded
    if (new URLSearchParams(location.search).get("embed") === "1") target.searchParams.set("embed", "1");
    location.replace(target.href);
    return { lessonOf: () => null };
  }
  // "?lesson=ID" alone opens the lesson; a link that carries its runs ("r=") restores
  // exactly what it describes instead, even if it was edited after the lesson opened.
  // A link made "at this step" ("t=") opens the lesson paused there.
  const query = new URLSearchParams(location.search);
  if (OPENING && !query.has("r")) apply(OPENING, lessonStep(OPENING, query.get("t")), "load");
  show(store.state);
  return { lessonOf: (id) => loaded.get(id) ?? null };
}
