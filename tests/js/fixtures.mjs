// Small synthetic API responses for the figure builders: f(x, y) = x² + 10 y².

export const f = (x, y) => x * x + 10 * y * y;
export const grad = (x, y) => [2 * x, 20 * y];

export const SURFACE = {
  id: "bowl", name: "Bowl", default_start: [-1.5, 2],
  minima: [{ x: 0, y: 0, value: 0 }], parameters: [],
};

export function makeGrid(n = 9) {
  const x = Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
  const y = Array.from({ length: n }, (_, j) => -1 + (4 * j) / (n - 1));
  return { x, y, z: y.map((b) => x.map((a) => f(a, b))) };
}

/** A gradient-descent result in the API's shape; `divergeAfter` cuts it as the API does. */
export function makeResult(label, { steps = 10, lr = 0.02, start = [-1.5, 2], momentum = false, divergeAfter = null } = {}) {
  const points = [start];
  const m = [];
  let v = [0, 0];
  for (let t = 0; t < steps; t++) {
    const [x, y] = points[t];
    const g = grad(x, y);
    v = momentum ? [0.9 * v[0] + g[0], 0.9 * v[1] + g[1]] : g;
    m.push(v);
    points.push([x - lr * v[0], y - lr * v[1]]);
  }
  const kept = divergeAfter === null ? points : points.slice(0, divergeAfter);
  const gradient = kept.map(([x, y]) => grad(x, y));
  return {
    label, optimizer: momentum ? "momentum" : "sgd",
    points: kept,
    loss: kept.map(([x, y]) => f(x, y)),
    gradient,
    grad_norm: gradient.map(([a, b]) => Math.hypot(a, b)),
    learning_rate: Array.from({ length: Math.min(steps, kept.length) }, () => lr),
    state: momentum ? { momentum: m.slice(0, Math.max(kept.length - 1, 0)) } : {},
    diverged_at: divergeAfter,
  };
}

export function makeRuns(results) {
  return results.map((r, i) => ({ optimizer: r.optimizer, hyper: {}, schedule: null, noise: 0, seed: 0, color: i }));
}
