// The DOM of one run card, and syncing its inputs to a run without rebuilding them
// (rebuilding would drop the slider the user is dragging).

import { PALETTE } from "../state.js";
import { NOISE_RANGE, SLIDER_POSITIONS, sliderRange, toSlider } from "../sliders.js";

/** createElement with attributes and children; text goes in as text, never as HTML. */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children);
  return node;
}

const NOISE = { name: "gradient_noise", lower: 0, upper: 10000, description: "σ of Gaussian noise added to every gradient (0 = none)" };

/** The slider range and catalogue bounds behind a `data-param` name of a run. */
export function paramSpec(run, name, catalogue) {
  if (name === "gradient_noise") return { ...NOISE, range: NOISE_RANGE };
  const hyper = catalogue.optimizers.get(run.optimizer).hyperparameters.find((h) => h.name === name);
  return { ...hyper, range: sliderRange(hyper) };
}

/** The value a `data-param` slider shows: the run's own, else the catalogue default. */
export function paramValue(run, spec) {
  if (spec.name === "gradient_noise") return run.noise;
  return run.hyper[spec.name] ?? spec.default;
}

function sliderRow(id, spec, value) {
  const slider = el("input", {
    type: "range", id, min: 0, max: SLIDER_POSITIONS, step: 1, "data-param": spec.name,
    value: toSlider(value, spec.range), "aria-label": spec.name,
  });
  const number = el("input", {
    type: "number", step: "any", min: spec.lower, max: spec.upper, value,
    "data-param-number": spec.name, "aria-label": `${spec.name} value`,
  });
  // Label and value on one line, the slider under them across the whole card: a long
  // track (and arrow keys, one position each) for fine adjustment of log-scale values.
  return el("div", { class: "row slider-row" }, [el("label", { for: id, title: spec.description, text: spec.name }), number, slider]);
}

function numberRow(attr, param, value, key) {
  const input = el("input", {
    type: "number", id: key, [attr]: param.name, min: param.lower, max: param.upper,
    step: param.integer ? 1 : "any", value: value ?? param.default, "aria-label": param.name,
  });
  return el("div", { class: "row" }, [el("label", { title: param.description, text: param.name, for: key }), input]);
}

function scheduleSelect(field, choices, selected, noneLabel) {
  const select = el("select", { "data-field": field, "aria-label": field });
  select.add(new Option(noneLabel, ""));
  for (const s of choices) select.add(new Option(s.title, s.name));
  select.value = selected ?? "";
  return select;
}

/** The schedule rows: kind, its parameters, and for warm-up the schedule that follows. */
function scheduleRows(run, schedules, key) {
  const rows = [el("div", { class: "row" }, [
    el("label", { text: "schedule", title: "shapes η over the steps" }),
    scheduleSelect("schedule", schedules.values(), run.schedule?.name, "none (constant η)"),
  ])];
  const schedule = run.schedule && schedules.get(run.schedule.name);
  if (!schedule) return rows;
  for (const p of schedule.parameters) rows.push(numberRow("data-schedule-param", p, run.schedule[p.name], `${key}-s-${p.name}`));
  if (schedule.name !== "warmup") return rows;
  // The API nests one schedule after the warm-up; a warm-up after a warm-up is not allowed.
  const afters = [...schedules.values()].filter((s) => s.name !== "warmup");
  rows.push(el("div", { class: "row" }, [
    el("label", { text: "then", title: "the schedule after the warm-up" }),
    scheduleSelect("then", afters, run.schedule.then?.name, "constant η"),
  ]));
  const then = run.schedule.then && schedules.get(run.schedule.then.name);
  for (const p of then?.parameters ?? []) rows.push(numberRow("data-then-param", p, run.schedule.then[p.name], `${key}-t-${p.name}`));
  return rows;
}

/** One card: header (swatch, label, optimizer, remove), hyperparameters, schedule, noise, seed, summary. */
export function buildCard(run, index, { catalogue, label, removable }) {
  const key = `run-${index}`;
  const optimizer = el("select", { "data-field": "optimizer", "aria-label": "optimizer" });
  for (const o of catalogue.optimizers.values()) optimizer.add(new Option(o.title, o.name));
  optimizer.value = run.optimizer;
  const head = el("div", { class: "run-head" }, [
    el("button", { type: "button", class: "swatch", "data-action": "recolour", title: "Change colour", "aria-label": "change colour" }),
    el("span", { class: "run-label", text: label }),
    optimizer,
    el("button", { type: "button", class: "remove", "data-action": "remove", disabled: !removable, title: "Remove this run", "aria-label": "remove run", text: "✕" }),
  ]);
  const hypers = catalogue.optimizers.get(run.optimizer).hyperparameters.map((h) => {
    const spec = paramSpec(run, h.name, catalogue);
    return sliderRow(`${key}-${h.name}`, spec, paramValue(run, spec));
  });
  const noise = paramSpec(run, "gradient_noise", catalogue);
  const seed = el("input", { type: "number", id: `${key}-seed`, min: 0, step: 1, value: run.seed, "data-field": "seed", "aria-label": "seed" });
  // Not a live region: σ changes with every animation frame (playback.js announces states).
  const summary = el("p", { class: "summary" }, [
    el("span", { class: "final" }), el("span", { class: "diverged" }), el("span", { class: "sigma" }),
  ]);
  const card = el("div", { class: "run", "data-index": index }, [
    head, ...hypers, ...scheduleRows(run, catalogue.schedules, key),
    sliderRow(`${key}-gradient_noise`, noise, run.noise),
    el("div", { class: "row" }, [el("label", { for: `${key}-seed`, text: "noise seed" }), seed]),
    summary,
  ]);
  card.style.setProperty("--run-color", PALETTE[run.color % PALETTE.length]);
  return card;
}

// Never overwrite what the user is typing into or dragging.
const setValue = (input, value) => {
  if (input !== document.activeElement && input.value !== String(value)) input.value = String(value);
};

/** Bring a card's inputs, colour and label up to date with `run` (same structure). */
export function syncCard(card, run, { catalogue, label }) {
  card.style.setProperty("--run-color", PALETTE[run.color % PALETTE.length]);
  card.querySelector(".run-label").textContent = label;
  for (const slider of card.querySelectorAll("input[data-param]")) {
    const spec = paramSpec(run, slider.dataset.param, catalogue);
    const value = paramValue(run, spec);
    setValue(slider, toSlider(value, spec.range));
    setValue(card.querySelector(`input[data-param-number="${spec.name}"]`), value);
  }
  for (const input of card.querySelectorAll("input[data-schedule-param]")) {
    setValue(input, run.schedule?.[input.dataset.scheduleParam] ?? "");
  }
  for (const input of card.querySelectorAll("input[data-then-param]")) {
    setValue(input, run.schedule?.then?.[input.dataset.thenParam] ?? "");
  }
  setValue(card.querySelector("input[data-field=seed]"), run.seed);
}
