// A typed surface: its URL form, the request bodies that name it, the patch that moves the
// lab onto it, and reading the API's complaints (the column an error names).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  STARTER, errorColumn, inside, isTyped, markColumn, readDomain, surfaceProblem, typedPatch,
  typedSurfaceEntry, typedSurfaceRef,
} from "../../frontend/js/expression.js";
import {
  analyzeRequest, gridRequest, surfaceRef, sweepRequest, trajectoryRequest,
} from "../../frontend/js/requests.js";
import {
  CUSTOM_SURFACE, DEFAULT_DOMAIN, MAX_EXPRESSION_LENGTH, decodeState, defaultState, encodeState,
} from "../../frontend/js/state.js";

const ROSENBROCK_TEXT = "(1 - x)^2 + 100*(y - x^2)^2";
const ROSENBROCK = { id: "rosenbrock", default_start: [-1.2, 1.0] };
const query = (entries) => `?${new URLSearchParams(entries).toString()}`;

function typedState(extra = {}) {
  return {
    ...defaultState(), surface: CUSTOM_SURFACE, expression: ROSENBROCK_TEXT,
    domain: { x: [-2, 2], y: [-1, 3] }, start: [-1.2, 1], ...extra,
  };
}

/** An Error as api.js throws it: the problem+json body in `problem`. */
function apiError(problem) {
  const error = new Error(problem.detail ?? `HTTP ${problem.status}`);
  error.problem = problem;
  return error;
}

describe("the URL form of a typed surface", () => {
  it("round-trips the expression and its domain exactly", () => {
    const state = typedState({ expression: "sin(3*x) * exp(-y^2) + 0.1*x^2", domain: { x: [-3.5, 2.25], y: [-1e-3, 4] } });
    const search = encodeState(state);
    const q = new URLSearchParams(search);
    assert.equal(q.get("fx"), "sin(3*x) * exp(-y^2) + 0.1*x^2");
    assert.deepEqual(JSON.parse(q.get("fdx")), [-3.5, 2.25]);
    assert.deepEqual(JSON.parse(q.get("fdy")), [-1e-3, 4]);
    assert.equal(q.has("s"), false, "fx names the surface; no s beside it");
    assert.deepEqual(decodeState(search), state);
  });

  it("leaves the domain out when it is the API's default (null), and reads it back as null", () => {
    const state = typedState({ domain: null, start: null });
    const search = encodeState(state);
    assert.deepEqual([...new URLSearchParams(search).keys()], ["fx", "r"]);
    assert.deepEqual(decodeState(search), state);
  });

  it("keeps characters a URL treats specially: + & = # % and spaces", () => {
    const expression = "x^2 + y^2 + 0*(1 % 1) & #=";
    const decoded = decodeState(encodeState(typedState({ expression })));
    assert.equal(decoded.expression, expression);
  });

  it("writes no fx for a catalogue surface, even with an expression left over", () => {
    const state = { ...typedState(), surface: "himmelblau" }; // as a lesson leaves it
    const q = new URLSearchParams(encodeState(state));
    assert.equal(q.get("s"), "himmelblau");
    assert.ok(!q.has("fx") && !q.has("fdx") && !q.has("fdy"));
    const decoded = decodeState(encodeState(state));
    assert.equal(decoded.surface, "himmelblau");
    assert.equal(decoded.expression, null);
    assert.equal(isTyped(decoded), false);
  });

  it("lets fx win over s, and drops empty or too long expressions", () => {
    assert.equal(decodeState(query({ s: "beale", fx: "x*y" })).surface, CUSTOM_SURFACE);
    assert.deepEqual(decodeState(query({ fx: "   " })), defaultState());
    assert.deepEqual(decodeState(query({ fx: "x".repeat(MAX_EXPRESSION_LENGTH + 1) })), defaultState());
    assert.equal(decodeState(query({ fx: "x".repeat(MAX_EXPRESSION_LENGTH) })).expression.length, MAX_EXPRESSION_LENGTH);
    assert.deepEqual(decodeState(query({ s: CUSTOM_SURFACE })), defaultState(), "custom without fx: the default surface");
  });

  it("keeps a valid axis next to a malformed one, and ignores domain keys without fx", () => {
    const partial = decodeState(query({ fx: "x", fdx: "[1, 2]", fdy: "[3, 2]" }));
    assert.deepEqual(partial.domain, { x: [1, 2], y: [...DEFAULT_DOMAIN.y] });
    for (const bad of ["[2, 1]", "[1, 1]", "[1]", "{\"lo\": 1}", "[1, 1e999]", "[-2e6, 0]", "not json"]) {
      assert.equal(decodeState(query({ fx: "x", fdx: bad, fdy: bad })).domain, null, bad);
    }
    assert.deepEqual(decodeState(query({ fdx: "[1, 2]", fdy: "[1, 2]" })), defaultState());
  });

  it("still ignores unknown keys next to a typed surface", () => {
    const state = typedState();
    assert.deepEqual(decodeState(`${encodeState(state)}&fz=1&utm_source=x`), state);
  });
});

describe("request bodies for a typed surface", () => {
  const ref = { expression: ROSENBROCK_TEXT, domain: { x: [-2, 2], y: [-1, 3] } };

  it("names it {expression, domain} in every request the lab sends", () => {
    const state = typedState();
    const entry = typedSurfaceEntry(state);
    assert.deepEqual(surfaceRef(state), ref);
    assert.deepEqual(gridRequest(state), { surface: ref });
    assert.deepEqual(analyzeRequest(state, [0.5, 0.5]), { surface: ref, point: [0.5, 0.5] });
    const race = trajectoryRequest(state, entry);
    assert.deepEqual(race.surface, ref);
    for (const run of race.runs) assert.deepEqual(run.start, [-1.2, 1]);
    assert.deepEqual(sweepRequest(state, entry).surface, ref);
  });

  it("differs from the built-in race only in how it names the surface", () => {
    const builtIn = trajectoryRequest({ ...defaultState(), start: [-1.2, 1] }, ROSENBROCK);
    const typed = trajectoryRequest(typedState(), typedSurfaceEntry(typedState()));
    assert.deepEqual({ ...typed, surface: "rosenbrock" }, builtIn);
  });

  it("leaves the domain out when the state has none, and ignores the catalogue's constants", () => {
    const state = typedState({ domain: null, params: { condition: 3 } });
    assert.deepEqual(surfaceRef(state), { expression: ROSENBROCK_TEXT });
  });

  it("starts at the domain's centre when no start is set", () => {
    const state = typedState({ start: null, domain: { x: [0, 4], y: [-3, -1] } });
    const entry = typedSurfaceEntry(state);
    assert.deepEqual(entry.default_start, [2, -2]);
    for (const run of trajectoryRequest(state, entry).runs) assert.deepEqual(run.start, [2, -2]);
    assert.deepEqual(typedSurfaceEntry({ ...state, domain: null }).default_start, [0, 0]);
  });

  it("shares no arrays with the state", () => {
    const state = typedState();
    typedSurfaceRef(state).domain.x[0] = 99;
    assert.deepEqual(state.domain.x, [-2, 2]);
  });
});

describe("typedSurfaceEntry", () => {
  it("stands in for a catalogue entry: formula, domain, no known minima", () => {
    const entry = typedSurfaceEntry(typedState());
    assert.equal(entry.formula, ROSENBROCK_TEXT);
    assert.deepEqual(entry.domain, { x: [-2, 2], y: [-1, 3] });
    assert.deepEqual(entry.minima, []);
    assert.deepEqual(entry.parameters, []);
    assert.match(entry.description, /x ∈ \[−2, 2\], y ∈ \[−1, 3\]/);
  });

  it("has a new id for a new text or domain (the map then drops the old zoom)", () => {
    const a = typedSurfaceEntry(typedState());
    assert.equal(typedSurfaceEntry(typedState()).id, a.id);
    assert.notEqual(typedSurfaceEntry(typedState({ expression: "x^2 + y^2" })).id, a.id);
    assert.notEqual(typedSurfaceEntry(typedState({ domain: { x: [-2, 2], y: [-1, 4] } })).id, a.id);
  });
});

describe("typedPatch: moving onto a typed surface", () => {
  const box = { x: [-2, 2], y: [-1, 3] };

  it("keeps the catalogue surface's default start when it lies in the new domain", () => {
    const patch = typedPatch(defaultState(), ROSENBROCK, ROSENBROCK_TEXT, box);
    assert.deepEqual(patch, {
      surface: CUSTOM_SURFACE, expression: ROSENBROCK_TEXT, domain: box, params: {},
      start: [-1.2, 1], inspect: null, lesson: null,
    });
  });

  it("moves to the domain's centre (start null) when the start lies outside", () => {
    const state = { ...defaultState(), start: [3, 0] };
    assert.equal(typedPatch(state, ROSENBROCK, "x", box).start, null);
    assert.equal(typedPatch(defaultState(), ROSENBROCK, "x", { x: [0, 1], y: [0, 1] }).start, null);
  });

  it("keeps a set start inside the domain, edges included, and drops the catalogue's constants", () => {
    const state = { ...defaultState(), surface: "elongated_quadratic", params: { condition: 9 }, start: [2, -1] };
    const patch = typedPatch(state, { default_start: [0, 0] }, "x", box);
    assert.deepEqual(patch.start, [2, -1]);
    assert.deepEqual(patch.params, {});
  });

  it("lets a typed surface's default start (its centre) follow a new domain", () => {
    const state = typedState({ start: null });
    assert.equal(typedPatch(state, typedSurfaceEntry(state), "x", { x: [0, 1], y: [0, 1] }).start, null);
  });

  it("uses the API's default domain when given none", () => {
    const state = { ...defaultState(), start: [4.5, -4.5], inspect: [-5, 5] };
    const patch = typedPatch(state, ROSENBROCK, "x", null);
    assert.deepEqual(patch.start, [4.5, -4.5]);
    assert.deepEqual(patch.inspect, [-5, 5]);
    assert.equal(patch.domain, null);
  });

  it("keeps an inspected point inside the domain, drops one outside", () => {
    assert.deepEqual(typedPatch({ ...defaultState(), inspect: [0, 0] }, ROSENBROCK, "x", box).inspect, [0, 0]);
    assert.equal(typedPatch({ ...defaultState(), inspect: [0, 3.5] }, ROSENBROCK, "x", box).inspect, null);
  });

  it("inside() includes the edges and rejects non-points", () => {
    assert.ok(inside([-2, 3], box));
    assert.ok(!inside([-2.0001, 0], box));
    assert.ok(!inside(null, box));
  });
});

describe("reading the API's complaints", () => {
  it("finds the column an error message names", () => {
    assert.equal(errorColumn("unknown name 'z' at column 5; use x and y (constants: pi, e)"), 5);
    assert.equal(errorColumn("syntax error ('(' was never closed) at column 4"), 4);
    assert.equal(errorColumn("character '×' (MULTIPLICATION SIGN) is not allowed at column 13; use *"), 13);
    assert.equal(errorColumn("expression too large (more than 200 terms)"), null);
    assert.equal(errorColumn("at columns 3"), null);
    assert.equal(errorColumn(undefined), null);
  });

  it("tells an expression's 422 from a domain's, a busy server and a failed request", () => {
    const expression = apiError({
      status: 422, detail: "surface.expression: unknown name 'z' at column 5; use x and y",
      errors: [{ field: "surface.expression", message: "unknown name 'z' at column 5; use x and y", type: "value_error" }],
    });
    assert.deepEqual(surfaceProblem(expression), {
      kind: "expression", message: "unknown name 'z' at column 5; use x and y", column: 5,
    });
    const domain = apiError({
      status: 422, errors: [{ field: "surface.domain", message: "domain.x must be [lo, hi] with lo < hi", type: "value_error" }],
    });
    assert.deepEqual(surfaceProblem(domain), { kind: "domain", message: "domain.x must be [lo, hi] with lo < hi", column: null });
    const nested = apiError({ status: 422, errors: [{ field: "surface.domain.x.0", message: "too small", type: "x" }] });
    assert.equal(surfaceProblem(nested).kind, "domain");

    const busy = surfaceProblem(apiError({ status: 503, detail: "the server is busy: waited 5 s for a slot" }));
    assert.equal(busy.kind, "busy");
    assert.match(busy.message, /busy/);
    const network = surfaceProblem(new TypeError("Failed to fetch"));
    assert.deepEqual(network, { kind: "failed", message: "Could not check your surface: Failed to fetch" });
    const other = surfaceProblem(apiError({ status: 422, detail: "steps: too many", errors: [{ field: "steps", message: "too many" }] }));
    assert.equal(other.kind, "failed", "a 422 about something else does not blame the expression");
  });

  it("splits the text around a column so the character there can be marked", () => {
    assert.deepEqual(markColumn("x + z", 5), ["x + ", "z", ""]);
    assert.deepEqual(markColumn("sin(x", 4), ["sin", "(", "x"]);
    assert.deepEqual(markColumn("x +", 4), ["x +", " ", ""], "past the end: the gap is marked");
    const long = `${"x+".repeat(50)}z${"+y".repeat(50)}`;
    const [before, at, after] = markColumn(long, 101, 10);
    assert.equal(at, "z");
    assert.equal(before, `…${long.slice(90, 100)}`);
    assert.equal(after, `${long.slice(101, 111)}…`);
  });
});

describe("readDomain: the four domain inputs", () => {
  it("reads numbers, fills empty inputs with the API's default, and all empty as no domain", () => {
    assert.deepEqual(readDomain(["-2", "2", "-1", "3"]), { domain: { x: [-2, 2], y: [-1, 3] } });
    assert.deepEqual(readDomain(["", " 1e-1 ", "", ""]), { domain: { x: [-5, 0.1], y: [-5, 5] } });
    assert.deepEqual(readDomain(["", "", " ", ""]), { domain: null });
  });

  it("names the inputs at fault", () => {
    assert.deepEqual(readDomain(["a", "2", "-1", "3"]), { error: "x from must be a number", inputs: [0] });
    assert.deepEqual(readDomain(["-2", "2", "3", "3"]), { error: "y from must be less than y to", inputs: [2, 3] });
    assert.deepEqual(readDomain(["6", "", "", ""]), { error: "x from must be less than x to", inputs: [0, 1] });
    assert.equal(readDomain(["-2e6", "2", "-1", "3"]).inputs[0], 0);
    assert.equal(readDomain(["Infinity", "2", "-1", "3"]).inputs[0], 0);
  });
});

describe("STARTER", () => {
  it("is Rosenbrock's text on the built-in Rosenbrock's domain", () => {
    assert.equal(STARTER.expression, ROSENBROCK_TEXT);
    assert.deepEqual(STARTER.domain, { x: [-2, 2], y: [-1, 3] });
  });
});
