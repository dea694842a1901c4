// The lessons index: every lesson from GET /api/lessons, grouped by curriculum section in
// curriculum order, each with its summary and a link that opens it in the lab.

import { getLessons, pageOf, sections } from "./lessons.js";

const PAGE_NAMES = { lab: "2-D lab", networks: "Networks" };
const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function entry(lesson) {
  const item = element("li", "lesson-entry");
  item.dataset.lesson = lesson.id;
  const link = element("a", "lesson-link");
  link.href = lesson.url;
  link.append(element("span", "lesson-number", lesson.section), element("span", "lesson-title", lesson.title));
  const page = pageOf(lesson);
  item.append(
    link,
    element("span", `lesson-page ${page}`, PAGE_NAMES[page]),
    element("p", "lesson-summary", lesson.summary),
  );
  return item;
}

function render(root, lessons) {
  root.replaceChildren(...sections(lessons).map((section) => {
    const box = element("section", "lesson-group");
    const heading = element("h3", "", `${section.number}. ${section.title}`);
    heading.id = `section-${section.number}`;
    box.setAttribute("aria-labelledby", heading.id);
    const list = element("ol", "lesson-list");
    list.append(...section.lessons.map(entry));
    box.append(heading, list);
    return box;
  }));
}

async function start() {
  render($("sections"), await getLessons());
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  $("status").textContent = `The lessons could not be loaded: ${error.message}`;
  throw error;
});
