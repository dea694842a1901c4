// Every experiment card: its preset and explanation (presets.js) joined with the module
// that turns its result into plots and tables.

import { EXPERIMENT_PRESETS } from "../presets.js";
import * as batchSize from "./batch_size.js";
import * as lossComparison from "./loss_comparison.js";
import * as minimumRatio from "./minimum_ratio.js";
import * as normalization from "./normalization.js";
import * as skipConnections from "./skip_connections.js";

const VIEWS = Object.fromEntries(
  [minimumRatio, batchSize, lossComparison, normalization, skipConnections].map((m) => [m.kind, m.views]),
);

export const EXPERIMENTS = EXPERIMENT_PRESETS.map((preset) => ({ ...preset, views: VIEWS[preset.kind] }));
