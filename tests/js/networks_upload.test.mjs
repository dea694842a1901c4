// Your own CSV on the Networks page: the menu entry and the line built from the server's
// parsed table, which ids are uploads (the API's pattern), and a link to an expired one.
import "./experiment_kinds.mjs"; // the API's defaults, bounds and patterns
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { describeUpload, isUploadId, restoreUpload, summaryOf } from "../../frontend/js/networks/upload.js";

const PARSED = {
  name: "csv-abcdefghijklmnop",
  label: "flowers.csv",
  fixed_size: true,
  task: "classification",
  input_dim: 2,
  n_classes: 3,
  feature_names: ["petal <b>length</b>", "petal width"],
  class_names: ["setosa", "versicolor", "virginica"],
  x_train: [[1, 2], [3, 4], [5, 6]],
  y_train: [0, 1, 2],
  x_test: [[7, 8]],
  y_test: [1],
  expires_in_s: 3600,
};

describe("an uploaded table", () => {
  it("becomes a menu entry under its id, labelled as the learner named it", () => {
    const entry = summaryOf(PARSED);
    assert.equal(entry.name, PARSED.name);
    assert.equal(entry.label, "flowers.csv");
    assert.equal(entry.fixed_size, true); // its size and noise are what they are
    assert.deepEqual([entry.task, entry.input_dim, entry.n_classes], ["classification", 2, 3]);
    assert.match(entry.description, /flowers\.csv.*4 rows/);
  });

  it("is described as the server read it: rows, split, features, target", () => {
    assert.equal(
      describeUpload(PARSED),
      "Read 4 rows (3 train, 1 test): 2 features (petal <b>length</b>, petal width); "
        + "target: 3 classes (setosa, versicolor, virginica).",
    );
    const regression = { ...PARSED, task: "regression", n_classes: 0, class_names: [] };
    assert.match(describeUpload(regression), /target: a number \(regression\)\.$/);
  });

  it("is told apart by the API's pattern for a dataset's id", () => {
    assert.equal(isUploadId("csv-abcdefghijklmnop"), true);
    assert.equal(isUploadId("csv-abc_DEF-12345678"), true);
    for (const name of ["moons", "csv-short", "csv-abcdefghijklmnopq", "xcsv-abcdefghijklmnop", ""]) {
      assert.equal(isUploadId(name), false, name);
    }
  });
});

describe("restoreUpload", () => {
  it("brings back the table a link names while the server keeps it", async () => {
    const api = { getDataset: async ({ name }) => ({ ...PARSED, name }) };
    const { entry, error } = await restoreUpload(api, PARSED.name);
    assert.equal(entry.name, PARSED.name);
    assert.equal(error, undefined);
  });

  it("says why when it is gone, and asks nothing for a dataset's name", async () => {
    let asked = 0;
    const api = {
      getDataset: async () => { asked += 1; throw new Error("no uploaded dataset: upload the CSV again"); },
    };
    assert.deepEqual(await restoreUpload(api, PARSED.name), { error: "no uploaded dataset: upload the CSV again" });
    assert.deepEqual(await restoreUpload(api, "moons"), {});
    assert.equal(asked, 1);
  });
});

describe("a link naming an uploaded table", async () => {
  const { decodeState } = await import("../../frontend/js/networks/state.js");
  it("keeps its id, and only an id of the API's pattern", () => {
    assert.equal(decodeState("?d=csv-abcdefghijklmnop").dataset, "csv-abcdefghijklmnop");
    assert.equal(decodeState("?d=blobs").dataset, "blobs");
    const fallback = decodeState("").dataset;
    for (const name of ["csv-%3Cscript%3E", "csv-abc", "CSV-abcdefghijklmnop"]) {
      assert.equal(decodeState(`?d=${name}`).dataset, fallback, name);
    }
  });
});
