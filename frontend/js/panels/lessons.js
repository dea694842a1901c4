// The lesson picker and the lesson's explanation beside the plot. A lesson is applied as
// ONE store update, so the lab fetches its scenario once rather than field by field.

import { LESSONS, lessonById } from "../lessons.js";
import { defaultState } from "../state.js";

const $ = (id) => document.getElementById(id);

// The fields a lesson may set; those it leaves out go back to their defaults, so nothing
// from the previous scenario (a start point, an inspected point) leaks into the lesson.
const LESSON_FIELDS = ["surface", "params", "view", "logScale", "start", "steps", "step", "speed", "runs", "inspect"];

/** The store patch that opens `lesson`. */
export function lessonPatch(lesson) {
  const defaults = defaultState();
  const base = Object.fromEntries(LESSON_FIELDS.map((key) => [key, defaults[key]]));
  return { ...base, ...structuredClone(lesson.state), lesson: lesson.id };
}

function fillSelect(select) {
  const groups = new Map();
  for (const lesson of LESSONS) {
    if (!groups.has(lesson.section)) {
      const group = document.createElement("optgroup");
      group.label = lesson.section;
      groups.set(lesson.section, group);
      select.append(group);
    }
    groups.get(lesson.section).append(new Option(lesson.title, lesson.id));
  }
}

function showText(lesson) {
  const box = $("lesson-text");
  box.hidden = !lesson;
  box.replaceChildren();
  if (!lesson) return;
  const heading = document.createElement("h3");
  heading.textContent = lesson.title;
  const section = document.createElement("p");
  section.className = "lesson-section";
  section.textContent = `Curriculum § ${lesson.section}`;
  const text = document.createElement("p");
  text.textContent = lesson.text;
  box.append(heading, section, text);
}

export function mountLessons({ store }) {
  const select = $("lesson-select");
  fillSelect(select);

  const show = (state) => {
    const lesson = lessonById(state.lesson);
    select.value = lesson ? lesson.id : "";
    showText(lesson);
  };
  const apply = (lesson) => store.update(lessonPatch(lesson));

  select.addEventListener("change", () => {
    const lesson = lessonById(select.value);
    if (lesson) apply(lesson);
    else store.update({ lesson: null });
  });
  store.subscribe((state, changed) => {
    if (changed.includes("lesson")) show(state);
  });

  // "?lesson=ID" alone opens the lesson; a link that carries its runs ("r=") restores
  // exactly what it describes instead, even if it was edited after the lesson opened.
  const lesson = lessonById(store.state.lesson);
  if (lesson && !new URLSearchParams(location.search).has("r")) apply(lesson);
  show(store.state);
}
