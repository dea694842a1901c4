// The setup form and the landscape and Hessian settings: menus filled from the catalogue,
// typed fields checked as they change (a valid value goes to the store, an invalid one
// stays in its field with a message), and the store's state written back for a URL or a
// lesson.

import { BATCH_CHOICES, CHOICES, LIMITS } from "./state.js";
import {
  ARCHITECTURES, convParameterCount, firstImageDataset, fittingLoss, formatWidths, imageShape, inputDimOf, lossesFor,
  outputDim, parameterCount, parseNumber, parseWidths, startFeatures, takesInputFeatures,
} from "./setup.js";
import { isUploadId } from "./upload.js";

const $ = (id) => document.getElementById(id);

// (Bounds are read as a value is parsed: the API's arrive after this module loads.)
const number = (id, field, label, group) => ({
  id, field, group, parse: (text) => parseNumber(text, LIMITS[field], label), format: String,
});

// Typed fields: element id, state field, how to read and write it, the group its errors
// show in, and the architecture it belongs to (its error counts only while that one is
// chosen: a CNN is sent without the MLP's widths).
const TEXT_FIELDS = [
  number("n-samples", "nSamples", "samples", "setup"),
  number("noise", "noise", "noise", "setup"),
  number("data-seed", "dataSeed", "data seed", "setup"),
  { id: "widths", field: "widths", group: "setup", parse: parseWidths, format: formatWidths, architecture: "mlp" },
  { ...number("depth", "depth", "depth", "setup"), architecture: "cnn" },
  { ...number("channels", "channels", "channels", "setup"), architecture: "cnn" },
  number("learning-rate", "learningRate", "learning rate", "setup"),
  number("epochs", "epochs", "epochs", "setup"),
  number("seed", "seed", "init seed", "setup"),
  number("resolution", "resolution", "resolution", "landscape"),
  number("span", "span", "span", "landscape"),
  number("margin", "margin", "margin", "landscape"),
  number("top-k", "topK", "top k", "hessian"),
  number("iterations", "iterations", "Lanczos steps", "hessian"),
  number("probes", "probes", "probes", "hessian"),
];

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// TensorFlow Playground's regularization rates; the menu offers those within the API's bounds.
export const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REGULARIZATION_WORDS = { none: "none", l1: "L1 (Σ|w|)", l2: "L2 (½Σw²)" };

/** The rate menu's values: Playground's within `limit`, and `current` (a link's own) in order. */
export function rateChoices(limit, current) {
  const within = REGULARIZATION_RATES.filter((r) => (limit.min === undefined || r >= limit.min) && (limit.max === undefined || r <= limit.max));
  return [...new Set([...within, current])].sort((a, b) => a - b);
}

/** The input features after `name` was switched `on` or off, in the API's order; never empty. */
export function toggledFeatures(chosen, name, on, order) {
  const next = new Set(chosen);
  if (on) next.add(name);
  else next.delete(name);
  return next.size ? order.filter((n) => next.has(n)) : [...chosen];
}

/** A new data seed, other than `current`, within the API's bounds ("Regenerate"). */
export function newDataSeed(current, limit, random = Math.random) {
  const low = limit.min ?? 0;
  const high = Math.min(limit.max ?? 2 ** 31 - 1, low + 99_999); // short enough to read in a link
  const seed = low + Math.floor(random() * (high - low + 1));
  return seed === current ? (seed === high ? low : seed + 1) : seed;
}

/**
 * Give `select` exactly `options` ([value, text] pairs), built as nodes: dataset and column
 * names (a CSV's own text) stay text, never markup. Left alone when it has them already,
 * so the choice and the focus survive a sync.
 */
export function fillSelect(select, options) {
  const current = [...select.options].map((option) => [option.value, option.textContent]);
  if (same(current, options)) return;
  select.replaceChildren(...options.map(([value, text]) => {
    const option = select.ownerDocument.createElement("option");
    option.value = value;
    option.textContent = text;
    return option;
  }));
}

/** The network in one line: its parameter count and its layers. */
export function architectureText(state, info) {
  const out = outputDim(info);
  const shape = imageShape(info);
  if (state.architecture === "cnn" && shape) {
    const count = convParameterCount({ imageShape: shape, channels: state.channels, depth: state.depth, outputDim: out });
    const blocks = (state.depth - 2) / 2;
    return `${count.toLocaleString("en")} parameters · ${shape.join("×")} image → stem conv → ${blocks} `
      + `block${blocks === 1 ? "" : "s"} of 2 convs, ${state.channels} channels, ${state.skipConnections ? "with" : "without"} `
      + `skips → pool → ${out}`;
  }
  const inputs = inputDimOf(state, info);
  const sizes = [inputs, ...state.widths, out];
  const count = parameterCount({ inputDim: inputs, widths: state.widths, outputDim: out, batchNorm: state.batchNorm });
  return `${count.toLocaleString("en")} parameters · ${sizes.join(" → ")}`
    + (state.batchNorm ? " (with batch-norm scale and shift)" : "");
}

/** Wire the form to `store`; returns {sync(state), errors(group)}. */
export function mountForm({ store, catalogue }) {
  const errors = new Map(); // field id → message
  const datasetOf = (state) => catalogue.datasets.get(state.dataset);
  const update = (patch) => store.update(patch, { source: "form" });

  // The menu: the generated datasets, then uploads (added as they come), by their labels.
  const fillDatasets = () => fillSelect($("dataset"), [...catalogue.datasets.values()].map((d) => [d.name, d.label ?? d.name]));
  fillDatasets();
  fillSelect($("architecture"), ARCHITECTURES.filter((a) => CHOICES.architecture.includes(a.name)).map((a) => [a.name, a.title]));
  fillSelect($("activation"), CHOICES.activation.map((a) => [a, a]));
  fillSelect($("optimizer"), [...catalogue.optimizers.values()].map((o) => [o.name, `${o.name} — ${o.title}`]));
  fillSelect($("batch-size"), [...BATCH_CHOICES.map((b) => [String(b), String(b)]), ["full", "full batch"]]);

  // The fields whose errors count now: every one but the other architecture's.
  const live = (spec) => !spec.architecture || spec.architecture === store.state.architecture;
  const showErrors = () => {
    for (const group of ["setup", "landscape", "hessian"]) {
      const messages = TEXT_FIELDS.filter((f) => f.group === group && live(f) && errors.has(f.id)).map((f) => errors.get(f.id));
      const box = $(`${group}-errors`);
      box.textContent = messages.join(" · ");
      box.hidden = !messages.length;
    }
  };

  for (const spec of TEXT_FIELDS) {
    const input = $(spec.id);
    input.addEventListener("input", () => {
      const parsed = spec.parse(input.value);
      input.setAttribute("aria-invalid", parsed.error ? "true" : "false");
      if (parsed.error) errors.set(spec.id, parsed.error);
      else errors.delete(spec.id);
      showErrors();
      if (!parsed.error) update({ [spec.field]: parsed.value });
    });
  }

  const datasetPatch = (info) => {
    const features = store.state.features.every((f) => f < info.input_dim) && !imageShape(info)
      ? store.state.features : startFeatures(info);
    return { dataset: info.name, loss: fittingLoss(store.state.loss, info.task), features };
  };
  // (While a CNN is chosen the menu offers image data only: see `sync`.)
  $("dataset").addEventListener("change", (event) => update(datasetPatch(catalogue.datasets.get(event.target.value))));
  // A CNN reads images: choosing it on a table moves to the first image dataset (digits),
  // rather than sending a setup the API refuses.
  $("architecture").addEventListener("change", (event) => {
    const architecture = event.target.value;
    const images = firstImageDataset(catalogue.datasets);
    const move = architecture === "cnn" && !imageShape(datasetOf(store.state)) && images;
    update({ architecture, ...(move ? datasetPatch(images) : {}) });
  });
  $("skip-connections").addEventListener("change", (e) => update({ skipConnections: e.target.checked }));
  $("activation").addEventListener("change", (e) => update({ activation: e.target.value }));
  $("loss").addEventListener("change", (e) => update({ loss: e.target.value }));
  $("optimizer").addEventListener("change", (e) => update({ optimizer: e.target.value }));
  $("batch-norm").addEventListener("change", (e) => update({ batchNorm: e.target.checked }));
  $("batch-size").addEventListener("change", (e) => {
    update({ batchSize: e.target.value === "full" ? "full" : Number(e.target.value) });
  });
  $("directions").addEventListener("change", (e) => update({ directions: e.target.value }));
  for (const radio of document.querySelectorAll("input[name=landscape-view]")) {
    radio.addEventListener("change", () => update({ landscapeView: radio.value }));
  }
  $("regularization").addEventListener("change", (e) => update({ regularization: e.target.value }));
  $("regularization-rate").addEventListener("change", (e) => update({ regularizationRate: Number(e.target.value) }));
  fillSelect($("regularization"), CHOICES.regularization.map((r) => [r, REGULARIZATION_WORDS[r] ?? r]));
  // The noise slider and its field are one setting: each writes the other.
  $("noise-slider").addEventListener("input", (e) => {
    $("noise").value = e.target.value;
    $("noise").dispatchEvent(new Event("input"));
  });
  $("test-fraction").addEventListener("input", (e) => update({ testFraction: Number(e.target.value) }));
  $("regenerate").addEventListener("click", () => {
    const seed = newDataSeed(store.state.dataSeed, LIMITS.dataSeed);
    $("data-seed").value = String(seed); // (the form's own changes leave typed fields alone)
    $("data-seed").dispatchEvent(new Event("input"));
  });
  for (const [id, field] of [["noise-slider", "noise"], ["test-fraction", "testFraction"]]) {
    $(id).min = String(LIMITS[field].min);
    $(id).max = String(LIMITS[field].max);
  }
  // One toggle per input feature, labelled as the API labels it (x₁, sin(x₁), …).
  const featureOrder = (catalogue.features ?? []).map((f) => f.name);
  $("input-features").replaceChildren(...(catalogue.features ?? []).map(({ name, label }) => {
    const holder = document.createElement("label");
    holder.className = "toggle";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = name;
    box.addEventListener("change", () => {
      update({ inputFeatures: toggledFeatures(store.state.inputFeatures, name, box.checked, featureOrder) });
      box.checked = store.state.inputFeatures.includes(name); // the last one stays on
    });
    const text = document.createElement("span");
    text.textContent = label;
    holder.append(box, text);
    return holder;
  }));

  const pickFeature = () => update({ features: [Number($("feature-x").value), Number($("feature-y").value)] });
  $("feature-x").addEventListener("change", pickFeature);
  $("feature-y").addEventListener("change", pickFeature);

  const showParameterCount = (state) => {
    const info = datasetOf(state);
    if (!info) return;
    $("parameter-count").textContent = architectureText(state, info);
  };

  const syncInputFeatures = (state, info) => {
    const plane = takesInputFeatures(state, info);
    const offered = Boolean(catalogue.features?.length);
    $("input-features-field").hidden = !plane || !offered;
    const hint = $("input-features-hint");
    hint.hidden = state.architecture !== "mlp" || (plane && offered);
    hint.textContent = !offered ? "Input features: the server offers none."
      : `Input features (x₁², sin x₁, …) are for data on the plane; this network reads the data's ${info?.input_dim ?? ""} columns as they are.`;
    for (const box of $("input-features").querySelectorAll("input")) {
      box.checked = state.inputFeatures.includes(box.value);
      // At least one input: the last one on cannot be switched off.
      const last = box.checked && state.inputFeatures.length === 1;
      box.disabled = last;
      box.parentElement.title = last ? "the network needs at least one input" : "";
    }
  };

  /**
   * Write `state` into every control. Typed fields are rewritten only when `fields` (a URL
   * or a lesson changed the state): after the user's own edits they keep their text, so a
   * half-typed or invalid value is not overwritten while they work on another field.
   */
  const sync = (state, { fields = true } = {}) => {
    const info = datasetOf(state);
    fillDatasets();
    $("dataset").value = state.dataset;
    $("dataset-description").textContent = info ? `${info.description} (${info.task}, ${info.input_dim} inputs`
      + `${info.task === "classification" ? `, ${info.n_classes} classes` : ""})` : "";
    fillSelect($("loss"), lossesFor(info?.task ?? "classification").map((l) => [l.name, l.title]));
    $("loss").value = state.loss;
    $("activation").value = state.activation;
    $("optimizer").value = state.optimizer;
    $("batch-size").value = String(state.batchSize);
    $("architecture").value = state.architecture;
    $("batch-norm").checked = state.batchNorm;
    $("skip-connections").checked = state.skipConnections;
    const cnn = state.architecture === "cnn";
    document.querySelectorAll("#setup .mlp-only").forEach((el) => { el.hidden = cnn; });
    document.querySelectorAll("#setup .cnn-only").forEach((el) => { el.hidden = !cnn; });
    // A CNN reads images: the tables stay in the menu, greyed, so it is clear why.
    for (const option of $("dataset").options) {
      option.disabled = cnn && !imageShape(catalogue.datasets.get(option.value)) && option.value !== state.dataset;
    }
    $("regularization").value = state.regularization;
    fillSelect($("regularization-rate"), rateChoices(LIMITS.regularizationRate, state.regularizationRate).map((r) => [String(r), String(r)]));
    $("regularization-rate").value = String(state.regularizationRate);
    $("regularization-rate").disabled = state.regularization === "none";
    $("noise-slider").value = String(state.noise);
    $("test-fraction").value = String(state.testFraction);
    $("test-fraction-value").textContent = `${Math.round(100 * state.testFraction)} % test`;
    syncInputFeatures(state, info);
    $("directions").value = state.directions;
    for (const radio of document.querySelectorAll("input[name=landscape-view]")) radio.checked = radio.value === state.landscapeView;
    for (const spec of fields ? TEXT_FIELDS : []) {
      const input = $(spec.id);
      const typed = spec.parse(input.value);
      if (typed.error === undefined && same(typed.value, state[spec.field])) continue;
      input.value = spec.format(state[spec.field]);
      input.setAttribute("aria-invalid", "false");
      errors.delete(spec.id);
    }
    showErrors();
    const fixed = Boolean(info?.fixed_size);
    // An upload keeps the split it was uploaded with.
    const upload = isUploadId(state.dataset);
    $("test-fraction").disabled = upload;
    $("test-fraction").title = upload ? "your CSV keeps the split it was uploaded with" : "";
    for (const id of ["n-samples", "noise", "noise-slider"]) {
      $(id).disabled = fixed;
      $(id).title = fixed ? "real data: its size and noise are what they are" : "";
    }
    const names = info?.feature_names ?? [];
    $("feature-pick").hidden = names.length <= 2;
    for (const [axis, id] of [[0, "feature-x"], [1, "feature-y"]]) {
      fillSelect($(id), names.map((n, j) => [String(j), n]));
      $(id).value = String(state.features[axis]);
    }
    // The span sizes a plane of directions (random or the Hessian's), not the PCA one.
    document.querySelectorAll("#landscape-panel .span-only").forEach((el) => { el.hidden = state.directions === "pca"; });
    document.querySelectorAll("#landscape-panel .pca-only").forEach((el) => { el.hidden = state.directions !== "pca"; });
    showParameterCount(state);
  };

  return {
    sync,
    showParameterCount,
    /** The messages of every field of `groups` that holds an invalid value now (and is sent). */
    errors: (...groups) => TEXT_FIELDS.filter((f) => groups.includes(f.group) && live(f) && errors.has(f.id)).map((f) => errors.get(f.id)),
  };
}
