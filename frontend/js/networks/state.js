// The Networks page's whole scenario as one plain object, and its URL form. Pure: no DOM,
// so `node --test` checks the round trip. Bounds are the API's (schemas/experiments.py).

export const BATCH_CHOICES = Array.from({ length: 13 }, (_, i) => 2 ** i); // 1 … 4096
// "full" asks for the largest batch the API takes: training clamps it to the training set.
export const FULL_BATCH = 4096;
export const ACTIVATIONS = ["tanh", "relu", "gelu", "sigmoid", "elu"];
export const DIRECTIONS = ["pca", "random"];
export const EXPERIMENT_KINDS = ["minimum_ratio", "batch_size", "loss_comparison", "normalization"];

export const LIMITS = Object.freeze({
  nSamples: { min: 20, max: 4000, integer: true },
  noise: { min: 0, max: 2 },
  dataSeed: { min: 0, max: 2 ** 31 - 1, integer: true },
  learningRate: { min: 0, max: 10, exclusiveMin: true },
  epochs: { min: 1, max: 500, integer: true },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  width: { min: 1, max: 256, integer: true },
  layers: { max: 4 },
  resolution: { min: 5, max: 61, integer: true },
  span: { min: 0, max: 10, exclusiveMin: true },
  margin: { min: 0, max: 2 },
  topK: { min: 1, max: 20, integer: true },
  iterations: { min: 8, max: 200, integer: true },
  probes: { min: 1, max: 64, integer: true },
});
// Bounds the work of one training run (the API's MAX_SAMPLE_EPOCHS).
export const MAX_SAMPLE_EPOCHS = 200_000;

export const DEFAULTS = Object.freeze({
  dataset: "moons",
  nSamples: 400,
  noise: 0.2,
  dataSeed: 0,
  features: [0, 1],      // which two inputs the data plot shows (iris has four)
  widths: [16, 16],
  activation: "tanh",
  batchNorm: false,
  loss: "cross_entropy",
  optimizer: "adam",
  learningRate: 0.01,
  batchSize: 32,         // a number, or "full"
  epochs: 30,
  seed: 0,
  directions: "pca",     // the landscape's plane
  resolution: 31,
  span: 1,
  margin: 0.25,
  landscapeView: "contour", // "contour" | "surface3d"
  topK: 5,               // the Hessian's settings
  iterations: 64,
  probes: 16,
  experiment: "loss_comparison", // the open experiment tab
});

/** A deep copy of the defaults, safe to change. */
export function defaultState() {
  return structuredClone({ ...DEFAULTS });
}

/** Whether `value` is a number within `limit` ({min, max, integer, exclusiveMin}). */
export function withinLimit(value, limit) {
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (limit.integer && !Number.isInteger(value)) return false;
  if (limit.min !== undefined && (limit.exclusiveMin ? value <= limit.min : value < limit.min)) return false;
  return limit.max === undefined || value <= limit.max;
}

const isWidths = (v) => Array.isArray(v) && v.length <= LIMITS.layers.max && v.every((w) => withinLimit(w, LIMITS.width));
const isBatch = (v) => v === "full" || BATCH_CHOICES.includes(v);

// URL key → [state field, parse(text) → value or undefined, format(value) → text].
const number = (limit) => [(t) => { const v = Number(t); return t !== "" && withinLimit(v, limit) ? v : undefined; }, String];
const choice = (options) => [(t) => (options.includes(t) ? t : undefined), String];
const name = [(t) => (/^[a-z0-9_]{1,32}$/.test(t) ? t : undefined), String];
const flag = [(t) => (t === "1" ? true : t === "0" ? false : undefined), (v) => (v ? "1" : "0")];
const list = (valid) => [
  (t) => { const v = t === "" ? [] : t.split(",").map(Number); return valid(v) ? v : undefined; },
  (v) => v.join(","),
];

const URL_FIELDS = {
  d: ["dataset", ...name],
  n: ["nSamples", ...number(LIMITS.nSamples)],
  nz: ["noise", ...number(LIMITS.noise)],
  ds: ["dataSeed", ...number(LIMITS.dataSeed)],
  f: ["features", ...list((v) => v.length === 2 && v.every((i) => Number.isInteger(i) && i >= 0 && i < 64))],
  w: ["widths", ...list(isWidths)],
  act: ["activation", ...choice(ACTIVATIONS)],
  bn: ["batchNorm", ...flag],
  loss: ["loss", ...choice(["cross_entropy", "softmax_mse", "mse"])],
  opt: ["optimizer", ...name],
  lr: ["learningRate", ...number(LIMITS.learningRate)],
  bs: ["batchSize", (t) => { const v = t === "full" ? t : Number(t); return isBatch(v) ? v : undefined; }, String],
  ep: ["epochs", ...number(LIMITS.epochs)],
  seed: ["seed", ...number(LIMITS.seed)],
  dir: ["directions", ...choice(DIRECTIONS)],
  res: ["resolution", ...number(LIMITS.resolution)],
  span: ["span", ...number(LIMITS.span)],
  mar: ["margin", ...number(LIMITS.margin)],
  lv: ["landscapeView", ...choice(["contour", "surface3d"])],
  k: ["topK", ...number(LIMITS.topK)],
  it: ["iterations", ...number(LIMITS.iterations)],
  pr: ["probes", ...number(LIMITS.probes)],
  x: ["experiment", ...choice(EXPERIMENT_KINDS)],
};

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The URL query string for a state: only what differs from the defaults. */
export function encodeState(state) {
  const q = new URLSearchParams();
  for (const [key, [field, , format]] of Object.entries(URL_FIELDS)) {
    if (!same(state[field], DEFAULTS[field])) q.set(key, format(state[field]));
  }
  return q.toString();
}

/** The state a query string describes; unknown keys and malformed values are ignored. */
export function decodeState(search) {
  const state = defaultState();
  const q = new URLSearchParams(search);
  for (const [key, [field, parse]] of Object.entries(URL_FIELDS)) {
    if (!q.has(key)) continue;
    const value = parse(q.get(key));
    if (value !== undefined) state[field] = value;
  }
  return state;
}
