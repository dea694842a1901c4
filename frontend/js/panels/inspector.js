// The point inspector: value, gradient, Hessian and its eigen-decomposition at the
// inspected point, the second-order verdict, and a step along the escape direction that
// compares the loss it reaches with the Taylor model's prediction.

import { analyzeRequest } from "../requests.js";

const $ = (id) => document.getElementById(id);

const KIND_TEXT = {
  minimum: ["local minimum", "every eigenvalue is positive"],
  maximum: ["local maximum", "every eigenvalue is negative"],
  saddle: ["saddle point", "eigenvalues of both signs: downhill along one eigenvector, uphill along the other"],
  inconclusive: ["inconclusive", "an eigenvalue is (numerically) zero: the second-order test cannot decide"],
  not_critical: ["not a critical point", "the gradient is not zero here"],
};
const ESCAPE_FRACTION = 0.1; // the escape step's length as a share of the domain's width
// Snapping: Newton's method on ∇f = 0 (it finds saddles and maxima as well as minima),
// at most this many steps, done when ‖∇f‖ is within the API's own tolerance.
const SNAP_STEPS = 25;

/**
 * One Newton step on ∇f = 0 from `analysis`: θ − H⁻¹∇f, or null where H is singular
 * (no unique nearest critical point to head for) or the step is not finite.
 */
export function newtonStep(analysis) {
  const [[a, b], [c, d]] = analysis.hessian;
  const [gx, gy] = analysis.gradient;
  const det = a * d - b * c;
  const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c), Math.abs(d));
  if (!Number.isFinite(det) || Math.abs(det) <= 1e-12 * scale * scale) return null;
  const step = [(d * gx - b * gy) / det, (-c * gx + a * gy) / det];
  const next = [analysis.point[0] - step[0], analysis.point[1] - step[1]];
  return next.every(Number.isFinite) ? next : null;
}

/** 4 significant digits; "—" for null (the API's non-finite) and non-numbers. */
export function fmt(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return "—";
  const text = v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  return text.replaceAll("-", "−");
}
const vec = (v) => `(${(v ?? []).map(fmt).join(", ")})`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function numbersTable(rows) {
  return el("table", { class: "numbers" },
    el("tbody", {}, ...rows.map(([label, value]) => el("tr", {}, el("th", { scope: "row" }, label), el("td", {}, value)))));
}

/** The Taylor model's value at point + u: L + gᵀu + ½uᵀHu (½λ‖u‖² when g = 0, Hu = λu). */
export function taylorAt(analysis, u) {
  const { value, gradient: g, hessian: h } = analysis.taylor;
  const hu = [h[0][0] * u[0] + h[0][1] * u[1], h[1][0] * u[0] + h[1][1] * u[1]];
  return value + g[0] * u[0] + g[1] * u[1] + 0.5 * (u[0] * hu[0] + u[1] * hu[1]);
}

function guidance(context) {
  const results = context.store.derived.results;
  const button = el("button", { type: "button", id: "inspect-run-point" }, "Inspect the first run's point");
  button.disabled = !results?.length;
  button.addEventListener("click", () => {
    const result = context.store.derived.results?.[0];
    if (!result) return;
    const point = result.points[Math.min(context.store.state.step, result.points.length - 1)];
    context.store.update({ inspect: [point[0], point[1]] });
  });
  return [
    el("h3", {}, "Point inspector"),
    el("p", { class: "hint" }, "Choose 'Click: inspects' and click the map, or inspect a run's current point. ", button),
  ];
}

function escapeControls(context, analysis, escape, onEscape) {
  const parts = [];
  if (analysis.escape_direction) {
    const button = el("button", { type: "button", id: "escape-step" }, "Step along the escape direction");
    button.addEventListener("click", () => onEscape(analysis));
    parts.push(button);
  }
  if (escape) {
    const after = escape.after === undefined ? "…" : fmt(escape.after);
    // At a critical point the model's prediction is the curriculum's L(θ′) + ½λ‖u‖².
    const model = escape.critical ? "L(θ′) + ½λ‖u‖²" : "Taylor model";
    parts.push(el("span", { id: "escape-result" },
      `‖u‖ = ${fmt(escape.alpha)}: L ${fmt(escape.before)} → ${after}; ${model} = ${fmt(escape.predicted)} (λ = ${fmt(escape.lambda)})`));
  }
  return parts.length ? el("p", { class: "escape" }, ...parts) : null;
}

function snapControls(analysis, snap, onSnap) {
  if (!onSnap || (analysis.critical && !snap)) return null; // (the standalone page has no API)
  const parts = [];
  if (!analysis.critical) {
    const button = el("button", { type: "button", id: "snap-critical" }, "Snap to the nearest critical point");
    button.title = "A few Newton steps on ∇f = 0 from here (finds minima, saddles and maxima)";
    button.disabled = snap?.running ?? false;
    button.addEventListener("click", () => onSnap(analysis));
    parts.push(button);
  }
  if (snap?.message) parts.push(el("span", { id: "snap-result" }, snap.message));
  return el("p", { class: "escape" }, ...parts);
}

function details(context, analysis, escape, onEscape, snap, onSnap) {
  const [name, reason] = KIND_TEXT[analysis.kind] ?? [analysis.kind, ""];
  const close = el("button", { type: "button", id: "inspector-close", "aria-label": "close the inspector", title: "Close" }, "×");
  close.addEventListener("click", () => context.store.update({ inspect: null }));
  const [h0, h1] = analysis.hessian;
  const eigenRows = analysis.eigenvalues.map((lambda, j) => [`λ${"₁₂"[j]}`, `${fmt(lambda)}  along ${vec(analysis.eigenvectors[j])}`]);
  return [
    el("h3", {}, "Point inspector ", close),
    el("p", {}, el("span", { class: `kind ${analysis.kind}`, id: "inspector-kind" }, name), reason ? ` — ${reason}` : ""),
    numbersTable([
      ["θ", vec(analysis.point)],
      ["L(θ)", fmt(analysis.value)],
      ["∇L", vec(analysis.gradient)],
      ["‖∇L‖", fmt(analysis.gradient_norm)],
      ["H", `[${vec(h0)}, ${vec(h1)}]`],
      ...eigenRows,
    ]),
    snapControls(analysis, snap, onSnap),
    escapeControls(context, analysis, escape, onEscape),
  ];
}

/** Whether `analysis` is of `point` (it lags behind while the next one is fetched). */
function isOf(analysis, point) {
  if (!analysis || !point) return false;
  const scale = Math.max(1, Math.abs(point[0]), Math.abs(point[1]));
  return Math.hypot(analysis.point[0] - point[0], analysis.point[1] - point[1]) <= 1e-9 * scale;
}

export function mountInspector(context) {
  const { store, api } = context;
  const root = $("inspector");
  let escape = null; // {from, to, before, predicted, after, alpha, lambda} of the last escape step
  // The last snap: {running, message, at}, `at` the inspected point (the very array in
  // the state) it belongs to; any other inspected point drops it.
  let snap = null;

  /** Whether `point` lies on the map (a Newton step may leave it; the API would refuse). */
  const onMap = ([x, y]) => {
    const grid = store.derived.grid;
    return !grid || (x >= grid.x[0] && x <= grid.x.at(-1) && y >= grid.y[0] && y <= grid.y.at(-1));
  };

  const onSnap = async (analysis) => {
    const origin = store.state.inspect;
    const stale = () => store.state.inspect !== origin; // the learner moved on (or the surface changed)
    snap = { running: true, message: "Newton steps…", at: origin };
    render();
    let current = analysis;
    let steps = 0;
    let message = "No critical point nearby: the Hessian is singular or Newton's method wanders";
    while (!current.critical && steps < SNAP_STEPS) {
      const next = newtonStep(current);
      if (!next) break;
      if (!onMap(next)) { message = "The nearest critical point Newton's method heads for is off the map"; break; }
      steps += 1;
      try {
        current = await api.postAnalyze(analyzeRequest(store.state, next));
      } catch (error) {
        message = `Snapping failed: ${error.message}`;
        break;
      }
      if (stale()) return;
    }
    if (stale()) return;
    if (current.critical) {
      const point = current.point;
      snap = { running: false, message: `critical point after ${steps} Newton step${steps === 1 ? "" : "s"}`, at: point };
      store.update({ inspect: point });
    } else {
      snap = { running: false, message, at: origin };
      render();
    }
  };

  const onEscape = (analysis) => {
    const grid = store.derived.grid;
    const alpha = ESCAPE_FRACTION * (grid ? grid.x.at(-1) - grid.x[0] : 1);
    const u = analysis.escape_direction.map((c) => alpha * c);
    const to = [analysis.point[0] + u[0], analysis.point[1] + u[1]];
    escape = {
      from: analysis.point, to, before: analysis.value, predicted: taylorAt(analysis, u), after: undefined,
      // Eigenvalues come ascending: the first is the negative one that u belongs to.
      alpha, lambda: analysis.eigenvalues[0], critical: analysis.critical,
    };
    store.update({ inspect: to });
  };

  const render = () => {
    const state = store.state;
    const { analysis: latest } = store.derived;
    const analysis = isOf(latest, state.inspect) ? latest : null;
    if (escape && state.inspect !== escape.to) escape = null;
    if (escape && isOf(analysis, escape.to)) escape.after = analysis.value;
    if (snap && snap.at !== state.inspect) snap = null;
    let content;
    if (!state.inspect) content = guidance(context);
    else if (!analysis) content = [el("h3", {}, "Point inspector"), el("p", { class: "hint" }, `Analysing ${vec(state.inspect)} …`)];
    else content = details(context, analysis, escape, onEscape, snap, api ? onSnap : null);
    root.replaceChildren(...content.filter(Boolean));
  };

  // A new analysis, or results (which enable "inspect the first run's point").
  store.onDerived((derived, changed) => { if (changed.includes("analysis") || changed.includes("results")) render(); });
  store.subscribe((state, changed) => {
    if (changed.includes("inspect")) render();
  });
  render();
}
