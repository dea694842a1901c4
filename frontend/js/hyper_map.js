// The hyperparameter map's settings, its request, and what a cell does to a run. Pure.
//
// `state.hmap` is null (no map) or {run, x, y, metric}: the run whose hyperparameters the
// map spans (its index), each axis {param, min, max, count, scale} as POST /api/maps takes
// it, and the metric. Every other setting of a cell (the run's other hyperparameters,
// schedule, noise, seed; the surface, start and steps) is the run's own, so the map shows
// the runs the learner would get by clicking.

import { setHyper, editRun } from "./run_edits.js";
import { startOf, surfaceRef } from "./requests.js";
import { sliderRange } from "./sliders.js";

export { MAP_COUNTS, MAP_METRICS } from "./state.js";
// The API's bound on runs × steps (core/hyperparameter_maps.py MAX_MAP_WORK), the compiled
// batches the cells are rounded up to (core/trajectory.py MAP_BUCKETS) and the step limit.
export const MAX_MAP_WORK = 128 * 128 * 1000;
const MAP_BUCKETS = [1024, 4096, 16384];
const MAX_SWEEP_STEPS = 5000;

/** The steps a map runs for a race of `steps` (core's map_steps; tests/parity/cases.json). */
export function mapSteps(steps, cells) {
  const batch = MAP_BUCKETS.find((size) => cells <= size) ?? MAP_BUCKETS.at(-1);
  return Math.min(steps, Math.floor(MAX_MAP_WORK / batch), MAX_SWEEP_STEPS);
}
// Which knob goes on y by default: the one the lectures map against η (Distill's β for
// heavy ball, β₂ for Adam, RMSProp's α), else the optimizer's first.
const PREFERRED_Y = ["momentum", "b2", "decay"];

/** An axis over a hyperparameter's slider range (sliders.js); η: six decades around its default. */
export function defaultAxis(parameter, count = 64) {
  const range = sliderRange(parameter);
  const scale = range.log ? "log" : "linear";
  if (parameter.name === "learning_rate") {
    const min = Math.max(parameter.default / 1e3, range.min);
    return { param: parameter.name, min, max: Math.min(parameter.default * 1e3, range.max), count, scale };
  }
  return { param: parameter.name, min: range.min, max: range.max, count, scale };
}

/** A new map for run `index`: η on x, the lecture's partner on y; null for one knob (SGD). */
export function defaultMap(optimizer, index = 0) {
  const knobs = optimizer.hyperparameters;
  if (knobs.length < 2) return null;
  const rate = knobs.find((p) => p.name === "learning_rate") ?? knobs[0];
  const others = knobs.filter((p) => p !== rate);
  const partner = others.find((p) => PREFERRED_Y.includes(p.name)) ?? others[0];
  return { run: index, x: defaultAxis(rate), y: defaultAxis(partner), metric: "final_loss" };
}

/**
 * The map settings kept valid for the runs and the surface: a removed run or a switched
 * optimizer gets a new default map for the run now there; a map for one knob is none; the
 * steps to the minimum fall back to the final loss on a surface without a known minimum.
 */
export function fitMap(hmap, runs, optimizers, surface = null) {
  if (!hmap) return null;
  const index = Math.min(hmap.run, runs.length - 1);
  const optimizer = optimizers.get(runs[index].optimizer);
  if (!optimizer) return null;
  const names = new Set(optimizer.hyperparameters.map((p) => p.name));
  const fits = index === hmap.run && names.has(hmap.x.param) && names.has(hmap.y.param) && hmap.x.param !== hmap.y.param;
  const fitted = fits ? hmap : defaultMap(optimizer, index);
  const reachable = !surface || surface.minima?.length > 0;
  return fitted && fitted.metric === "steps_to_tolerance" && !reachable ? { ...fitted, metric: "final_loss" } : fitted;
}

/** The value a run uses for `param`: its own, else the catalogue's default. */
export function runValue(run, optimizer, param) {
  const own = run.hyper[param];
  return Number.isFinite(own) ? own : optimizer.hyperparameters.find((p) => p.name === param)?.default;
}

/** POST /api/maps for the state's map. */
export function mapRequest(state, surface) {
  const { hmap } = state;
  const run = state.runs[hmap.run];
  const optimizer = { name: run.optimizer, ...run.hyper };
  delete optimizer[hmap.x.param]; // the axes set these per cell
  delete optimizer[hmap.y.param];
  return {
    surface: surfaceRef(state),
    start: startOf(state, surface),
    steps: mapSteps(state.steps, hmap.x.count * hmap.y.count),
    optimizer,
    ...(run.schedule ? { schedule: run.schedule } : {}),
    x: hmap.x,
    y: hmap.y,
    metric: hmap.metric,
    gradient_noise: run.noise,
    seed: run.seed,
  };
}

/** The runs with the map's run set to a cell's two values (kept as the learner's own). */
export function applyCell(runs, hmap, xValue, yValue) {
  return editRun(runs, hmap.run, (run) => setHyper(setHyper(run, hmap.x.param, xValue), hmap.y.param, yValue));
}

/** The index of the value nearest `value` on an axis's values (log distance on a log axis). */
export function nearestIndex(values, value, scale) {
  const at = (v) => (scale === "log" ? Math.log(v) : v);
  let best = 0;
  values.forEach((v, i) => { if (Math.abs(at(v) - at(value)) < Math.abs(at(values[best]) - at(value))) best = i; });
  return best;
}
