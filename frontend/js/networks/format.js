// Numbers as the page writes them: the lab's formatNumber (0.0123, 1.23e-7), with "–" for
// the nulls the API sends for a missing or non-finite number, and percents and durations.

import { formatNumber as labFormat } from "../panels/runs.js";

export const formatNumber = (x) => (x === null || x === undefined ? "–" : labFormat(x));
export const percent = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "–");
export const seconds = (s) => (!Number.isFinite(s) ? "–" : s >= 1 ? `${formatNumber(s)} s`
  : s >= 1e-3 ? `${formatNumber(1e3 * s)} ms` : `${formatNumber(1e6 * s)} µs`);
