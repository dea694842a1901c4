// The Networks page's whole scenario as one plain object, and its URL form. Pure: no DOM,
// so `node --test` checks the round trip. Defaults and bounds are the API's
// (`GET /api/experiments/kinds`): the page loads them once, before anything reads them.

export const BATCH_CHOICES = Array.from({ length: 13 }, (_, i) => 2 ** i); // 1 … 4096
// (A batch size may also be "full", the API's own word for the whole training set.)
export const EXPERIMENT_KINDS = ["minimum_ratio", "batch_size", "loss_comparison", "normalization", "skip_connections"];

// State field → [experiment kind, the field's path in its params]: where its default and
// bounds come from.
const FROM_API = {
  dataset: ["train", "dataset"],
  nSamples: ["train", "n_samples"],
  noise: ["train", "noise"],
  dataSeed: ["train", "data_seed"],
  architecture: ["train", "architecture"],
  widths: ["train", "widths"],
  depth: ["train", "depth"],
  channels: ["train", "channels"],
  skipConnections: ["train", "skip_connections"],
  activation: ["train", "activation"],
  batchNorm: ["train", "batch_norm"],
  loss: ["train", "loss"],
  optimizer: ["train", "optimizer"],
  learningRate: ["train", "learning_rate"],
  batchSize: ["train", "batch_size"],
  epochs: ["train", "epochs"],
  seed: ["train", "seed"],
  // The network's inputs: maps of (x₁, x₂), as TensorFlow Playground's (2-D data, MLP only).
  // ("features" on this page is the data plot's two axes.)
  inputFeatures: ["train", "features"],
  testFraction: ["train", "test_fraction"],
  regularization: ["train", "regularization"],
  regularizationRate: ["train", "regularization_rate"],
  directions: ["landscape", "directions"],
  resolution: ["landscape", "resolution"],
  span: ["landscape", "span"],
  margin: ["landscape", "margin"],
  topK: ["hessian", "top_k"],
  iterations: ["hessian", "iterations"],
  probes: ["hessian", "probes"],
};

// The page's own settings, which no experiment takes.
const PAGE_DEFAULTS = {
  features: [0, 1],      // which two inputs the data plot shows (iris has four)
  landscapeView: "contour", // "contour" | "surface3d"
  experiment: "loss_comparison", // the open experiment tab
};

/** Bounds by state field ({min, max, integer, exclusiveMin}); `width`, `layers`: the widths'. */
export const LIMITS = {};
/** Every state field's default (a batch size is a number, or "full"). */
export const DEFAULTS = { ...PAGE_DEFAULTS };
/** Choices by state field (activation, loss, directions); the samples × epochs limit. */
export const CHOICES = {};
// Names a field takes besides its choices (an uploaded dataset's id), from the API.
export const PATTERNS = {};
export const BUDGET = { sampleEpochs: Infinity };

const FIELDS = new Map(); // kind → (path → the API's field)
const PER_RUN = new Map(); // kind → {setup field: null (a list of its own) or words}

/** The setup fields experiment `kind` sets per run (the API's `per_run`); none if unknown. */
export const perRunOf = (kind) => PER_RUN.get(kind) ?? {};

/** The API's description of an experiment's setting: {type, default, minimum, …}. */
export function apiField(kind, path) {
  const field = FIELDS.get(kind)?.get(path);
  if (!field) throw new Error(`the API has no ${kind} setting ${path}`);
  return field;
}

/** A numeric field's bounds as `withinLimit` reads them; `step`: values are its multiples. */
export const limitOf = (field) => ({
  min: field.minimum ?? undefined,
  max: field.maximum ?? undefined,
  integer: field.type === "integer",
  exclusiveMin: field.exclusive_minimum,
  // Values the API takes only as multiples (a ResNet-style network's even depth).
  step: field.multiple_of ?? undefined,
});

/**
 * Take defaults, bounds and choices from the API's experiment kinds (the answer of
 * `GET /api/experiments/kinds`); throws if a field the page needs is missing there.
 */
export function useExperimentKinds(kinds) {
  for (const k of kinds) {
    FIELDS.set(k.kind, new Map(k.fields.map((f) => [f.name, f])));
    PER_RUN.set(k.kind, k.per_run);
  }
  for (const [key, [kind, name]] of Object.entries(FROM_API)) {
    const field = apiField(kind, name);
    DEFAULTS[key] = structuredClone(field.default);
    if (field.choices) CHOICES[key] = field.choices;
    if (field.pattern) PATTERNS[key] = new RegExp(`^(?:${field.pattern})$`);
    if (key === "widths") {
      LIMITS.width = limitOf(field.items);
      LIMITS.layers = { max: field.max_items };
    } else if (field.type === "array") {
      // A list of names (the input features): its choices and how many it takes.
      if (field.items?.choices) CHOICES[key] = field.items.choices;
      LIMITS[key] = { min: field.min_items ?? 0, max: field.max_items ?? Infinity };
    } else if (field.type === "integer" || field.type === "number") {
      LIMITS[key] = limitOf(field);
    }
  }
  BUDGET.sampleEpochs = kinds.find((k) => k.kind === "train").limits.sample_epochs;
  return DEFAULTS;
}

/** A deep copy of the defaults, safe to change. */
export function defaultState() {
  return structuredClone({ ...DEFAULTS });
}

/** Whether `value` is a number within `limit` ({min, max, integer, exclusiveMin, step}). */
export function withinLimit(value, limit) {
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (limit.integer && !Number.isInteger(value)) return false;
  if (limit.step && value % limit.step !== 0) return false;
  if (limit.min !== undefined && (limit.exclusiveMin ? value <= limit.min : value < limit.min)) return false;
  return limit.max === undefined || value <= limit.max;
}

const isWidths = (v) => Array.isArray(v) && v.length <= LIMITS.layers.max && v.every((w) => withinLimit(w, LIMITS.width));
const isBatch = (v) => v === "full" || BATCH_CHOICES.includes(v);

// URL key → [state field, parse(text) → value or undefined, format(value) → text].
const number = (key) => [(t) => { const v = Number(t); return t !== "" && withinLimit(v, LIMITS[key]) ? v : undefined; }, String];
const choice = (options) => [(t) => (options.includes(t) ? t : undefined), String];
const apiChoice = (key) => [(t) => (CHOICES[key].includes(t) ? t : undefined), String];
const name = [(t) => (/^[a-z0-9_]{1,32}$/.test(t) ? t : undefined), String];
// A dataset: a name, or an uploaded table's id (the API's pattern for it).
const datasetName = [(t) => (name[0](t) ?? (PATTERNS.dataset?.test(t) ? t : undefined)), String];
const flag = [(t) => (t === "1" ? true : t === "0" ? false : undefined), (v) => (v ? "1" : "0")];
// Distinct names from the API's choices, as many as its bounds allow: "x1,sin_x1".
const nameList = (key) => [
  (t) => {
    const v = t.split(",");
    const ok = v.every((n) => CHOICES[key].includes(n)) && new Set(v).size === v.length
      && v.length >= LIMITS[key].min && v.length <= LIMITS[key].max;
    return ok ? v : undefined;
  },
  (v) => v.join(","),
];
const list = (valid) => [
  (t) => { const v = t === "" ? [] : t.split(",").map(Number); return valid(v) ? v : undefined; },
  (v) => v.join(","),
];

const URL_FIELDS = {
  d: ["dataset", ...datasetName],
  n: ["nSamples", ...number("nSamples")],
  nz: ["noise", ...number("noise")],
  ds: ["dataSeed", ...number("dataSeed")],
  f: ["features", ...list((v) => v.length === 2 && v.every((i) => Number.isInteger(i) && i >= 0 && i < 64))],
  arch: ["architecture", ...apiChoice("architecture")],
  w: ["widths", ...list(isWidths)],
  dp: ["depth", ...number("depth")],
  ch: ["channels", ...number("channels")],
  sk: ["skipConnections", ...flag],
  act: ["activation", ...apiChoice("activation")],
  bn: ["batchNorm", ...flag],
  loss: ["loss", ...apiChoice("loss")],
  opt: ["optimizer", ...name],
  lr: ["learningRate", ...number("learningRate")],
  bs: ["batchSize", (t) => { const v = t === "full" ? t : Number(t); return isBatch(v) ? v : undefined; }, String],
  ep: ["epochs", ...number("epochs")],
  seed: ["seed", ...number("seed")],
  ft: ["inputFeatures", ...nameList("inputFeatures")],
  ts: ["testFraction", ...number("testFraction")],
  rg: ["regularization", ...apiChoice("regularization")],
  rr: ["regularizationRate", ...number("regularizationRate")],
  dir: ["directions", ...apiChoice("directions")],
  res: ["resolution", ...number("resolution")],
  span: ["span", ...number("span")],
  mar: ["margin", ...number("margin")],
  lv: ["landscapeView", ...choice(["contour", "surface3d"])],
  k: ["topK", ...number("topK")],
  it: ["iterations", ...number("iterations")],
  pr: ["probes", ...number("probes")],
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
