// The experiment cards' presets and explanations (from the curriculum), and a few training
// setups to start from. Fields a setup leaves out keep their defaults. With no lesson open
// an experiment's Run button sends only its `fields`, the ones a learner may edit, by
// dotted path into the params ("setup.epochs"), shown with the API's defaults and checked
// against its bounds (state.js `apiField`); the API fills in the rest with its own
// defaults, which are the lecture's. The
// curriculum's lessons come from the API (GET /api/lessons, lessons.js): a network lesson
// opens one of these cards with its own params.

export const EXPERIMENT_PRESETS = [
  {
    kind: "minimum_ratio",
    title: "Minimum ratio",
    section: "1. Critical points",
    text: "Training stalls where the gradient is (near) zero, and there the Hessian decides what "
      + "the point is: all eigenvalues positive is a local minimum, mixed signs a saddle. This trains "
      + "many small networks until the gradient norm is tiny, computes every Hessian eigenvalue, and "
      + "plots the minimum ratio (positive eigenvalues / all of them) against the training loss. In "
      + "the lecture's study the points cluster around 0.5–0.6 and almost none reach 1; see where "
      + "these small networks land.",
    fields: [{ name: "seeds", label: "networks per architecture" }],
  },
  {
    kind: "batch_size",
    title: "Small vs large batch",
    section: "2. Batch",
    text: "An epoch sees every batch once, reshuffled each time. On parallel hardware one update on a "
      + "large batch takes barely longer than on a small one, so an epoch is shorter with large "
      + "batches (timed here, on the machine running the lab). Small batches make noisy updates; the "
      + "lecture says they train better and land in flat minima that generalize, large batches in "
      + "sharper ones. Check each claim here: the top Hessian eigenvalue is measured per unit of "
      + "weight, the filter-normalized slice per unit of each filter's own norm, and the two disagree "
      + "when one run's weights grew larger than the other's.",
    fields: [
      { name: "setup.epochs", label: "epochs" },
      { name: "setup.learning_rate", label: "η" },
    ],
  },
  {
    kind: "loss_comparison",
    title: "Cross-entropy vs MSE",
    section: "5. Classification",
    text: "A 3-class problem's loss over two logits y₁ and y₂ after softmax, with the third logit held "
      + "very low and class 1 the answer. Mean squared error has a huge flat plateau where the answer is "
      + "wrong: the loss is large but the gradient tiny, so training gets stuck. Cross-entropy keeps a "
      + "slope there. Same start, same optimizer: the MSE run stalls, the cross-entropy run descends.",
    fields: [
      { name: "learning_rate", label: "η" },
      { name: "steps", label: "steps" },
      { name: "y3", label: "y₃" },
    ],
  },
  {
    kind: "normalization",
    title: "Normalization",
    section: "6. Normalization",
    text: "When one input feature is much larger than another, its weight moves the loss much more: "
      + "the error surface is an elongated valley that no single learning rate suits. Standardizing "
      + "each feature makes it round. Batch normalization normalizes inside the network over each "
      + "batch; compare a small network with and without it at the same learning rates.",
    fields: [
      { name: "feature_scale", label: "feature scale ratio" },
      { name: "steps", label: "linear steps" },
    ],
  },
  {
    // No section of the curriculum is about architecture; section 6's subject is what
    // makes a landscape smooth or rough, which is what this measures.
    kind: "skip_connections",
    title: "Skip connections",
    section: "6. Normalization changes the landscape",
    text: "Li et al. (2018) showed that skip connections keep a deep network's loss landscape smooth, "
      + "while the same network without them becomes chaotic. This trains one ResNet-style network on "
      + "8 × 8 handwritten digits with and without its skips, slices both along filter-normalized random "
      + "directions on one colour scale, and counts how chaotic each slice is: how much it curves down, "
      + "its local minima, and the Hessian's extreme eigenvalues at the trained weights. Li et al. saw the "
      + "difference at depths 56 to 110 on CIFAR-10; here the depth is at most 20, so see what still holds.",
    fields: [
      { name: "seeds", label: "seeds (pairs)" },
      { name: "setup.depth", label: "depth" },
    ],
  },
];

/** The value at a dotted `path` of `params` ("setup.epochs"), or undefined. */
export function getPath(params, path) {
  return path.split(".").reduce((node, key) => (node === undefined ? undefined : node[key]), params);
}

/** A deep copy of `params` with `value` at the dotted `path`. */
export function withPath(params, path, value) {
  const copy = structuredClone(params);
  const keys = path.split(".");
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  node[keys.at(-1)] = value;
  return copy;
}

export const SETUP_LESSONS = [
  {
    id: "moons",
    title: "Moons: a small tanh network",
    state: {},
  },
  {
    id: "spirals",
    title: "Spirals: a harder boundary, a deeper network",
    state: { dataset: "spirals", noise: 0.05, widths: [32, 32, 32], activation: "relu", epochs: 150, learningRate: 0.01 },
  },
  {
    id: "full-batch",
    title: "Full batch: one update per epoch",
    state: { batchSize: "full", optimizer: "sgd", learningRate: 0.5, epochs: 200 },
  },
  {
    // TensorFlow Playground's lesson: with x₁² and x₂² as inputs a circle is a straight line,
    // so a network with no hidden layer separates the circles.
    id: "circles-squares",
    title: "Circles: x₁² and x₂² make them linear (no hidden layer)",
    state: { dataset: "circles", inputFeatures: ["x1_squared", "x2_squared"], widths: [], learningRate: 0.03 },
  },
  {
    id: "regression",
    title: "Regression: fit sin(3x₁)·cos(2x₂)",
    state: { dataset: "regression", noise: 0.1, loss: "mse", widths: [32, 32], epochs: 100 },
  },
  {
    id: "iris",
    title: "Iris: four real measurements, three species",
    state: { dataset: "iris", widths: [8], epochs: 100, features: [2, 3] },
  },
  {
    id: "digits-cnn",
    title: "Digits: a small ResNet-style CNN on 8 × 8 images",
    // (Features: pixels (4, 4) and (5, 5), by the centre; the corners are blank in every digit.)
    state: {
      dataset: "digits", architecture: "cnn", depth: 8, channels: 8, activation: "relu", learningRate: 0.003,
      batchSize: 64, epochs: 12, features: [27, 36],
    },
  },
];
