// The lab's whole scenario as one plain object, and its URL form.
// Pure: no DOM, so `node --test` checks the round trip.

export const PALETTE = [
  // Okabe–Ito: distinguishable with every common colour-vision deficiency.
  "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000",
];

export const MAX_RUNS = 8;
// The hyperparameter map's metrics (POST /api/maps) with their names, and its sizes.
export const MAP_METRICS = Object.freeze([
  ["final_loss", "final loss"],
  ["mean_loss", "mean loss"],
  ["steps_to_tolerance", "steps to within 10⁻³ of the minimum"],
  ["diverged", "diverged"],
]);
export const MAP_COUNTS = Object.freeze([32, 64, 128]);
export const STEP_CHOICES = [100, 200, 300, 500, 1000, 2000, 5000];

// A surface the learner types is `surface: CUSTOM_SURFACE` with its text in `expression`;
// `expression` and `domain` mean nothing for a catalogue surface (a lesson that sets
// `surface` therefore needs not clear them).
export const CUSTOM_SURFACE = "custom";
export const MAX_EXPRESSION_LENGTH = 500; // characters, as the API allows
export const COORDINATE_LIMIT = 1e6; // |coordinate| the API accepts
export const DEFAULT_DOMAIN = Object.freeze({ x: Object.freeze([-5, 5]), y: Object.freeze([-5, 5]) });

/** A run as the lab keeps it: optax names for hyperparameters, as the API takes them. */
export function makeRun(optimizer, hyper = {}, extra = {}) {
  return { optimizer, hyper: { ...hyper }, schedule: null, noise: 0, seed: 0, color: 0, ...extra };
}

export const DEFAULTS = Object.freeze({
  surface: "rosenbrock",
  params: {},            // surface constants, e.g. {condition: 100}
  expression: null,      // f(x, y) as typed, when surface is CUSTOM_SURFACE
  domain: null,          // {x: [lo, hi], y: [lo, hi]} of a typed surface; null: the API's default
  view: "contour",       // "contour" | "surface3d"
  logScale: null,        // log colour scale; null: the surface's own (its catalogue log_scale)
  start: null,           // [x, y]; null: the surface's default start
  steps: 500,
  step: 0,               // the animation cursor
  speed: 4,              // animation steps per frame
  runs: [
    makeRun("sgd", { learning_rate: 0.001 }, { color: 0 }),
    makeRun("momentum", { learning_rate: 0.001, momentum: 0.9 }, { color: 1 }),
    makeRun("rmsprop", { learning_rate: 0.01 }, { color: 2 }),
    makeRun("adam", { learning_rate: 0.05 }, { color: 3 }),
  ],
  lesson: null,
  inspect: null,         // [x, y] of the point inspector, or null
  hmap: null,            // the hyperparameter map (hyper_map.js), or null
  anatomy: null,         // the run whose update at the cursor is taken apart (step_anatomy.js), or null
  embed: false,
});

/** A deep copy of the defaults, safe to change. */
export function defaultState() {
  return structuredClone({ ...DEFAULTS, runs: DEFAULTS.runs.map((r) => structuredClone(r)) });
}

const finite = (v) => typeof v === "number" && Number.isFinite(v);
const point = (v) => (Array.isArray(v) && v.length === 2 && v.every(finite) ? [v[0], v[1]] : null);
const interval = (v) => {
  const pair = point(v);
  return pair && pair[0] < pair[1] && pair.every((c) => Math.abs(c) <= COORDINATE_LIMIT) ? pair : null;
};

function compactRun(run) {
  const out = { o: run.optimizer, h: run.hyper };
  if (run.schedule) out.sch = run.schedule;
  if (run.noise) out.g = run.noise;
  if (run.seed) out.seed = run.seed;
  if (run.color) out.c = run.color;
  if (run.label) out.l = run.label;
  if (run.userSet?.length) out.u = run.userSet;
  return out;
}

function expandRun(raw) {
  if (!raw || typeof raw.o !== "string") return null;
  const hyper = {};
  for (const [k, v] of Object.entries(raw.h ?? {})) if (finite(v)) hyper[k] = v;
  const run = makeRun(raw.o, hyper);
  if (raw.sch && typeof raw.sch === "object" && typeof raw.sch.name === "string") run.schedule = raw.sch;
  if (finite(raw.g) && raw.g >= 0) run.noise = raw.g;
  if (Number.isInteger(raw.seed) && raw.seed >= 0) run.seed = raw.seed;
  if (Number.isInteger(raw.c) && raw.c >= 0) run.color = raw.c % PALETTE.length;
  if (typeof raw.l === "string") run.label = raw.l.slice(0, 64);
  const userSet = Array.isArray(raw.u) ? raw.u.filter((name) => typeof name === "string" && name in hyper) : [];
  if (userSet.length) run.userSet = userSet;
  return run;
}

function parseJSON(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const integerIn = (lo, hi) => (t) => { const v = Number(t); return Number.isInteger(v) && v >= lo && v <= hi ? v : undefined; };
const unlessDefault = (field) => (v) => (v === DEFAULTS[field] ? null : String(v));
const jsonPoint = [(t) => point(parseJSON(t)) ?? undefined, (v) => (v ? JSON.stringify(v) : null)];

function parseParams(text) {
  const params = parseJSON(text);
  if (!params || typeof params !== "object" || Array.isArray(params)) return undefined;
  return Object.fromEntries(Object.entries(params).filter(([, v]) => finite(v)));
}

function parseRuns(text) {
  const runs = parseJSON(text);
  if (!Array.isArray(runs)) return undefined;
  const parsed = runs.map(expandRun).filter(Boolean).slice(0, MAX_RUNS);
  return parsed.length ? parsed : undefined;
}

// The map's URL form: {r: run, x: [param, min, max, count, scale], y: [...], m: metric}.
const axisOut = (a) => [a.param, a.min, a.max, a.count, a.scale];
function axisIn(v) {
  if (!Array.isArray(v) || v.length !== 5) return null;
  const [param, min, max, count, scale] = v;
  const ok = typeof param === "string" && finite(min) && finite(max) && min < max
    && MAP_COUNTS.includes(count) && ["log", "linear"].includes(scale) && (scale === "linear" || min > 0);
  return ok ? { param, min, max, count, scale } : null;
}

function parseMap(text) {
  const raw = parseJSON(text);
  if (!raw || typeof raw !== "object") return undefined;
  const [x, y] = [axisIn(raw.x), axisIn(raw.y)];
  const metric = MAP_METRICS.some(([m]) => m === raw.m) ? raw.m : null;
  if (!x || !y || x.param === y.param || !metric || !Number.isInteger(raw.r) || raw.r < 0) return undefined;
  return { run: raw.r, x, y, metric };
}

const formatMap = (m) => (m ? JSON.stringify({ r: m.run, x: axisOut(m.x), y: axisOut(m.y), m: m.metric }) : null);

// The URL form of every field but the surface's (below), in the order a link shows them.
// Short keys, so a shared link stays readable. [key, state field, parse(text) → value, or
// undefined to keep the default; format(value) → text, or null to leave the key out].
const URL_FIELDS = [
  ["p", "params", parseParams, (v) => (Object.keys(v).length ? JSON.stringify(v) : null)],
  ["v", "view", (t) => (["contour", "surface3d"].includes(t) ? t : undefined), unlessDefault("view")],
  ["log", "logScale", (t) => (t === "1" ? true : t === "0" ? false : undefined), (v) => (typeof v === "boolean" ? (v ? "1" : "0") : null)],
  ["x", "start", ...jsonPoint],
  ["n", "steps", integerIn(1, 20000), unlessDefault("steps")],
  ["t", "step", integerIn(0, Infinity), (v) => (v ? String(v) : null)],
  ["sp", "speed", (t) => { const v = Number(t); return finite(v) && v > 0 && v <= 100 ? v : undefined; }, unlessDefault("speed")],
  ["r", "runs", parseRuns, (v) => JSON.stringify(v.map(compactRun))],
  ["lesson", "lesson", (t) => t, (v) => v || null],
  ["i", "inspect", ...jsonPoint],
  ["hm", "hmap", parseMap, formatMap],
  ["sa", "anatomy", integerIn(0, MAX_RUNS - 1), (v) => (v === null ? null : String(v))],
  ["embed", "embed", (t) => (t === "1" ? true : undefined), (v) => (v ? "1" : null)],
];

/** The URL query string for a state: only what differs from the defaults. */
export function encodeState(state) {
  const q = new URLSearchParams();
  // The surface: a typed one as its text (and domain), a catalogue one as its id.
  if (state.surface === CUSTOM_SURFACE && state.expression) {
    q.set("fx", state.expression);
    if (state.domain) {
      q.set("fdx", JSON.stringify(state.domain.x));
      q.set("fdy", JSON.stringify(state.domain.y));
    }
  } else if (state.surface !== DEFAULTS.surface) q.set("s", state.surface);
  for (const [key, field, , format] of URL_FIELDS) {
    const text = format(state[field]);
    if (text !== null) q.set(key, text);
  }
  return q.toString();
}

/** The state a query string describes; unknown keys and malformed values are ignored. */
export function decodeState(search) {
  const state = defaultState();
  const q = new URLSearchParams(search);
  if (q.has("s")) state.surface = q.get("s");
  // A typed surface wins over `s`; one that is empty or too long is dropped.
  const expression = q.get("fx");
  if (expression?.trim() && expression.length <= MAX_EXPRESSION_LENGTH) {
    state.surface = CUSTOM_SURFACE;
    state.expression = expression;
    const [x, y] = [interval(parseJSON(q.get("fdx"))), interval(parseJSON(q.get("fdy")))];
    // An axis left out (or malformed) takes the API's default, like the domain inputs.
    if (x || y) state.domain = { x: x ?? [...DEFAULT_DOMAIN.x], y: y ?? [...DEFAULT_DOMAIN.y] };
  } else if (state.surface === CUSTOM_SURFACE) state.surface = DEFAULTS.surface;
  for (const [key, field, parse] of URL_FIELDS) {
    if (!q.has(key)) continue;
    const value = parse(q.get(key));
    if (value !== undefined) state[field] = value;
  }
  state.step = Math.min(state.step, state.steps); // the cursor stays within the race
  return state;
}
