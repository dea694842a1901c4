// Bootstraps the Networks page: loads the catalogue (datasets, optimizers) and the lessons,
// restores the setup from the URL (or opens the lesson it names), mounts the panels, and
// keeps the URL following the state.

import { lessonHtmlLink } from "../downloads.js";
import { mountEmbed } from "../embed.js";
import { mountModebarKeys } from "../modebar_keys.js";
import {
  fillLessonSelect, getLesson, getLessons, lessonTextNodes, networksPatch, nextLesson, pageOf, setupPatch,
} from "../lessons.js";
import { Stale, latest } from "../api.js";
import { Store } from "../store.js";
import * as api from "./api.js";
import { mountDataPanel } from "./data_panel.js";
import { mountExperimentsPanel } from "./experiments_panel.js";
import { mountForm } from "./form.js";
import { mountHessianPanel } from "./hessian_panel.js";
import { mountLandscapePanel } from "./landscape_panel.js";
import { mountLivePanel } from "./live_panel.js";
import { lessonSettings, settingsText } from "./lesson_settings.js";
import { SETUP_LESSONS } from "./presets.js";
import { TRAIN } from "./experiments/index.js";
import { sanitize, setupParams } from "./setup.js";
import { EXPERIMENT_KINDS, decodeState, defaultState, encodeState, useExperimentKinds } from "./state.js";
import { mountTrainPanel } from "./train_panel.js";
import { mountUpload, restoreUpload } from "./upload.js";

const $ = (id) => document.getElementById(id);
const DATA_FIELDS = ["dataset", "nSamples", "noise", "dataSeed", "testFraction"];

/** The menus; an uploaded table the URL names joins them while the server still keeps it. */
async function loadCatalogue(search) {
  const [datasets, optimizers, kinds, features] = await Promise.all([
    api.getDatasets(), api.getOptimizers(), api.getExperimentKinds(),
    api.getFeatures().catch(() => []), // none: the form says the server offers none
  ]);
  useExperimentKinds(kinds); // the setup's defaults and bounds, before the URL is read
  const upload = await restoreUpload(api, new URLSearchParams(search).get("d") ?? "");
  if (upload.error) { // the link's table is gone: say so (the setup falls back to the default)
    $("csv-error").textContent = `The link's CSV: ${upload.error}`;
    $("csv-error").hidden = false;
  }
  return {
    datasets: new Map([...datasets, ...(upload.entry ? [upload.entry] : [])].map((d) => [d.name, d])),
    optimizers: new Map(optimizers.map((o) => [o.name, o])),
    features,
  };
}

/** The lessons (a network lesson's id in the URL: the whole lesson too); none if the API fails. */
async function loadLessons(search) {
  const id = new URLSearchParams(search).get("lesson");
  const [list, opening] = await Promise.all([
    getLessons().catch(() => []),
    id ? getLesson(id).catch(() => null) : null,
  ]);
  return { list, opening };
}

/**
 * What opening `lesson` sets: its setup and the lesson, and its experiment's tab when it has
 * one (a lesson of `train`, the Train button's job, leaves the open tab as it is).
 */
function lessonPatch(lesson) {
  const { experiment, ...patch } = networksPatch(lesson);
  return EXPERIMENT_KINDS.includes(experiment) ? { ...patch, experiment } : patch;
}

/** Where a lesson's experiment shows its results: its card, or (`train`) the data and curves. */
const resultsOf = (kind) => (kind === TRAIN.kind ? $("results").querySelector(".pair") : $(`experiment-${kind}`));

/** Whether `state`'s setup is `lesson`'s (a link may carry the lesson and an edited setup). */
function holdsLessonSetup(state, lesson, catalogue) {
  const opened = sanitize({ ...state, ...setupPatch(lesson.scenario.state) }, catalogue, defaultState());
  return JSON.stringify(setupParams(state)) === JSON.stringify(setupParams(opened));
}

/** The lesson's explanation above the results, with a button that runs its experiment. */
function lessonBox() {
  const box = document.createElement("section");
  box.id = "lesson-text";
  box.className = "card";
  box.setAttribute("aria-label", "lesson");
  box.hidden = true;
  $("results").prepend(box);
  return box;
}

/**
 * The lesson's text, the settings its experiment runs (not the setup form's, which are for
 * Train) and a way down to its results; the experiment itself starts on open (`runLesson`).
 */
function showLesson(box, lesson, lessons, featureLabels) {
  box.hidden = !lesson;
  if (!lesson) { box.replaceChildren(); return; }
  const nodes = lessonTextNodes(lesson, nextLesson(lessons, lesson.id));
  const { experiment } = lesson.scenario;
  const settings = document.createElement("p");
  settings.className = "lesson-settings";
  settings.textContent = `This lesson runs: ${settingsText(lessonSettings(experiment, featureLabels))}`;
  const go = document.createElement("button");
  go.type = "button";
  go.className = "primary run-lesson";
  go.textContent = experiment.kind === TRAIN.kind ? "See the lesson's training ↓" : "See the lesson's experiment ↓";
  go.addEventListener("click", () => {
    resultsOf(experiment.kind).scrollIntoView({ behavior: "smooth", block: "start" });
  });
  nodes.splice(3, 0, settings, go, " ", lessonHtmlLink(lesson));
  box.replaceChildren(...nodes);
}

/**
 * The lesson picker: the curriculum's lessons (those of the 2-D lab open there) and the
 * setups to start from. A network lesson sets the setup, opens its experiment tab with its
 * params and shows its explanation; a setup sets the training setup only.
 */
function mountLessons(store, catalogue, lessons, run) {
  const select = $("lesson-select");
  const box = lessonBox();
  fillLessonSelect(select, lessons, "networks");
  const setups = document.createElement("optgroup");
  setups.label = "Setups to start from";
  for (const setup of SETUP_LESSONS) setups.append(new Option(setup.title, setup.id));
  select.append(setups);
  const featureLabels = Object.fromEntries(catalogue.features.map((f) => [f.name, f.label]));

  const open = (patch) => store.update(sanitize({ ...store.state, ...patch }, catalogue, defaultState()), { source: "lesson" });
  const fetchLesson = latest(getLesson); // the latest choice wins: slower answers are dropped
  select.addEventListener("change", async () => {
    fetchLesson.cancel();
    const setup = SETUP_LESSONS.find((l) => l.id === select.value);
    if (setup) { open({ ...setupPatch(setup.state), lesson: null }); return; }
    const summary = lessons.find((l) => l.id === select.value);
    if (!summary) { store.update({ lesson: null }, { source: "lesson" }); return; }
    if (pageOf(summary) !== "networks") { location.assign(summary.url); return; }
    try {
      open(lessonPatch(await fetchLesson(summary.id)));
    } catch (error) {
      if (!(error instanceof Stale)) $("data-status").textContent = `Could not open the lesson: ${error.message}`;
    }
  });
  // A network lesson starts its experiment as it opens, as a 2-D lesson starts its runs:
  // once every listener has seen the lesson (the form has its setup, and no old error).
  const runLesson = (lesson) => { if (lesson) queueMicrotask(() => run(lesson)); };
  store.subscribe((state, changed, source) => {
    if (changed.includes("lesson")) showLesson(box, state.lesson, lessons, featureLabels);
    if (changed.includes("lesson") && source === "lesson") runLesson(state.lesson);
    if (source === "lesson") select.value = state.lesson?.id ?? select.value;
    // An edited setup is no longer the setup preset chosen (a lesson's text and params stay).
    if (source === "form" && !state.lesson) select.value = "";
  });
  select.value = store.state.lesson?.id ?? "";
  showLesson(box, store.state.lesson, lessons, featureLabels);
  runLesson(store.state.lesson);
}

/** The state to start from: the URL's; a lesson's setup and tab when the URL names only it. */
function initialState(search, catalogue, opening) {
  const fromUrl = sanitize(decodeState(search), catalogue, defaultState());
  if (!opening) return { ...fromUrl, lesson: null };
  // (`embed` says how the page is shown, not what it shows.)
  const onlyTheLesson = [...new URLSearchParams(search).keys()].every((key) => key === "lesson" || key === "embed");
  // A link that carries a setup as well restores that setup (and still shows the lesson).
  const state = onlyTheLesson ? { ...fromUrl, ...lessonPatch(opening) } : { ...fromUrl, lesson: opening };
  return sanitize(state, catalogue, defaultState());
}

/** The URL's query for a state: its setup, and the open lesson. */
function queryOf(state) {
  const query = encodeState(state);
  if (!state.lesson) return query;
  const lesson = `lesson=${encodeURIComponent(state.lesson.id)}`;
  return query ? `${query}&${lesson}` : lesson;
}

function mountShare() {
  const button = $("share");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      button.textContent = "Copied ✓";
      setTimeout(() => { button.textContent = "Copy link"; }, 1500);
    } catch {
      window.prompt("Copy this link:", location.href);
    }
  });
}

async function start() {
  const [catalogue, { list, opening }] = await Promise.all([loadCatalogue(location.search), loadLessons(location.search)]);
  // A 2-D lesson's id in this page's URL: open it where it lives.
  if (opening && pageOf(opening) !== "networks") {
    const target = new URL(opening.url, location.href);
    if (new URLSearchParams(location.search).get("embed") === "1") target.searchParams.set("embed", "1");
    location.replace(target.href);
    return;
  }
  const store = new Store(initialState(location.search, catalogue, opening));
  const form = mountForm({ store, catalogue });
  const dataPanel = mountDataPanel({ store, catalogue, api });
  const context = { store, catalogue, api, form, dataPanel };
  const training = mountTrainPanel(context);
  mountLivePanel(context);
  mountLandscapePanel(context);
  mountHessianPanel(context);
  const experiments = mountExperimentsPanel(context);
  // A lesson's experiment: an experiment card's, or the Train button's job, when the form
  // holds the lesson's setup (Train trains the form, which a link may carry edited).
  const run = (lesson) => {
    const { kind } = lesson.scenario.experiment;
    if (kind !== TRAIN.kind) experiments.run(kind);
    else if (holdsLessonSetup(store.state, lesson, catalogue)) training.run();
    else training.control.showMessage("The form holds a setup other than the lesson's: Train trains the form's.");
  };
  mountLessons(store, catalogue, list, run);
  mountShare();
  mountUpload({ store, catalogue, api });

  let urlTimer = null;
  store.subscribe((state, changed, source) => {
    form.sync(state, { fields: source !== "form" });
    if (changed.some((k) => DATA_FIELDS.includes(k))) dataPanel.refresh();
    else if (changed.includes("features")) dataPanel.render();
    if (urlTimer === null) {
      urlTimer = setTimeout(() => {
        urlTimer = null;
        history.replaceState(null, "", `?${queryOf(store.state)}`);
      }, 250);
    }
  });
  form.sync(store.state);
  await dataPanel.loadNow();
  document.body.dataset.ready = "true";
}

mountEmbed({ snippetButton: $("embed-code"), height: 900 }); // before start() rewrites the URL
mountModebarKeys();
start().catch((error) => {
  $("data-status").textContent = `The page could not start: ${error.message}`;
  throw error;
});
