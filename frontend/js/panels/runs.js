// The run cards: optimizer, hyperparameters (slider + number), schedule, noise, seed,
// colour; and a one-line result summary per run. Every edit stores a new runs array.

import { MAX_RUNS } from "../state.js";
import { runLabels } from "../requests.js";
import { clampToBounds, fromSlider, toSlider } from "../sliders.js";
import { addRun, defaultSchedule, editRun, nextColour, removeRun, setHyper, structureKey, switchOptimizer } from "../run_edits.js";
import { buildCard, paramSpec, syncCard } from "./controls_form.js";

const $ = (id) => document.getElementById(id);

/** A number for a summary line: 0.0123, 1.23e-7. */
export function formatNumber(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a === 0 || (a >= 1e-3 && a < 1e4) ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

/** The summary texts of a run at cursor `step`: {final, diverged, sigma}; null result → placeholders. */
export function summaryText(result, step) {
  if (!result) return { final: "computing…", diverged: "", sigma: "" };
  const diverged = result.diverged_at !== null && result.diverged_at !== undefined;
  const final = `${diverged ? "last finite loss" : "final loss"} ${formatNumber(result.loss.at(-1))}`;
  const sigmas = result.state?.sigma;
  let sigma = "";
  if (sigmas?.length) {
    // sigma[t] is the state after update t, i.e. at step t + 1; step 0 has had no update.
    const at = Math.min(step, sigmas.length) - 1;
    sigma = at < 0 ? "σ —" : `σ (${sigmas[at].map(formatNumber).join(", ")})`;
  }
  return { final, diverged: diverged ? `diverged at step ${result.diverged_at}` : "", sigma };
}

const integerOr = (text, fallback) => {
  const n = Math.round(Number(text));
  return text !== "" && Number.isFinite(n) ? n : fallback;
};

export function mountRuns({ store, catalogue }) {
  const container = $("runs");
  let renderedKey = null;

  const commit = (runs, source) => store.update({ runs }, source ? { source } : undefined);
  const indexOf = (node) => Number(node.closest(".run").dataset.index);

  const render = () => {
    const { runs } = store.state;
    const labels = runLabels(runs);
    container.replaceChildren(...runs.map((run, i) => buildCard(run, i, { catalogue, label: labels[i], removable: runs.length > 1 })));
    renderedKey = structureKey(runs);
    $("add-run").disabled = runs.length >= MAX_RUNS;
  };

  const sync = () => {
    const { runs } = store.state;
    const labels = runLabels(runs);
    container.querySelectorAll(".run").forEach((card, i) => syncCard(card, runs[i], { catalogue, label: labels[i] }));
  };

  // Results may lag the runs (a request is in flight): only show a result for its own optimizer.
  const summarize = () => {
    const { runs, step } = store.state;
    const results = store.derived.results ?? [];
    container.querySelectorAll(".run").forEach((card, i) => {
      const result = results[i]?.optimizer === runs[i]?.optimizer ? results[i] : null;
      const text = summaryText(result, step);
      for (const part of ["final", "diverged", "sigma"]) card.querySelector(`.summary .${part}`).textContent = text[part];
    });
  };

  const refresh = () => {
    if (structureKey(store.state.runs) !== renderedKey) render();
    else sync();
    summarize();
  };

  /** A slider or number field of a `data-param`: set the run's value, keep the twin in sync. */
  const setParam = (input, value, source) => {
    const index = indexOf(input);
    const run = store.state.runs[index];
    const spec = paramSpec(run, input.dataset.param ?? input.dataset.paramNumber, catalogue);
    const card = input.closest(".run");
    const number = card.querySelector(`input[data-param-number="${spec.name}"]`);
    const slider = card.querySelector(`input[data-param="${spec.name}"]`);
    number.value = String(value);
    // The dragged slider already sits where the user put it; moving it would make it jitter.
    if (input !== slider) slider.value = String(toSlider(value, spec.range));
    const edit = spec.name === "gradient_noise"
      ? (r) => ({ ...r, noise: value })
      : (r) => setHyper(r, spec.name, value);
    commit(editRun(store.state.runs, index, edit), source);
  };

  const onSlider = (input, source) => {
    const run = store.state.runs[indexOf(input)];
    const spec = paramSpec(run, input.dataset.param, catalogue);
    setParam(input, fromSlider(Number(input.value), spec.range), source);
  };

  const onNumber = (input) => {
    const run = store.state.runs[indexOf(input)];
    const spec = paramSpec(run, input.dataset.paramNumber, catalogue);
    const current = spec.name === "gradient_noise" ? run.noise : run.hyper[spec.name] ?? spec.default;
    setParam(input, clampToBounds(Number(input.value === "" ? NaN : input.value), spec, current));
  };

  /** A schedule parameter (or one of the schedule after a warm-up), clamped to its bounds. */
  const onScheduleParam = (input, nested) => {
    const index = indexOf(input);
    const run = store.state.runs[index];
    const name = nested ? input.dataset.thenParam : input.dataset.scheduleParam;
    const target = nested ? run.schedule.then : run.schedule;
    const spec = catalogue.schedules.get(target.name).parameters.find((p) => p.name === name);
    const raw = spec.integer ? integerOr(input.value, NaN) : Number(input.value === "" ? NaN : input.value);
    const value = clampToBounds(raw, spec, target[name] ?? spec.default);
    input.value = String(value);
    const edited = { ...target, [name]: value };
    const schedule = nested ? { ...run.schedule, then: edited } : edited;
    commit(editRun(store.state.runs, index, (r) => ({ ...r, schedule })));
  };

  const onSelect = (select) => {
    const index = indexOf(select);
    const field = select.dataset.field;
    let edit;
    if (field === "optimizer") edit = (r) => switchOptimizer(r, catalogue.optimizers.get(select.value));
    else if (field === "schedule") edit = (r) => ({ ...r, schedule: defaultSchedule(select.value, catalogue.schedules) });
    else if (field === "then") {
      edit = (r) => {
        const { then: _old, ...rest } = r.schedule;
        const then = defaultSchedule(select.value, catalogue.schedules);
        return { ...r, schedule: then ? { ...rest, then } : rest };
      };
    } else return;
    commit(editRun(store.state.runs, index, edit));
  };

  container.addEventListener("input", (event) => {
    const target = event.target;
    // While dragging, "slider" asks main.js to draw the whole path at once.
    if (target.matches("input[type=range][data-param]")) onSlider(target, "slider");
  });

  container.addEventListener("change", (event) => {
    const target = event.target;
    // A released slider is still a slider: keep showing the whole path, no replay.
    if (target.matches("input[type=range][data-param]")) onSlider(target, "slider");
    else if (target.matches("input[data-param-number]")) onNumber(target);
    else if (target.matches("input[data-schedule-param]")) onScheduleParam(target, false);
    else if (target.matches("input[data-then-param]")) onScheduleParam(target, true);
    else if (target.matches("input[data-field=seed]")) {
      const index = indexOf(target);
      const seed = Math.max(0, integerOr(target.value, store.state.runs[index].seed));
      target.value = String(seed);
      commit(editRun(store.state.runs, index, (r) => ({ ...r, seed })));
    } else if (target.matches("select[data-field]")) onSelect(target);
  });

  container.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const index = indexOf(button);
    if (button.dataset.action === "remove") commit(removeRun(store.state.runs, index));
    if (button.dataset.action === "recolour") {
      const color = nextColour(store.state.runs, index);
      commit(editRun(store.state.runs, index, (r) => ({ ...r, color })));
    }
  });

  $("add-run").addEventListener("click", () => commit(addRun(store.state.runs, catalogue.optimizers)));

  store.subscribe((state, changed) => {
    if (changed.includes("runs")) refresh();
    else if (changed.includes("step")) summarize();
  });
  store.onDerived((derived, changed) => { if (changed.includes("results")) summarize(); });
  render();
  summarize();
}
