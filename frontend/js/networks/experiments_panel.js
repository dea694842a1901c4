// The experiment cards: one tab per experiment with its explanation, a few editable
// settings, a Run button with its progress bar, and the plots and tables of its result.
// A kind the server does not offer yet answers 422; its message shows next to the button.

import { resultDownloadButton } from "../downloads.js";
import { EXPERIMENTS } from "./experiments/index.js";
import { draw } from "./plotting.js";
import { JobControl, jobMarkup } from "./progress.js";
import { isUnknownKind } from "./job.js";
import { getPath, withPath } from "./presets.js";
import { parseNumber } from "./setup.js";
import { apiField, limitOf } from "./state.js";

const $ = (id) => document.getElementById(id);

function element(tag, { className, text, attrs = {} } = {}) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function tableElement(columns, rows) {
  const table = element("table", { className: "numbers results-table" });
  const head = element("tr");
  head.append(...columns.map((c) => element("th", { text: c })));
  table.append(element("thead"), element("tbody"));
  table.tHead.append(head);
  for (const row of rows) {
    const tr = element("tr");
    tr.append(...row.map((cell) => element("td", { text: String(cell) })));
    table.tBodies[0].append(tr);
  }
  return table;
}

/** Put an experiment's views (plots, tables, notes) into `box` (the standalone export too). */
export function renderViews(box, items) {
  const figures = element("div", { className: "figures" });
  const rest = [];
  const plots = [];
  for (const item of items) {
    if (item.type === "plot") {
      const holder = element("div", { className: "figure" });
      const target = element("div", { className: "plot", attrs: { id: item.id } });
      // A figure that grew to hold its legend below the plot gets the height it asks for.
      if (item.figure.layout?.height) target.style.height = `${item.figure.layout.height}px`;
      holder.append(element("h4", { text: item.title }), target);
      figures.append(holder);
      plots.push([target, item.figure]);
    } else if (item.type === "table") {
      const holder = element("div", { className: "figure wide" });
      holder.append(element("h4", { text: item.title }), tableElement(item.columns, item.rows));
      rest.push(holder);
    } else {
      rest.push(element("p", { className: "note", text: item.text }));
    }
  }
  box.replaceChildren(...rest.filter((el) => el.tagName === "P"), figures, ...rest.filter((el) => el.tagName !== "P"));
  return Promise.all(plots.map(([target, figure]) => draw(target, figure)));
}

/**
 * One experiment's card. Its Run button sends `params` (the preset's, or an open lesson's:
 * `setParams`) with the editable fields read from their inputs.
 */
function mountCard(experiment, api) {
  const card = element("section", {
    className: "experiment-card", attrs: { id: `experiment-${experiment.kind}`, role: "tabpanel", "aria-labelledby": `tab-${experiment.kind}` },
  });
  card.append(
    element("p", { className: "lesson-section", text: `Curriculum ${experiment.section}` }),
    element("p", { className: "lesson-text", text: experiment.text }),
  );
  let current = {}; // what is sent besides the fields: an open lesson's params
  const inputs = new Map();
  if (experiment.fields.length) {
    const controls = element("div", { className: "controls" });
    for (const field of experiment.fields) {
      const label = element("label", { text: `${field.label} ` });
      const input = element("input", { attrs: { type: "number", name: field.name, step: "any" } });
      label.append(input);
      controls.append(label);
      inputs.set(field, input);
    }
    card.append(controls);
  }
  const setParams = (params) => {
    current = structuredClone(params);
    for (const [field, input] of inputs) {
      // A lesson that leaves a field out runs the API's default, which the field shows.
      input.value = String(getPath(current, field.name) ?? apiField(experiment.kind, field.name).default);
      input.removeAttribute("aria-invalid");
    }
  };
  setParams(current);
  const job = element("div", { className: "job" });
  job.innerHTML = jobMarkup("Run", experiment.title);
  const output = element("div", { className: "experiment-output" });
  card.append(job, output);
  const control = new JobControl(job, api, "Running", {
    describe: (error) => (isUnknownKind(error)
      ? `This server does not run the “${experiment.kind}” experiment yet. (${error.message})` : error.message),
  });

  control.button.addEventListener("click", async () => {
    let params = structuredClone(current);
    const problems = [];
    for (const [field, input] of inputs) {
      const parsed = parseNumber(input.value, limitOf(apiField(experiment.kind, field.name)), field.label);
      input.setAttribute("aria-invalid", parsed.error ? "true" : "false");
      if (parsed.error) problems.push(parsed.error);
      else params = withPath(params, field.name, parsed.value);
    }
    if (problems.length) {
      control.showError(`Nothing sent: ${problems.join("; ")}`);
      return;
    }
    const finished = await control.run(experiment.kind, params);
    if (finished?.status !== "done") return;
    try {
      await renderViews(output, experiment.views(finished.result));
      output.prepend(resultDownloadButton(experiment.kind, finished.result));
      card.dataset.drawn = "true";
    } catch (error) {
      control.showError(`Could not draw the result: ${error.message}`);
    }
  });
  return { card, setParams };
}

// The tab a key moves to from tab `index` of `count` (WAI-ARIA tabs: the arrows wrap around,
// Home and End go to the ends), or null for any other key.
export function tabAfterKey(key, index, count) {
  const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: count - 1 };
  return key in moves ? (moves[key] + count) % count : null;
}

export function mountExperimentsPanel({ store, api }) {
  const tabs = $("experiment-tabs");
  const cards = $("experiment-cards");
  const setters = new Map(); // kind → setParams
  const select = (kind) => store.update({ experiment: kind }, { source: "tab" });
  for (const experiment of EXPERIMENTS) {
    const tab = element("button", {
      className: "tab", text: experiment.title,
      attrs: { type: "button", role: "tab", id: `tab-${experiment.kind}`, "aria-controls": `experiment-${experiment.kind}` },
    });
    tab.addEventListener("click", () => select(experiment.kind));
    tabs.append(tab);
    const { card, setParams } = mountCard(experiment, api);
    cards.append(card);
    setters.set(experiment.kind, setParams);
  }
  // Tab stops at the selected tab only (a roving tabindex); the arrows, Home and End move
  // the selection along the tabs and the focus with it.
  tabs.setAttribute("aria-label", "experiments");
  tabs.addEventListener("keydown", (event) => {
    const index = EXPERIMENTS.findIndex((e) => e.kind === store.state.experiment);
    const next = tabAfterKey(event.key, Math.max(index, 0), EXPERIMENTS.length);
    if (next === null || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    select(EXPERIMENTS[next].kind);
    $(`tab-${EXPERIMENTS[next].kind}`).focus();
  });
  const show = (kind) => {
    for (const experiment of EXPERIMENTS) {
      const open = experiment.kind === kind;
      const tab = $(`tab-${experiment.kind}`);
      tab.setAttribute("aria-selected", String(open));
      tab.tabIndex = open ? 0 : -1;
      $(`experiment-${experiment.kind}`).hidden = !open;
    }
    // Plotly sized a plot drawn while its card was hidden to nothing: resize on showing it.
    for (const plot of $(`experiment-${kind}`).querySelectorAll(".js-plotly-plot")) Plotly.Plots.resize(plot);
  };
  // An open lesson (state.lesson, as GET /api/lessons/{id} serves it) gives its experiment's
  // card the lesson's params; every other card sends only its fields (the API's defaults).
  const useLesson = (lesson) => {
    const chosen = lesson?.scenario?.kind === "network" ? lesson.scenario.experiment : null;
    for (const experiment of EXPERIMENTS) {
      setters.get(experiment.kind)(chosen?.kind === experiment.kind ? chosen.params : {});
    }
  };
  show(store.state.experiment);
  if (store.state.lesson) useLesson(store.state.lesson);
  store.subscribe((state, changed) => {
    if (changed.includes("experiment")) show(state.experiment);
    if (changed.includes("lesson")) useLesson(state.lesson);
  });
  return {
    /** Run `kind`'s card with its current params, as its Run button does (not while it runs). */
    run(kind) {
      const button = $(`experiment-${kind}`)?.querySelector("button.run");
      if (button && !button.disabled) button.click();
    },
  };
}
