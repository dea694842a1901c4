// A surface the learner types, f(x, y) as text: how the lab names it to the API, shows it
// in place of a catalogue entry, moves into it, and reads the API's complaints about it.
// Pure: no DOM, so `node --test` checks it. The API owns the grammar; the lab never parses
// an expression itself, it only sends it and shows what comes back.

import { COORDINATE_LIMIT, CUSTOM_SURFACE, DEFAULT_DOMAIN } from "./state.js";

// What "Your own f(x, y)…" starts from: Rosenbrock's text on the built-in Rosenbrock's
// domain, so the first picture is one the learner knows, now editable.
export const STARTER = Object.freeze({
  expression: "(1 - x)^2 + 100*(y - x^2)^2",
  domain: Object.freeze({ x: Object.freeze([-2, 2]), y: Object.freeze([-1, 3]) }),
});

/** Whether the state's surface is a typed one. */
export function isTyped(state) {
  return state.surface === CUSTOM_SURFACE && typeof state.expression === "string";
}

/** The domain a typed surface is drawn on: its own, or the API's default. */
export function domainOf(state) {
  return state.domain ?? DEFAULT_DOMAIN;
}

/** The API's name for a typed surface: {expression, domain?} (no domain: the API's default). */
export function typedSurfaceRef(state) {
  const domain = state.domain ? { x: [...state.domain.x], y: [...state.domain.y] } : null;
  return domain ? { expression: state.expression, domain } : { expression: state.expression };
}

const centre = (domain) => [(domain.x[0] + domain.x[1]) / 2, (domain.y[0] + domain.y[1]) / 2];
const fmt = (v) => String(v).replaceAll("-", "−");

/** A typed surface as the lab's catalogue entries look, so the map and requests need no branch. */
export function typedSurfaceEntry(state) {
  const domain = domainOf(state);
  return {
    // The map keeps the user's zoom while the id stays the same: a new text is a new surface.
    id: `${CUSTOM_SURFACE}:${state.expression}:${JSON.stringify(domain)}`,
    name: "Your f(x, y)",
    formula: state.expression,
    description: `Your surface, on x ∈ [${domain.x.map(fmt).join(", ")}], y ∈ [${domain.y.map(fmt).join(", ")}].`,
    domain,
    default_start: centre(domain),
    minima: [],
    parameters: [],
  };
}

/** Whether point [x, y] lies in the domain (edges included). */
export function inside(point, domain) {
  return Array.isArray(point)
    && point[0] >= domain.x[0] && point[0] <= domain.x[1]
    && point[1] >= domain.y[0] && point[1] <= domain.y[1];
}

/**
 * The store patch that moves the lab onto a typed surface, as picking a surface does: free
 * play, the catalogue's constants gone. The start (the one the learner sees, whether set or
 * the surface's default) stays if it lies in the new domain, else the domain's centre; a
 * typed surface's own default start is its centre, so that one follows the domain. An
 * inspected point stays if it lies in the domain.
 * @param {object} state the store's state; `surface` its surface entry (typedSurfaceEntry
 *   or the catalogue's); `domain` null for the API's default.
 */
export function typedPatch(state, surface, expression, domain) {
  const box = domain ?? DEFAULT_DOMAIN;
  const start = state.start ?? (isTyped(state) ? null : surface?.default_start ?? null);
  return {
    surface: CUSTOM_SURFACE,
    expression,
    domain,
    params: {},
    start: start && inside(start, box) ? [...start] : null,
    inspect: state.inspect && inside(state.inspect, box) ? state.inspect : null,
    lesson: null,
  };
}

/** The 1-based column an API message names ("… at column 7; …"), or null. */
export function errorColumn(message) {
  const match = /\bat column (\d+)\b/.exec(message ?? "");
  return match ? Number(match[1]) : null;
}

/**
 * What went wrong with a request about a typed surface, for the field beside it:
 * {kind: "expression" | "domain", message, column} when the API rejected the text or the
 * domain (422), {kind: "busy", message} when the server had no room (503), and
 * {kind: "failed", message} for anything else (network, other errors): those say nothing
 * about the expression.
 */
export function surfaceProblem(error) {
  const problem = error?.problem;
  const status = problem?.status;
  if (status === 422 && Array.isArray(problem.errors)) {
    for (const kind of ["expression", "domain"]) {
      const found = problem.errors.find((e) => e.field === `surface.${kind}` || e.field?.startsWith(`surface.${kind}.`));
      if (found) return { kind, message: found.message, column: kind === "expression" ? errorColumn(found.message) : null };
    }
  }
  if (status === 503) return { kind: "busy", message: "The server is busy: your surface was not checked yet. Type on, or press Enter to try again." };
  const why = error?.message ?? String(error);
  return { kind: "failed", message: `Could not check your surface: ${why}` };
}

/**
 * The domain the four inputs describe ("x from", "x to", "y from", "y to", as typed). An
 * empty input takes the API's default bound; all four empty is no domain at all (null).
 * Returns {domain} or {error, inputs: indices of the inputs at fault}.
 */
export function readDomain(texts) {
  const defaults = [...DEFAULT_DOMAIN.x, ...DEFAULT_DOMAIN.y];
  if (texts.every((t) => t.trim() === "")) return { domain: null };
  const values = texts.map((t, i) => (t.trim() === "" ? defaults[i] : Number(t)));
  const names = ["x from", "x to", "y from", "y to"];
  for (const [i, v] of values.entries()) {
    if (!Number.isFinite(v)) return { error: `${names[i]} must be a number`, inputs: [i] };
    if (Math.abs(v) > COORDINATE_LIMIT) return { error: `${names[i]} must lie within ±${COORDINATE_LIMIT.toExponential(0).replace("+", "")}`, inputs: [i] };
  }
  for (const axis of [0, 1]) {
    const [lo, hi] = [values[2 * axis], values[2 * axis + 1]];
    if (!(lo < hi)) return { error: `${names[2 * axis]} must be less than ${names[2 * axis + 1]}`, inputs: [2 * axis, 2 * axis + 1] };
  }
  return { domain: { x: [values[0], values[1]], y: [values[2], values[3]] } };
}

/** The text around a column, split so the character there can be marked: [before, at, after]. */
export function markColumn(text, column, context = 40) {
  const at = Math.max(0, Math.min(column - 1, text.length));
  const from = Math.max(0, at - context);
  const to = Math.min(text.length, at + 1 + context);
  return [
    (from > 0 ? "…" : "") + text.slice(from, at),
    text.slice(at, at + 1) || " ", // past the end ("ends too early"): mark the gap there
    text.slice(at + 1, to) + (to < text.length ? "…" : ""),
  ];
}
