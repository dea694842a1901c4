// The JavaScript side of the Python/JS parity cases (tests/parity/cases.json); the Python
// side is tests/unit/test_parity.py, on the same file.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import { runLabels } from "../../frontend/js/requests.js";

const CASES = JSON.parse(readFileSync(new URL("../parity/cases.json", import.meta.url), "utf8"));

describe("Python/JS parity", () => {
  it("labels runs as the Python side does", () => {
    assert.ok(CASES.run_labels.length >= 5);
    for (const { runs, labels } of CASES.run_labels) assert.deepEqual(runLabels(runs), labels, JSON.stringify(runs));
  });
});
