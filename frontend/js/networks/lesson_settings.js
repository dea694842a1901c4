// What a network lesson's experiment runs, in words, from the params its Run button sends
// (`scenario.experiment` of GET /api/lessons/{id}). The setup form beside it is for Train;
// an experiment may replace one of its fields with a list of its own (learning rates,
// batch sizes, architectures): the list is named here and the replaced field left out, so
// the page never shows a setting the lesson did not run. Pure: no DOM.

import { TRAIN } from "./experiments/index.js";
import { formatNumber } from "./format.js";
import { perRunOf } from "./state.js";

// The experiments' own params (the API's names), as a learner reads them.
const EXPERIMENT_LABELS = {
  batch_sizes: "batch sizes", learning_rates: "learning rates η", slice_learning_rate: "slices at η",
  feature_scale: "feature scale ratio", steps: "steps", seeds: "networks per architecture",
  widths: "architectures (hidden widths)", polish_steps: "polishing steps", weight_decay: "weight decay",
  optimizer: "optimizer", learning_rate: "learning rate η", y3: "logit y₃", start: "start", resolution: "grid points",
  top_k: "top eigenvalues", iterations: "Lanczos steps", span: "slice span ±", timing_repeats: "timed epochs",
  slice_samples: "samples per slice point", per_layer: "per-layer curvature", slice_span: "eigenvector slice ±",
};
// The training setup's (NetworkSetupParams), in the setup form's words.
const SETUP_LABELS = {
  dataset: "dataset", n_samples: "samples", noise: "noise", data_seed: "data seed", architecture: "architecture",
  widths: "hidden widths", depth: "depth", channels: "channels", skip_connections: "skip connections",
  activation: "activation", batch_norm: "batch norm", loss: "loss", optimizer: "optimizer",
  learning_rate: "learning rate η", batch_size: "batch size", epochs: "epochs", seed: "init seed",
  features: "input features", test_fraction: "test split", regularization: "regularization",
  regularization_rate: "regularization rate",
};
const REGULARIZATION_WORDS = { none: "none", l1: "L1", l2: "L2" };
const ARCHITECTURE_WORDS = { mlp: "MLP", cnn: "CNN (ResNet-style)" };
// The setup fields of the architecture not chosen: the network that ran had none of them.
const OTHER_ARCHITECTURE = {
  mlp: ["depth", "channels", "skip_connections"],
  cnn: ["widths", "batch_norm", "features"],
};

const widthsText = (widths) => (widths.length ? widths.join(" × ") : "none (linear)");

// `features`: input feature name → its label (GET /api/features), as the form shows them.
function valueText(key, value, features = {}) {
  if (key === "architecture") return ARCHITECTURE_WORDS[value] ?? String(value);
  if (key === "regularization") return REGULARIZATION_WORDS[value] ?? String(value);
  if (key === "test_fraction") return `${Math.round(100 * value)}%`;
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "number") return formatNumber(value);
  if (!Array.isArray(value)) return String(value).replaceAll("_", " ");
  if (key === "batch_sizes") return value.map(String).join(", "); // numbers, or "full"
  // (A list of architectures, each a list of widths; no hidden layer is an empty list.)
  if (key === "widths" && value.length && value.every(Array.isArray)) return value.map(widthsText).join("; ");
  if (key === "widths") return widthsText(value);
  if (key === "start") return `(${value.map(formatNumber).join(", ")})`;
  if (key === "features") return value.map((name) => features[name] ?? name.replaceAll("_", " ")).join(", ");
  return value.map((v) => valueText(key, v)).join(", ");
}

const entry = (labels, key, value, features) => ({
  label: labels[key] ?? key.replaceAll("_", " "), value: valueText(key, value, features),
});

/**
 * The settings `experiment` ({kind, params}) runs: `{experiment, setup}`, each a list of
 * {label, value} texts: the experiment's own params as given, then the training setup
 * without the fields the experiment replaces (empty when it trains no network).
 * `featureLabels`: input feature name → label (GET /api/features).
 */
export function lessonSettings({ kind, params }, featureLabels = {}) {
  // (`train`'s params are the setup itself: the experiment has none of its own.)
  const { setup, ...own } = kind === TRAIN.kind ? { setup: params } : params;
  // The setup fields the experiment sets per run (the API's `per_run`, GET /api/experiments/kinds).
  const perRun = perRunOf(kind);
  const unused = [
    ...OTHER_ARCHITECTURE[setup?.architecture ?? "mlp"] ?? [],
    ...(setup?.regularization === "none" ? ["regularization_rate"] : []), // (a rate of nothing)
  ];
  const setupEntries = Object.entries(setup ?? {}).flatMap(([key, value]) => {
    if (unused.includes(key)) return [];
    if (!(key in perRun)) return [entry(SETUP_LABELS, key, value, featureLabels)];
    const words = perRun[key]?.replaceAll("{value}", valueText(key, value));
    return words ? [{ label: SETUP_LABELS[key] ?? key, value: words }] : [];
  });
  return { experiment: Object.entries(own).map(([key, value]) => entry(EXPERIMENT_LABELS, key, value)), setup: setupEntries };
}

/** One line of text: "learning rates η 0.1, 3 · … ; network: moons, …". */
export function settingsText(settings) {
  const part = (list) => list.map((s) => `${s.label} ${s.value}`).join(" · ");
  const own = part(settings.experiment);
  const trained = `Network trained: ${part(settings.setup)}.`;
  if (!settings.setup.length) return `${own}.`;
  return own ? `${own}. ${trained}` : trained;
}
