// Every experiment card: its preset and explanation (presets.js) joined with the module
// that turns its result into plots and tables; and `train` (the Train button's job), which
// a lesson may run as well.

import { EXPERIMENT_PRESETS } from "../presets.js";
import * as batchSize from "./batch_size.js";
import * as lossComparison from "./loss_comparison.js";
import * as minimumRatio from "./minimum_ratio.js";
import * as normalization from "./normalization.js";
import * as skipConnections from "./skip_connections.js";
import { trainViews } from "../train_view.js";

const VIEWS = Object.fromEntries(
  [minimumRatio, batchSize, lossComparison, normalization, skipConnections].map((m) => [m.kind, m.views]),
);

export const EXPERIMENTS = EXPERIMENT_PRESETS.map((preset) => ({ ...preset, views: VIEWS[preset.kind] }));

/** The Train button's job, as a lesson's experiment: no card, no fields of its own. */
export const TRAIN = { kind: "train", title: "Training", fields: [], views: trainViews };

/** The experiment of kind `kind` a lesson may run (a card's, or `train`), or undefined. */
export const lessonExperiment = (kind) => [...EXPERIMENTS, TRAIN].find((e) => e.kind === kind);

/** The network an experiment request ({kind, params}) trains: `train`'s params are the setup. */
export const trainedSetup = ({ kind, params }) => (kind === TRAIN.kind ? params : params.setup);
