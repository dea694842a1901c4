// Drawing with Plotly (a global from /vendor/plotly.min.js): one config for every plot,
// and redraws of one element serialized, coalesced and paced. Two Plotly.react calls on
// one element never overlap; while one runs only the newest request waits behind it; and
// a plot's redraws start at most every MIN_INTERVAL_MS. Live training sends figures far
// faster than Plotly draws (the data plot takes ~45 ms): drawing each one would fall
// behind and keep the page busy. Counted from the start of the last draw, the interval
// keeps a plot at 12 frames a second while its draws take less than the interval (from
// their end, a 45 ms draw made it 7). A figure may be given as a function, so that
// figures which are replaced before being drawn are never even built.

import { plotConfig } from "../downloads.js";

// Plotly's own PNG button and an SVG one beside it (downloads.js).
export const PLOT_CONFIG = plotConfig({ filename: "descentlab-networks" });
export const MIN_INTERVAL_MS = 80;

const running = new WeakMap(); // element → the promise of the draw in progress
const waiting = new WeakMap(); // element → {paint, done}: the one draw queued behind it
const started = new WeakMap(); // element → when its last draw began (performance.now())

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
    const last = started.get(element);
    if (last !== undefined) await sleep(last + MIN_INTERVAL_MS - performance.now());
    waiting.delete(element);
    started.set(element, performance.now());
    const drawing = Promise.resolve().then(() => entry.paint());
    running.set(element, drawing);
    return drawing;
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
