// The setup form and the landscape and Hessian settings: menus filled from the catalogue,
// typed fields checked as they change (a valid value goes to the store, an invalid one
// stays in its field with a message), and the store's state written back for a URL or a
// lesson.

import { BATCH_CHOICES, CHOICES, LIMITS } from "./state.js";
import {
  ARCHITECTURES, convParameterCount, firstImageDataset, fittingLoss, formatWidths, imageShape, lossesFor, outputDim,
  parameterCount, parseNumber, parseWidths, startFeatures,
} from "./setup.js";

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
  const sizes = [info.input_dim, ...state.widths, out];
  const count = parameterCount({ inputDim: info.input_dim, widths: state.widths, outputDim: out, batchNorm: state.batchNorm });
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
  const pickFeature = () => update({ features: [Number($("feature-x").value), Number($("feature-y").value)] });
  $("feature-x").addEventListener("change", pickFeature);
  $("feature-y").addEventListener("change", pickFeature);

  const showParameterCount = (state) => {
    const info = datasetOf(state);
    if (!info) return;
    $("parameter-count").textContent = architectureText(state, info);
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
    for (const id of ["n-samples", "noise"]) {
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
