// Drawing with Plotly (a global from /vendor/plotly.min.js): one config for every plot,
// and redraws of one element serialized, coalesced and paced. Two Plotly.react calls on
// one element never overlap; while one runs only the newest request waits behind it; and
// a plot is redrawn at most every MIN_INTERVAL_MS. Live training sends a figure per epoch,
// often far faster than Plotly draws (the data plot takes ~60 ms): drawing each one would
// fall behind the job and keep the page busy. A figure may be given as a function, so that
// figures which are replaced before being drawn are never even built.

import { plotConfig } from "../downloads.js";

// Plotly's own PNG button and an SVG one beside it (downloads.js).
export const PLOT_CONFIG = plotConfig({ filename: "descentlab-networks" });
export const MIN_INTERVAL_MS = 100;

const running = new WeakMap(); // element → the promise of the draw in progress
const waiting = new WeakMap(); // element → {paint, done}: the one draw queued behind it
const finished = new WeakMap(); // element → when its last draw ended (performance.now())

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function schedule(element, paint) {
  const queued = waiting.get(element);
  if (queued) {
    queued.paint = paint; // a newer figure replaces the one not drawn yet
    return queued.done;
  }
  const entry = { paint };
  const before = running.get(element) ?? Promise.resolve();
  entry.done = before.catch(() => {}).then(async () => {
    const last = finished.get(element);
    if (last !== undefined) await sleep(last + MIN_INTERVAL_MS - performance.now());
    waiting.delete(element);
    const drawing = Promise.resolve().then(() => entry.paint());
    running.set(element, drawing);
    try {
      return await drawing;
    } finally {
      finished.set(element, performance.now());
    }
  });
  waiting.set(element, entry);
  return entry.done;
}

/** Plotly.react `figure` (or what `figure()` returns) into `element`, in turn (see above). */
export function draw(element, figure) {
  return schedule(element, () => {
    const { data, layout } = typeof figure === "function" ? figure() : figure;
    return Plotly.react(element, data, layout, PLOT_CONFIG);
  });
}

/** Empty an element that held a plot. */
export function clear(element) {
  return schedule(element, () => Plotly.purge(element));
}
