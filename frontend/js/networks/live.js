// Live training (TensorFlow Playground's Play): what one POST /api/live/steps asks for,
// when a setup change must start the run again, the curves, the recording a standalone
// page is replayed from, and what an error means for the learner. Pure: no DOM, no timers.

// The setup fields the server lets a run change between calls (the API's names): they
// take effect at the next call. Any other change answers 409: the run starts again.
export const TUNABLE = ["learning_rate", "regularization", "regularization_rate", "epochs"];
// The most updates one call may ask for (the endpoint's bound, 0–1,000).
export const MAX_UPDATES = 1000;
// The most frames a standalone page replays (the server's replay keeps 60).
export const EXPORT_FRAMES = 60;

/** How much one frame trains: a few updates, or whole epochs (the default: one). */
export const SPEEDS = [
  { name: "1u", label: "1 update", updates: 1 },
  { name: "10u", label: "10 updates", updates: 10 },
  { name: "1e", label: "1 epoch", epochs: 1 },
  { name: "2e", label: "2 epochs", epochs: 2 },
  { name: "5e", label: "5 epochs", epochs: 5 },
];
export const DEFAULT_SPEED = "1e";

/** Updates per frame at `speed` for a run of `stepsPerEpoch` updates an epoch, within the bound. */
export function updatesPerFrame(speed, stepsPerEpoch) {
  const choice = SPEEDS.find((s) => s.name === speed) ?? SPEEDS.find((s) => s.name === DEFAULT_SPEED);
  const updates = choice.updates ?? choice.epochs * stepsPerEpoch;
  return Math.min(Math.max(Math.round(updates), 1), MAX_UPDATES);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Whether going from setup `before` to `after` (the API's NetworkSetupParams) needs a new
 * run: any field but the tunable ones changed, or one was added or dropped.
 */
export function needsReset(before, after) {
  if (!before) return true;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].some((key) => !TUNABLE.includes(key) && !same(before[key], after[key]));
}

/** The request body: the setup as it is now, the previous state as it came. */
export const liveRequest = (setup, state, updates) => ({ setup, state: state ?? null, updates });

/** Empty curves: one row per frame the run reported. */
export function emptyHistory(classification) {
  const history = { epoch: [], train_loss: [], test_loss: [] };
  if (classification) Object.assign(history, { train_accuracy: [], test_accuracy: [] });
  return history;
}

/** The curves with one response's epoch and metrics added (a new array each, for Plotly). */
export function withFrame(history, response) {
  const next = { ...history, epoch: [...history.epoch, response.epoch] };
  for (const key of Object.keys(history)) {
    if (key !== "epoch") next[key] = [...history[key], response.metrics?.[key] ?? null];
  }
  return next;
}

/** `count` indices from 0 to `length` − 1, evenly spread, the first and last included. */
export function spreadIndices(length, count) {
  if (length <= count) return Array.from({ length }, (_, i) => i);
  if (count <= 1) return [length - 1];
  const picked = Array.from({ length: count }, (_, k) => Math.round((k * (length - 1)) / (count - 1)));
  return [...new Set(picked)];
}

/** At most `max` of `frames`, evenly spread over the run, its first and last frame kept. */
export const thinFrames = (frames, max = EXPORT_FRAMES) => spreadIndices(frames.length, max).map((i) => frames[i]);

/** A run's tunable values now, as a recording's segment names them (from the page's state). */
export const segmentValues = (state) => ({
  learning_rate: state.learningRate,
  regularization: state.regularization,
  regularization_rate: state.regularizationRate,
});

/**
 * The recording with `updates` more run under `values` (`segmentValues`): a run is its first
 * setup and its segments, one per stretch of one learning rate and penalty (the server
 * replays them exactly for a standalone page: POST /api/export/network). Updates under the
 * last segment's values extend it.
 */
export function withSegment(segments, values, updates) {
  if (updates <= 0) return segments;
  const last = segments.at(-1);
  if (last && Object.keys(values).every((key) => last[key] === values[key])) {
    return [...segments.slice(0, -1), { ...last, updates: last.updates + updates }];
  }
  return [...segments, { updates, ...values }];
}

/** The body of POST /api/export/network: the run's first setup, its segments, a way back. */
export const liveExportRequest = (setup, segments, link) => ({ setup, segments, link });

/** What to tell the learner when a call failed; `stop`: whether playing must stop. */
export function liveErrorMessage(error) {
  const detail = error?.message ? `: ${error.message}` : "";
  switch (error?.status) {
    case 409: return "The setup changed under the run, so it starts again from epoch 0.";
    case 422: return `The server cannot train this live${detail}`;
    case 429: return "Too many requests from this browser: paused. Press Play again in a moment.";
    case 503: return "The server is busy: paused. Press Play again in a moment.";
    default: return `Live training stopped${detail || ": the server did not answer"}`;
  }
}

/** The line under the buttons after a response. */
export function liveStatus(response) {
  const epoch = Number.isInteger(response.epoch) ? String(response.epoch) : response.epoch.toFixed(2);
  return `epoch ${epoch} · ${response.updates.toLocaleString("en")} updates of batch ${response.batch_size}`;
}

/** The message when the run diverged: the weights are gone, Play starts again. */
export const DIVERGED = "The run diverged (the loss is no longer a finite number): lower the learning rate or the regularization, then press Play to start again.";
