// The API's answer to GET /api/experiments/kinds (tests/js/experiment_kinds.json; a test in
// tests/api/test_experiments.py fails when it differs from what the API serves), given to
// the Networks page's state as the page gives it at start-up. Import before using state.js.

import { readFileSync } from "node:fs";
import { useExperimentKinds } from "../../frontend/js/networks/state.js";

export const EXPERIMENT_KINDS_ANSWER = JSON.parse(readFileSync(new URL("./experiment_kinds.json", import.meta.url), "utf8"));
useExperimentKinds(EXPERIMENT_KINDS_ANSWER);
