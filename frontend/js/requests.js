// Request bodies for the API, built from the state. Pure.

import { isTyped, typedSurfaceRef } from "./expression.js";

/** Distinct labels that tell runs apart: "adam", then "adam 2" for a second Adam. */
export function runLabels(runs) {
  const taken = new Set(runs.filter((run) => run.label).map((run) => run.label));
  const labels = [];
  for (const run of runs) {
    let label = run.label;
    if (!label || labels.includes(label)) {
      const base = run.label || run.optimizer;
      label = base;
      for (let k = 2; labels.includes(label) || (label !== run.label && taken.has(label)); k += 1) {
        label = `${base} ${k}`;
      }
    }
    labels.push(label);
  }
  return labels;
}

/**
 * How the API names the state's surface: an id, {id, params} when constants changed, or
 * {expression, domain} for a typed one.
 */
export function surfaceRef(state) {
  if (isTyped(state)) return typedSurfaceRef(state);
  return Object.keys(state.params).length ? { id: state.surface, params: state.params } : state.surface;
}

export function startOf(state, surface) {
  return state.start ?? surface.default_start;
}

export function trajectoryRequest(state, surface) {
  const labels = runLabels(state.runs);
  const start = startOf(state, surface);
  return {
    surface: surfaceRef(state),
    steps: state.steps,
    runs: state.runs.map((run, i) => ({
      optimizer: { name: run.optimizer, ...run.hyper },
      ...(run.schedule ? { schedule: run.schedule } : {}),
      start,
      gradient_noise: run.noise,
      seed: run.seed,
      label: labels[i],
    })),
  };
}

/** The map's grid, at the API's own resolution (core/grid.py LAB_RESOLUTION). */
export function gridRequest(state) {
  return { surface: surfaceRef(state) };
}

export function analyzeRequest(state, point) {
  return { surface: surfaceRef(state), point };
}

/**
 * One sweep over every run's optimizer (and schedule), from the shared start, over the
 * API's own range of learning rates unless `rates` ({min, max, count}) says otherwise.
 */
export function sweepRequest(state, surface, rates = null) {
  const labels = runLabels(state.runs);
  return {
    surface: surfaceRef(state),
    start: startOf(state, surface),
    steps: Math.min(state.steps, 5000),
    optimizers: state.runs.map((run, i) => ({
      optimizer: { name: run.optimizer, ...run.hyper },
      ...(run.schedule ? { schedule: run.schedule } : {}),
      label: labels[i],
    })),
    ...(rates ? { learning_rates: rates } : {}),
    gradient_noise: Math.max(...state.runs.map((r) => r.noise), 0),
  };
}
