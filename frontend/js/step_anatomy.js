// One update taken apart, as the lecture sums it up: θᵗ⁺¹ = θᵗ − (ηᵗ/σᵗ) mᵗ. Pure.
//
// Update k moves points[k] to points[k + 1]. Its parts, all vectors from points[k] at
// true scale: −η∇f (the plain gradient step), −η·m (the momentum direction at the same
// rate, where the optimizer keeps one), −(η/σ)·v (after the per-coordinate 1/σ scaling,
// where it has σ; v is m, or ∇f itself where the catalogue says σ divides the gradient:
// Adagrad, RMSProp, Adadelta), and the step actually taken. Where an optimizer does more
// than the summary (Nesterov's look-ahead, weight decay, Lion's sign, RAdam's
// rectification, RMSProp's trace of past steps) the last two differ, and `other` says by
// how much: the picture never pretends.

const sub = (a, b) => [a[0] - b[0], a[1] - b[1]];
const scale = (v, s) => [v[0] * s[0], v[1] * s[1]];
const norm = (v) => Math.hypot(v[0], v[1]);

/**
 * The parts of run `result`'s update `k` (0 ≤ k < points − 1), or null where there is
 * none; `optimizer` is the run's catalogue entry (its `sigma_divides`).
 */
export function stepAnatomy(result, k, optimizer) {
  if (!Number.isInteger(k) || k < 0 || k + 1 >= result.points.length) return null;
  const eta = result.learning_rate[k];
  // With gradient noise the step used the sampled gradient, not ∇f itself.
  const gradient = result.state?.sampled_gradient?.[k] ?? result.gradient[k];
  const sigma = result.state?.sigma?.[k] ?? null;
  const ofGradient = optimizer?.sigma_divides === "gradient";
  // RMSProp's "momentum" view is a trace of whole steps, not the lecture's m: left out.
  const momentum = ofGradient ? null : result.state?.momentum?.[k] ?? null;
  const direction = momentum ?? gradient;
  const parts = [{ key: "gradient", label: "−η∇f", vector: scale(gradient, [-eta, -eta]) }];
  if (momentum) parts.push({ key: "momentum", label: "−η·m", vector: scale(momentum, [-eta, -eta]) });
  if (sigma) {
    const label = momentum ? "−(η/σ)·m" : "−(η/σ)·∇f";
    parts.push({ key: "scaled", label, vector: [-eta * direction[0] / sigma[0], -eta * direction[1] / sigma[1]] });
  }
  const step = sub(result.points[k + 1], result.points[k]);
  const summary = parts.at(-1).vector;
  const other = sub(step, summary);
  // Equal to rounding: relative to the step, and to the points it is the difference of.
  const size = Math.max(norm(result.points[k]), norm(result.points[k + 1]));
  const exact = norm(other) <= Math.max(1e-9 * Math.max(norm(step), norm(summary)), 1e-13 * size, 1e-300);
  return { k, eta, gradient, momentum, sigma, parts, step, other: exact ? null : other };
}

/** A number as the card shows it: 3 significant digits, no float noise. */
const shown = (x) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x));
export const vectorText = (v) => `(${shown(v[0])}, ${shown(v[1])})`;

/** The card's rows: [name, value] for the numbers and every part. */
export function anatomyRows(anatomy) {
  const rows = [["η", shown(anatomy.eta)], ["∇f", vectorText(anatomy.gradient)]];
  if (anatomy.momentum) rows.push(["m (momentum)", vectorText(anatomy.momentum)]);
  if (anatomy.sigma) rows.push(["σ", vectorText(anatomy.sigma)]);
  for (const part of anatomy.parts) rows.push([part.label, vectorText(part.vector)]);
  rows.push(["step taken", vectorText(anatomy.step)]);
  if (anatomy.other) rows.push(["the rest of the step", vectorText(anatomy.other)]);
  return rows;
}

/**
 * A view around the point, the step and all its parts, `aspect` (width / height) as the
 * map's frame, so equal scales need no further change of the ranges.
 */
export function anatomyView(point, anatomy, aspect = 1, margin = 0.25) {
  const tips = [anatomy.step, ...anatomy.parts.map((p) => p.vector)].map((v) => [point[0] + v[0], point[1] + v[1]]);
  const xs = [point[0], ...tips.map((t) => t[0])];
  const ys = [point[1], ...tips.map((t) => t[1])];
  const [cx, cy] = [(Math.max(...xs) + Math.min(...xs)) / 2, (Math.max(...ys) + Math.min(...ys)) / 2];
  let width = Math.max(Math.max(...xs) - Math.min(...xs), 1e-12) * (1 + 2 * margin);
  let height = Math.max(Math.max(...ys) - Math.min(...ys), 1e-12) * (1 + 2 * margin);
  if (width / height < aspect) width = height * aspect;
  else height = width / aspect;
  return { x: [cx - width / 2, cx + width / 2], y: [cy - height / 2, cy + height / 2] };
}

// The parts' colours on the map (Okabe–Ito, apart from the runs' own use of them by
// shape: these are solid arrows at true scale, the runs' direction arrows dotted).
export const PART_COLOURS = { gradient: "#56B4E9", momentum: "#CC79A7", scaled: "#D55E00", step: "#111111", other: "#8F3500" };
