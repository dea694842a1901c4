// Small fake API results for the Networks page's pure view builders, in the API's shapes.

/** A 2-class dataset: class 0 on the left (x₁ < 0), class 1 on the right. */
export function makeDataset({ task = "classification", nClasses = 2 } = {}) {
  const x_train = [[-1, 0], [-0.5, 0.5], [0.5, -0.5], [1, 0], [0.8, 0.2]];
  const x_test = [[-0.8, 0.1], [0.9, -0.1]];
  const label = ([a]) => (task === "regression" ? a * 2 : a < 0 ? 0 : Math.min(nClasses - 1, 1 + (a > 0.85 ? 1 : 0)));
  return {
    name: "toy", task, n_classes: task === "regression" ? 0 : nClasses, input_dim: 2,
    feature_names: ["x₁", "x₂"], class_names: [],
    x_train, y_train: x_train.map(label), x_test, y_test: x_test.map(label),
  };
}

/** A boundary {x, y, epochs, z}: 3 snapshots over a 3 × 4 grid of class probabilities. */
export function makeBoundary(nClasses = 2) {
  const x = [-1, 0, 1];
  const y = [-1, -0.5, 0.5, 1];
  const grid = (sharpness) => y.map(() => x.map((a) => {
    const p1 = 1 / (1 + Math.exp(-sharpness * a));
    return nClasses === 2 ? [1 - p1, p1] : [1 - p1, p1 / 2, p1 / 2];
  }));
  return { x, y, epochs: [0, 5, 10], z: [grid(0), grid(2), grid(8)] };
}

export function makeHistory({ epochs = 4, accuracy = true } = {}) {
  const epoch = Array.from({ length: epochs + 1 }, (_, e) => e);
  const history = {
    epoch,
    train_loss: epoch.map((e) => 0.7 / (1 + e)),
    test_loss: epoch.map((e) => 0.75 / (1 + 0.8 * e)),
    batch_loss: epoch.map((e) => 0.7 / (1 + e)),
  };
  if (accuracy) Object.assign(history, { train_accuracy: epoch.map((e) => 0.5 + 0.1 * e), test_accuracy: epoch.map((e) => 0.5 + 0.09 * e) });
  return history;
}

/** A landscape result: z = 0.1 + x² + 2y² on a 5 × 4 grid, with a 4-point PCA path. */
export function makeLandscape(directions = "pca") {
  const x = [-2, -1, 0, 1, 2];
  const y = [-1, 0, 1, 2];
  const result = {
    directions, x, y, z: y.map((b) => x.map((a) => 0.1 + a * a + 2 * b * b)),
    centre: { grid: 0.1, direct: 0.1000004, matches: true },
  };
  if (directions === "pca") {
    Object.assign(result, {
      path: [[1.8, 1.5], [1, 0.8], [0.3, 0.2], [0, 0]], path_epochs: [0, 1, 2, 3],
      explained_variance_ratio: [0.9, 0.08], path_captured: 0.98,
    });
  }
  return result;
}

export function makeHessian({ spectrum = true, perLayer = true, slices = true } = {}) {
  const result = {
    parameters: 6, train_loss: 0.125, gradient_norm: 0.0031,
    top_eigenvalues: [4.5, 2, 0.5], most_negative_eigenvalue: -0.25,
    trace: { estimate: 6.7, standard_error: 0.4 },
    density: { x: [-1, 0, 1, 2, 3, 4, 5], y: [0, 0.2, 0.5, 0, 0.1, 0.05, 0.2] },
    history: makeHistory(),
  };
  if (perLayer) {
    // Each layer's own block: the first is ~100× as curved as the last.
    result.per_layer = [
      { layer: "layer 1 (2 → 2)", parameters: 6, top_eigenvalue: 40, trace: { estimate: 55, standard_error: 5 } },
      { layer: "layer 2 (2 → 1)", parameters: 3, top_eigenvalue: 0.4, trace: { estimate: 0.6, standard_error: 0.1 } },
    ];
  }
  if (slices) {
    const x = [-0.5, -0.25, 0, 0.25, 0.5];
    result.eigenvector_slices = { x, top_eigenvector: x.map((a) => 0.125 + 2.25 * a * a), random: x.map((a) => 0.125 + 0.1 * a * a) };
  }
  if (spectrum) {
    result.spectrum = [-0.25, 0, 0.1, 0.5, 2, 4.5];
    result.minimum_ratio = { ratio: 4 / 6, positive: 4, negative: 1, near_zero: 1, total: 6, tolerance: 1e-6 };
  }
  return result;
}

export function makeLossComparison() {
  const grid = (f) => {
    const x = [-10, 0, 10];
    const y = [-10, 0, 10];
    return { x, y, z: y.map((b) => x.map((a) => f(a, b))) };
  };
  const run = (loss) => ({ points: loss.map((_, t) => [-8 + t, 8 - t]), loss, grad_norm: loss.map((v) => v / 2), diverged_at: null });
  return {
    params: { y3: -20, start: [-8, 8], optimizer: "sgd", learning_rate: 1, steps: 3, resolution: 3 },
    losses: {
      cross_entropy: { surface: "logits_cross_entropy", grid: grid((a, b) => Math.max(b - a, 0) + 0.01), run: run([16, 4, 0.5, 0.01]) },
      mse: { surface: "logits_mse", grid: grid((a, b) => (b > a ? 2 : 0.1)), run: run([2, 2, 2, 1.99]) },
    },
  };
}

export function makeMinimumRatio() {
  const network = (seed, train_loss, minimum_ratio, converged) => ({
    seed, widths: [8], parameters: 50, epochs_trained: 100, train_loss, gradient_norm: converged ? 1e-4 : 0.1,
    converged, minimum_ratio, positive: Math.round(50 * minimum_ratio), negative: 10, near_zero: 50 - Math.round(50 * minimum_ratio) - 10,
  });
  const networks = [network(0, 0.01, 0.56, true), network(1, 0.02, 0.6, true), network(2, 0.3, 0.5, false)];
  return {
    networks,
    scatter: { x: networks.map((n) => n.train_loss), y: networks.map((n) => n.minimum_ratio), text: networks.map((n) => `seed ${n.seed}`) },
    summary: { networks: 3, converged: 2, mean_ratio: 0.5533, median_ratio: 0.56, reached_one: 0 },
    setup: {},
  };
}

export function makeBatchSize() {
  const run = (batch_size, i) => ({
    batch_size, steps_per_epoch: 256 / batch_size, seconds_per_update: 1e-4 * (1 + i), seconds_per_epoch: (256 / batch_size) * 1e-4 * (1 + i),
    train_loss: 0.1 * (i + 1), test_loss: 0.12 * (i + 1), train_accuracy: 0.99 - 0.02 * i, test_accuracy: 0.97 - 0.03 * i,
    sharpness: 2 + 3 * i, gradient_noise: 1 / (i + 1), history: makeHistory({ epochs: 3 }),
  });
  const runs = [8, 64, 256].map(run);
  return {
    device: "cpu", n_train: 256, batch_sizes: [8, 64, 256], runs,
    interpolation: { small_batch: 8, large_batch: 256, x: [0, 0.5, 1], train: [0.1, 0.6, 0.3], test: [0.12, 0.7, 0.36] },
    slices: [
      { batch_size: 8, x: [-1, 0, 1], train: [0.3, 0.1, 0.3], test: [0.32, 0.12, 0.33] },
      { batch_size: 256, x: [-1, 0, 1], train: [1.3, 0.3, 1.2], test: [1.5, 0.36, 1.4] },
    ],
    // The API's orders of the smallest batch's numbers against the largest's (−1: lower).
    comparison: {
      small_batch: 8, large_batch: 256,
      orders: { seconds_per_update: -1, seconds_per_epoch: 1, gradient_noise: 1, train_accuracy: 1, test_accuracy: 0, sharpness: null },
    },
    setup: {},
  };
}

export function makeNormalization() {
  const surface = { x: [-1, 0, 1], y: [-1, 0, 1], z: [[2, 1, 2], [1, 0, 1], [2, 1, 2]] };
  const linearCase = (name, condition_number, diverged_at) => ({
    name, eigenvalues: [1, condition_number], condition_number, minimum: [0.5, -0.25], surface,
    path: [[-1, 1], [0, 0.5], [0.5, -0.25]], loss: [2, 1, 0.01], diverged_at, final_loss: 0.01,
  });
  const bnRun = (batch_norm, learning_rate, diverged) => ({
    batch_norm, learning_rate, history: makeHistory({ epochs: 3 }), train_loss: 0.1, test_accuracy: 0.95, sharpness: batch_norm ? 3 : 40, diverged,
  });
  return {
    linear: {
      feature_scales: [1, 100], learning_rate: 1e-4, optimizer: "sgd", steps: 2, start: [-1, 1],
      cases: [linearCase("scaled", 10000, null), linearCase("standardized", 1.5, null)],
    },
    batch_norm: {
      optimizer: "sgd", learning_rates: [0.1, 1],
      runs: [bnRun(false, 0.1, false), bnRun(true, 0.1, false), bnRun(false, 1, true), bnRun(true, 1, false)],
      slices: [
        { batch_norm: false, learning_rate: 0.1, ...surface, centre: { grid: 0, direct: 0, matches: true } },
        { batch_norm: true, learning_rate: 0.1, ...surface, centre: { grid: 0, direct: 0, matches: true } },
      ],
    },
  };
}

/**
 * A skip_connections result: `seeds` pairs of 3 × 3 slices, the network without skips
 * rougher (and its loss higher) than the one with, in the API's order (seed 0 with, seed 0
 * without, …). The slices' losses span 0.05 … 5 over all networks, which `z_range` says.
 */
export function makeSkipConnections({ seeds = 2 } = {}) {
  const axis = [-1, 0, 1];
  const network = (seed, skips) => {
    const [low, high] = skips ? [0.05 + 0.01 * seed, 0.5] : [0.2, 5 - seed];
    const z = axis.map((b) => axis.map((a) => (a === 0 && b === 0 ? low : a * b > 0 ? high : (low + high) / 2)));
    return {
      seed, skip_connections: skips, parameters: 126, train_loss: low, test_accuracy: skips ? 0.9 : 0.6,
      history: makeHistory({ epochs: 3 }), x: axis, y: axis, z,
      centre: { grid: low, direct: low, matches: skips || seed > 0 },
      measures: {
        negative_curvature: skips ? 0.1 : 0.4, nonconvex_share: skips ? 0.25 : 0.75, local_minima: 1,
        sharpness: skips ? 2 : 8, lowest_eigenvalue: skips ? -0.1 : -3, centre_ratio: skips ? 0.05 : 0.375,
      },
    };
  };
  const networks = Array.from({ length: seeds }, (_, s) => [network(s, true), network(s, false)]).flat();
  const pick = (skips, key) => networks.filter((n) => n.skip_connections === skips).map((n) => n.measures[key]);
  const comparison = ["negative_curvature", "nonconvex_share", "local_minima", "sharpness", "centre_ratio"].map((measure) => {
    const withSkips = pick(true, measure);
    const withoutSkips = pick(false, measure);
    return {
      measure, with_skips: withSkips, without_skips: withoutSkips, seeds,
      lower_with_skips: withSkips.filter((v, i) => v < withoutSkips[i]).length,
    };
  });
  return {
    slice_samples: 256, z_range: [0.05, 5], networks, comparison,
    setup: {
      dataset: "digits", architecture: "cnn", depth: 20, channels: 8, skip_connections: true, activation: "relu",
      optimizer: "adam", learning_rate: 0.003, batch_size: 64, epochs: 12, seed: 0,
    },
  };
}
