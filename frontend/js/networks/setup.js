// The training setup: reading the form's text into checked values, the loss menu that
// fits a dataset, the architectures that fit it, the parameter count, and the API's
// request bodies. Pure.

import { BUDGET, DEFAULTS, LIMITS } from "./state.js";

export const LOSSES = [
  { name: "cross_entropy", title: "cross-entropy (softmax)", task: "classification" },
  { name: "softmax_mse", title: "MSE on softmax outputs", task: "classification" },
  { name: "mse", title: "mean squared error", task: "regression" },
];

/** The losses that fit a dataset's task, in menu order. */
export function lossesFor(task) {
  return LOSSES.filter((loss) => loss.task === task);
}

/** `loss` if it fits the task, else the task's first loss. */
export function fittingLoss(loss, task) {
  const fitting = lossesFor(task);
  return fitting.some((l) => l.name === loss) ? loss : fitting[0].name;
}

function rangeText(limit) {
  const low = limit.min === undefined ? "" : limit.exclusiveMin ? `above ${limit.min}` : `at least ${limit.min}`;
  const high = limit.max === undefined ? "" : `at most ${limit.max}`;
  return [low, high].filter(Boolean).join(" and ");
}

/** A form field's text as a number within `limit`: {value} or {error}. */
export function parseNumber(text, limit, label) {
  const trimmed = String(text).trim();
  const value = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(value)) return { error: `${label}: “${trimmed}” is not a number` };
  if (limit.integer && !Number.isInteger(value)) return { error: `${label} must be a whole number` };
  if (limit.step && value % limit.step !== 0) {
    return { error: `${label} must be ${limit.step === 2 ? "even" : `a multiple of ${limit.step}`}` };
  }
  const tooLow = limit.min !== undefined && (limit.exclusiveMin ? value <= limit.min : value < limit.min);
  if (tooLow || (limit.max !== undefined && value > limit.max)) {
    return { error: `${label} must be ${rangeText(limit)}` };
  }
  return { value };
}

/** "16, 16" → [16, 16]; "" → [] (no hidden layer: a linear model). {value} or {error}. */
export function parseWidths(text) {
  const parts = String(text).split(/[\s,]+/).filter(Boolean);
  if (parts.length > LIMITS.layers.max) {
    return { error: `at most ${LIMITS.layers.max} hidden layers, got ${parts.length}` };
  }
  const widths = [];
  for (const part of parts) {
    const parsed = parseNumber(part, LIMITS.width, "each width");
    if (parsed.error) return { error: `widths: “${part}” is not a width from 1 to ${LIMITS.width.max}` };
    widths.push(parsed.value);
  }
  return { value: widths };
}

export const formatWidths = (widths) => widths.join(", ");

export const ARCHITECTURES = [
  { name: "mlp", title: "MLP (dense layers)" },
  { name: "cnn", title: "CNN (ResNet-style)" },
];

/** A dataset's image shape [height, width, channels] (GET /api/datasets' `image_shape`, which
 * a convolutional network needs), or null for a table. */
export const imageShape = (dataset) => dataset?.image_shape ?? null;

/**
 * The two features the data plot starts with: for an image, two pixels on its diagonal
 * next to the centre (an image's first pixels, its corner, are blank in every digit);
 * else the first two.
 */
export function startFeatures(dataset) {
  const shape = imageShape(dataset);
  if (!shape) return [0, 1];
  const [height, width, channels] = shape;
  const pixel = (row, column) => (row * width + column) * channels;
  return [pixel(height / 2 - 1, width / 2 - 1), pixel(height / 2, width / 2)].map(Math.floor);
}

/** The first dataset of the menu a CNN can read, or null. */
export const firstImageDataset = (datasets) => [...datasets.values()].find((d) => imageShape(d)) ?? null;

/**
 * Whether the setup may choose its input features (maps of x₁, x₂): an MLP on data in the
 * plane (the generated 2-D sets, a two-column upload); the API refuses them elsewhere.
 */
export const takesInputFeatures = (state, dataset) => state.architecture === "mlp" && dataset?.input_dim === 2;

/** How many numbers the network reads per sample: its input features, or the data's columns. */
export const inputDimOf = (state, dataset) => (takesInputFeatures(state, dataset) ? state.inputFeatures.length : dataset.input_dim);

/** How many outputs the network needs: one logit per class, or one value. */
export const outputDim = (dataset) => (dataset.task === "classification" ? dataset.n_classes : 1);

/** Trainable scalars: weights and biases of every layer, plus BN's scale and shift. */
export function parameterCount({ inputDim, widths, outputDim: out, batchNorm }) {
  const sizes = [inputDim, ...widths, out];
  let total = 0;
  for (let i = 1; i < sizes.length; i++) total += (sizes[i - 1] + 1) * sizes[i];
  return total + (batchNorm ? 2 * widths.reduce((a, b) => a + b, 0) : 0);
}

/**
 * A ResNet-style network's trainable scalars (the API's ConvSpec): a 3 × 3 stem convolution
 * to `channels`, (depth − 2) / 2 blocks of two 3 × 3 convolutions, then pooling and one
 * dense layer; each layer with its bias. Skips add no parameters.
 */
export function convParameterCount({ imageShape: [, , inChannels], channels, depth, outputDim: out }) {
  const conv = (input) => 9 * input * channels + channels;
  return conv(inChannels) + (depth - 2) * conv(channels) + (channels + 1) * out;
}

/** What is wrong with the state as a whole (fields are checked as they are typed). */
export function setupErrors(state, dataset) {
  const errors = [];
  if (!dataset) errors.push(`unknown dataset “${state.dataset}”`);
  else if (!lossesFor(dataset.task).some((l) => l.name === state.loss)) {
    errors.push(`the loss ${state.loss} does not fit a ${dataset.task} dataset`);
  }
  if (dataset && state.architecture === "cnn" && !imageShape(dataset)) {
    errors.push(`a CNN reads images and ${dataset.label ?? dataset.name} is a table: choose the digits dataset or an MLP`);
  }
  if (state.nSamples * state.epochs > BUDGET.sampleEpochs) {
    errors.push(`samples × epochs must be at most ${BUDGET.sampleEpochs.toLocaleString("en")} `
      + `(${state.nSamples} × ${state.epochs}); use fewer epochs or samples`);
  }
  return errors;
}

/**
 * The network's own fields: an MLP's widths and batch norm, or a CNN's depth, channels and
 * skips. Only the chosen architecture's are sent: the API ignores a CNN's widths (and
 * refuses its batch norm), and requests that differ only there are one job.
 */
function architectureParams(state) {
  if (state.architecture === "cnn") {
    return { architecture: "cnn", depth: state.depth, channels: state.channels, skip_connections: state.skipConnections };
  }
  return { architecture: "mlp", widths: [...state.widths], batch_norm: state.batchNorm };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The Playground fields (input features, test split, regularization), each only when it
 * differs from the API's default: a setup that does not use them is sent as before, so
 * its job (and a lesson's, which shares it) keeps its key. Input features only on an MLP:
 * a CNN reads its image (and `sanitize` keeps them at the default off the plane).
 */
function playgroundParams(state) {
  const params = {};
  if (state.architecture === "mlp" && !same(state.inputFeatures, DEFAULTS.inputFeatures)) params.features = [...state.inputFeatures];
  if (state.testFraction !== DEFAULTS.testFraction) params.test_fraction = state.testFraction;
  if (state.regularization !== DEFAULTS.regularization || state.regularizationRate !== DEFAULTS.regularizationRate) {
    Object.assign(params, { regularization: state.regularization, regularization_rate: state.regularizationRate });
  }
  return params;
}

/** The API's NetworkSetupParams for the state. */
export function setupParams(state) {
  return {
    dataset: state.dataset,
    n_samples: state.nSamples,
    noise: state.noise,
    data_seed: state.dataSeed,
    ...architectureParams(state),
    activation: state.activation,
    loss: state.loss,
    optimizer: state.optimizer,
    learning_rate: state.learningRate,
    batch_size: state.batchSize, // a number, or "full"
    epochs: state.epochs,
    seed: state.seed,
    ...playgroundParams(state),
  };
}

export function landscapeParams(state) {
  return {
    setup: setupParams(state), directions: state.directions, resolution: state.resolution,
    span: state.span, margin: state.margin,
  };
}

export function hessianParams(state) {
  return { setup: setupParams(state), top_k: state.topK, iterations: state.iterations, probes: state.probes };
}

/** The dataset query the state asks for (what GET /api/datasets/{name} takes). */
export function datasetQuery(state) {
  return { name: state.dataset, n_samples: state.nSamples, noise: state.noise, seed: state.dataSeed, test_fraction: state.testFraction };
}

/** Whether a training setup drew its data with the settings of `query` (fixed-size data ignore size and noise). */
export function sameData(setup, query, fixedSize) {
  if (!setup || setup.dataset !== query.name || setup.data_seed !== query.seed) return false;
  if ((setup.test_fraction ?? DEFAULTS.testFraction) !== (query.test_fraction ?? DEFAULTS.testFraction)) return false;
  return fixedSize || (setup.n_samples === query.n_samples && setup.noise === query.noise);
}

/**
 * Drop what the catalogue does not know (an old or hand-edited URL): an unknown dataset
 * or optimizer takes the default, a CNN gets image data (else it is an MLP), the loss
 * follows the dataset's task, and the plotted features stay within its inputs.
 * `catalogue` holds Maps by name; `defaults` a state.
 */
export function sanitize(state, catalogue, defaults) {
  const clean = { ...state };
  if (!catalogue.datasets.has(clean.dataset)) clean.dataset = defaults.dataset;
  if (!catalogue.optimizers.has(clean.optimizer)) clean.optimizer = defaults.optimizer;
  if (clean.architecture === "cnn" && !imageShape(catalogue.datasets.get(clean.dataset))) {
    const images = firstImageDataset(catalogue.datasets);
    if (images) clean.dataset = images.name;
    else clean.architecture = "mlp";
  }
  const dataset = catalogue.datasets.get(clean.dataset);
  if (dataset) {
    clean.loss = fittingLoss(clean.loss, dataset.task);
    const fits = clean.features[0] !== clean.features[1] && clean.features.every((f) => f < dataset.input_dim);
    // (Features at their default, which a link leaves out, are an image's blank corner.)
    const unset = JSON.stringify(clean.features) === JSON.stringify(defaults.features);
    if (!fits || unset) clean.features = startFeatures(dataset);
    if (!takesInputFeatures(clean, dataset)) clean.inputFeatures = structuredClone(defaults.inputFeatures);
  }
  return clean;
}
