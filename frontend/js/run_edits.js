// Edits of the run list as pure functions of (runs, catalogue): each returns new objects,
// never mutates, so the store sees a change and `node --test` can check them.

import { makeRun, MAX_RUNS, PALETTE } from "./state.js";

/** An optimizer's catalogue defaults as a hyper object: {learning_rate: 0.001, b1: 0.9, …}. */
export function defaultHyper(optimizer) {
  return Object.fromEntries(optimizer.hyperparameters.map((h) => [h.name, h.default]));
}

/**
 * The run with another optimizer: the new one's defaults (Adadelta's η is 1.0, SGD's is
 * not), except the values the user set (`userSet`, see `setHyper`) that it also takes.
 */
export function switchOptimizer(run, optimizer) {
  const hyper = defaultHyper(optimizer);
  const kept = (run.userSet ?? []).filter((name) => name in hyper && Number.isFinite(run.hyper[name]));
  for (const name of kept) hyper[name] = run.hyper[name];
  const { userSet: _old, ...rest } = run;
  return { ...rest, optimizer: optimizer.name, hyper, ...(kept.length ? { userSet: kept } : {}) };
}

/** The run with hyperparameter `name` set by the user to `value` (remembered as theirs). */
export function setHyper(run, name, value) {
  const userSet = [...new Set([...(run.userSet ?? []), name])];
  return { ...run, hyper: { ...run.hyper, [name]: value }, userSet };
}

/** A schedule object with the catalogue's defaults, or null for "none". */
export function defaultSchedule(name, schedules) {
  const schedule = schedules.get(name);
  if (!schedule) return null;
  const params = Object.fromEntries(schedule.parameters.map((p) => [p.name, p.default]));
  return { name, ...params };
}

/** The runs with one more: the next optimizer not yet used, the next unused colour. */
export function addRun(runs, optimizers) {
  if (runs.length >= MAX_RUNS) return runs;
  const used = new Set(runs.map((r) => r.optimizer));
  const names = [...optimizers.keys()];
  const name = names.find((n) => !used.has(n)) ?? names[0];
  const colours = new Set(runs.map((r) => r.color));
  const colour = PALETTE.findIndex((_, i) => !colours.has(i));
  const run = makeRun(name, defaultHyper(optimizers.get(name)), { color: Math.max(colour, 0) });
  return [...runs, run];
}

/** The next palette index after `color` that no other run uses (or simply the next one). */
export function nextColour(runs, index) {
  const taken = new Set(runs.filter((_, i) => i !== index).map((r) => r.color % PALETTE.length));
  const from = runs[index].color;
  for (let k = 1; k <= PALETTE.length; k += 1) {
    const candidate = (from + k) % PALETTE.length;
    if (!taken.has(candidate)) return candidate;
  }
  return (from + 1) % PALETTE.length;
}

/** The runs without run `index`; the last run is never removed. */
export function removeRun(runs, index) {
  return runs.length > 1 ? runs.filter((_, i) => i !== index) : runs;
}

/** The runs with run `index` replaced by `edit(run)`. */
export function editRun(runs, index, edit) {
  return runs.map((run, i) => (i === index ? edit(run) : run));
}

/** What decides a card's rows; a change here rebuilds the cards, anything else is synced in place. */
export function structureKey(runs) {
  return runs
    .map((r) => [r.optimizer, r.schedule?.name ?? "", r.schedule?.then?.name ?? ""].join("/"))
    .join("|");
}
