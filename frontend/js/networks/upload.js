// Your own data: a CSV file picked here is uploaded (POST /api/datasets), shown as the
// server parsed it (or with the server's message naming the row and column at fault), and
// added to the dataset menu under its id, which then goes wherever a dataset's name goes.

import { fittingLoss } from "./setup.js";
import { PATTERNS } from "./state.js";

const $ = (id) => document.getElementById(id);
/** Whether `name` is an uploaded table's id (the API's pattern for a setup's dataset). */
export const isUploadId = (name) => PATTERNS.dataset?.test(name) ?? false;

/** The dataset menu's entry for an uploaded table (GET or POST /api/datasets answer). */
export function summaryOf(dataset) {
  const rows = dataset.x_train.length + dataset.x_test.length;
  return {
    name: dataset.name,
    label: dataset.label,
    description: `Your CSV "${dataset.label}": ${rows} rows`,
    task: dataset.task,
    input_dim: dataset.input_dim,
    n_classes: dataset.n_classes,
    fixed_size: true,
    feature_names: dataset.feature_names,
    class_names: dataset.class_names,
  };
}

/** One line on what the server read: rows, the split, the features and the target. */
export function describeUpload(dataset) {
  const train = dataset.x_train.length;
  const test = dataset.x_test.length;
  const features = dataset.feature_names.join(", ");
  const target = dataset.task === "classification"
    ? `${dataset.n_classes} classes (${dataset.class_names.join(", ") || "numbered"})`
    : "a number (regression)";
  return `Read ${train + test} rows (${train} train, ${test} test): `
    + `${dataset.input_dim} features (${features}); target: ${target}.`;
}

/**
 * The menu entry of an upload the URL names ({entry}), or why it cannot be had ({error}:
 * the server's message, e.g. that it expired); {} when `name` is no upload's id.
 */
export async function restoreUpload(api, name) {
  if (!isUploadId(name)) return {};
  try {
    return { entry: summaryOf(await api.getDataset({ name, n_samples: 20, noise: 0, seed: 0 })) };
  } catch (failure) {
    return { error: failure.message };
  }
}

/** Wire the file picker: upload, show what was read or why not, select the new table. */
export function mountUpload({ store, catalogue, api }) {
  const input = $("csv-file");
  const status = $("csv-status");
  const error = $("csv-error");
  const say = (text, failed) => {
    status.textContent = failed ? "" : text;
    error.textContent = failed ? text : "";
    error.hidden = !failed;
  };
  input.addEventListener("change", async () => {
    const [file] = input.files;
    if (!file) return;
    say(`Uploading ${file.name}…`, false);
    try {
      const dataset = await api.uploadDataset(file, file.name.slice(0, 80));
      const entry = summaryOf(dataset);
      catalogue.datasets.set(entry.name, entry);
      say(describeUpload(dataset), false);
      store.update({
        architecture: "mlp", // a table: a CNN reads images only
        dataset: entry.name,
        loss: fittingLoss(store.state.loss, entry.task),
        features: [0, Math.min(1, entry.input_dim - 1)],
      }, { source: "form" });
    } catch (failure) {
      say(`${file.name}: ${failure.message}`, true);
    } finally {
      input.value = ""; // the same file again uploads again
    }
  });
}
