// The experiment cards: presets are complete, and each experiment's `views(result)` turns a
// small fake result (in the shape its engineer documented) into plots, tables and notes.
import "./experiment_kinds.mjs"; // the API's defaults and bounds, as the page loads them
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { EXPERIMENTS } from "../../frontend/js/networks/experiments/index.js";
import { batchAxis, summaryTable, timingTraces } from "../../frontend/js/networks/experiments/batch_size.js";
import { LEGEND_ROW, PLOT_HEIGHT, legendEntries } from "../../frontend/js/networks/experiments/common.js";
import { ratioTraces, summaryText } from "../../frontend/js/networks/experiments/minimum_ratio.js";
import { batchNormTraces } from "../../frontend/js/networks/experiments/normalization.js";
import {
  LEVELS, MEASURE_COLUMNS, comparisonText, lossRange, sharedScale,
} from "../../frontend/js/networks/experiments/skip_connections.js";
import { getPath, withPath } from "../../frontend/js/networks/presets.js";
import { EXPERIMENT_KINDS, apiField, limitOf, withinLimit } from "../../frontend/js/networks/state.js";
import { PALETTE } from "../../frontend/js/networks/colors.js";
import {
  makeBatchSize, makeLossComparison, makeMinimumRatio, makeNormalization, makeSkipConnections,
} from "./networks_fixtures.mjs";

const byKind = Object.fromEntries(EXPERIMENTS.map((e) => [e.kind, e]));
const plots = (items) => items.filter((i) => i.type === "plot");
const ids = (items) => plots(items).map((p) => p.id);
const traceOf = (item, name) => item.figure.data.find((t) => t.name === name);

describe("experiment presets", () => {
  it("has one card per kind the URL knows, each with a section, an explanation and views", () => {
    assert.deepEqual(EXPERIMENTS.map((e) => e.kind), EXPERIMENT_KINDS);
    for (const e of EXPERIMENTS) {
      assert.equal(typeof e.views, "function", e.kind);
      assert.match(e.section, /^\d\. /);
      const sentences = e.text.split(/(?<=[.:])\s+(?=[A-Z])/).length;
      assert.ok(sentences >= 2 && sentences <= 5, `${e.kind}: ${sentences} sentences`);
      for (const field of e.fields) {
        const api = apiField(e.kind, field.name); // throws for a field the API does not take
        assert.ok(withinLimit(api.default, limitOf(api)), `${e.kind}.${field.name} is a bounded number`);
      }
    }
  });

  it("reads and writes nested params by dotted path, leaving the preset alone", () => {
    const preset = { setup: { epochs: 30, learning_rate: 0.1 }, top_k: 1 };
    assert.equal(getPath(preset, "setup.epochs"), 30);
    assert.equal(getPath(preset, "setup.nothing.here"), undefined);
    const edited = withPath(preset, "setup.epochs", 5);
    assert.deepEqual(edited, { setup: { epochs: 5, learning_rate: 0.1 }, top_k: 1 });
    assert.equal(preset.setup.epochs, 30);
    assert.deepEqual(withPath({}, "a.b", 1), { a: { b: 1 } });
  });

});

describe("loss_comparison views", () => {
  const result = makeLossComparison();
  const items = byKind.loss_comparison.views(result);

  it("draws both error surfaces with each run's path from the same start", () => {
    assert.deepEqual(ids(items), ["loss-comparison-cross_entropy", "loss-comparison-mse", "loss-comparison-curves"]);
    for (const [i, key] of ["cross_entropy", "mse"].entries()) {
      const item = plots(items)[i];
      const [contour, path, ends] = item.figure.data;
      assert.equal(contour.type, "contour");
      assert.deepEqual(contour.z, result.losses[key].grid.z);
      assert.deepEqual(path.x, result.losses[key].run.points.map((p) => p[0]));
      assert.deepEqual([ends.x[0], ends.y[0]], [-8, 8]);
      assert.equal(item.figure.layout.xaxis.title.text, "logit y₁ (target class)");
    }
    assert.equal(plots(items)[1].title, "MSE: final loss 1.99");
  });

  it("draws both loss curves and says where each ended", () => {
    const curves = plots(items)[2];
    assert.deepEqual(curves.figure.data.map((t) => t.name), ["Cross-entropy", "MSE"]);
    assert.deepEqual(traceOf(curves, "MSE").y, [2, 2, 2, 1.99]);
    assert.equal(curves.figure.layout.yaxis.type, "log");
    const note = items.find((i) => i.type === "note").text;
    assert.equal(note, "From (-8, 8) with sgd, η = 1, 3 steps, y₃ = -20: Cross-entropy ends at 0.01; MSE ends at 1.99.");
  });
});

describe("minimum_ratio views", () => {
  const result = makeMinimumRatio();
  const items = byKind.minimum_ratio.views(result);

  it("scatters minimum ratio against training loss, converged networks filled", () => {
    const [converged, rest] = ratioTraces(result.networks);
    assert.deepEqual(converged.x, [0.01, 0.02]);
    assert.deepEqual(converged.y, [0.56, 0.6]);
    assert.deepEqual(rest.x, [0.3]);
    assert.equal(rest.marker.symbol, "circle-open");
    const scatter = plots(items)[0];
    assert.deepEqual(scatter.figure.layout.yaxis.range, [0, 1.05]);
    assert.equal(scatter.figure.layout.xaxis.type, "log");
  });

  it("states the summary and lists every network", () => {
    assert.equal(summaryText(result.summary), "3 networks, 2 converged; minimum ratio mean 0.553, median 0.56; 0 reached 1 (a true local minimum).");
    const tableItem = items.find((i) => i.type === "table");
    assert.equal(tableItem.rows.length, 3);
    assert.deepEqual(tableItem.rows[0].slice(0, 3), ["0", "8", "50"]);
    assert.equal(tableItem.rows[0].length, tableItem.columns.length);
  });
});

describe("batch_size views", () => {
  const result = makeBatchSize();
  const items = byKind.batch_size.views(result);

  it("plots time per update and per epoch against a log batch-size axis", () => {
    const [update, epoch] = timingTraces(result.runs);
    assert.deepEqual(update.x, [8, 64, 256]);
    assert.deepEqual(update.y, result.runs.map((r) => r.seconds_per_update));
    assert.deepEqual(epoch.y, result.runs.map((r) => r.seconds_per_epoch));
    assert.deepEqual(batchAxis([8, 64]), { title: { text: "batch size", standoff: 4 }, exponentformat: "power", type: "log", tickvals: [8, 64], ticktext: ["8", "64"] });
    assert.match(plots(items)[0].title, /measured on cpu/);
  });

  it("has accuracy, sharpness, curves, interpolation and slices, train solid and test dashed", () => {
    assert.deepEqual(ids(items), [
      "batch-size-timing", "batch-size-accuracy", "batch-size-sharpness", "batch-size-curves",
      "batch-size-interpolation", "batch-size-slices",
    ]);
    const [, accuracy, sharpness, , interpolation, slices] = plots(items);
    assert.deepEqual(traceOf(accuracy, "test accuracy").y, result.runs.map((r) => r.test_accuracy));
    assert.deepEqual(traceOf(sharpness, "sharpness λ<sub>max</sub>").y, [2, 5, 8]);
    assert.equal(traceOf(sharpness, "gradient noise").yaxis, "y2");
    assert.deepEqual(traceOf(interpolation, "test loss").y, result.interpolation.test);
    assert.equal(traceOf(interpolation, "test loss").line.dash, "dash");
    assert.equal(interpolation.figure.layout.xaxis.title.text, "0: batch 8 · 1: batch 256");
    assert.deepEqual(slices.figure.data.map((t) => [t.name, t.line.dash, t.line.color]), [
      ["batch 8 train", "solid", PALETTE[0]], ["batch 8 test", "dash", PALETTE[0]],
      ["batch 256 train", "solid", PALETTE[1]], ["batch 256 test", "dash", PALETTE[1]],
    ]);
  });

  it("words the lecture's table from the API's orders, each word with the run's own number", () => {
    const tableItem = items.find((i) => i.type === "table");
    assert.deepEqual(tableItem.columns, ["", "small batch (b=8)", "large batch (b=256)"]);
    const word = (cell) => cell.split(" (")[0];
    assert.deepEqual(tableItem.rows.map((row) => [row[0], word(row[1]), word(row[2])]), [
      ["Time per update", "faster", "slower"],
      ["Time per epoch", "slower", "faster"],
      ["Gradient", "noisy", "stable"],
      ["Optimization", "better", "worse"], // accuracy: higher is better
      ["Generalization", "same", "same"],
      ["Sharpness", "n/a", "n/a"], // a number was missing
    ]);
    assert.equal(tableItem.rows[0][1], "faster (100 µs)");
    assert.equal(tableItem.rows[4][2], "same (test accuracy 91.0%, gap +4 points)");
    assert.equal(tableItem.rows[5][1], "n/a (top eigenvalue 2)");
  });

  it("words a regression's table by its losses: lower is better", () => {
    const small = { batch_size: 1, seconds_per_update: 1e-5, seconds_per_epoch: 3e-3, gradient_noise: 1, train_loss: 0.1, test_loss: 0.2, train_accuracy: null, test_accuracy: null, sharpness: 1 };
    const large = { ...small, batch_size: 32, train_loss: 0.5, test_loss: 0.4 };
    const orders = { seconds_per_update: 0, seconds_per_epoch: 0, gradient_noise: 0, train_loss: -1, test_loss: -1, sharpness: 0 };
    const { rows } = summaryTable({ runs: [small, large], comparison: { small_batch: 1, large_batch: 32, orders } });
    assert.deepEqual(rows.map((row) => row[0]), ["Time per update", "Time per epoch", "Gradient", "Optimization", "Generalization", "Sharpness"]);
    assert.equal(rows[3][1], "better (train loss 0.1)");
    assert.equal(rows[4][2], "worse (test loss 0.4, gap -0.1)");
  });
});

describe("normalization views", () => {
  const result = makeNormalization();
  const items = byKind.normalization.views(result);

  it("draws both linear error surfaces with paths, minima and condition numbers", () => {
    const [scaled, standardized] = plots(items);
    assert.equal(scaled.title, "Scaled features: condition number 1.00e+4");
    assert.equal(standardized.title, "Standardized features: condition number 1.5");
    const path = scaled.figure.data[1];
    assert.deepEqual(path.y, [1, 0.5, -0.25]);
    const minimum = traceOf(scaled, "minimum");
    assert.deepEqual([minimum.x, minimum.y], [[0.5], [-0.25]]);
  });

  it("draws BN curves per learning rate (solid with, dashed without), a table and both slices", () => {
    const traces = batchNormTraces(result.batch_norm);
    assert.deepEqual(traces.map((t) => [t.line.color, t.line.dash]), [
      [PALETTE[0], "dash"], [PALETTE[0], "solid"], [PALETTE[1], "dash"], [PALETTE[1], "solid"],
    ]);
    assert.equal(traces[1].name, "η = 0.1 with batch norm");
    const tableItem = items.find((i) => i.type === "table");
    assert.deepEqual(tableItem.rows.map((r) => [r[0], r[4], r[5]]), [["no", "40", ""], ["yes", "3", ""], ["no", "40", "diverged"], ["yes", "3", ""]]);
    const slices = plots(items).filter((p) => p.id.startsWith("normalization-bn-slice"));
    assert.equal(slices.length, 2);
    assert.match(slices[1].title, /with batch norm/);
    assert.deepEqual(slices[0].figure.data[0].z, result.batch_norm.slices[0].z);
  });

  it("states what the linear runs did", () => {
    const note = items.find((i) => i.type === "note").text;
    assert.equal(note, "Feature scales 1 and 100; sgd, η = 1.00e-4, 2 steps: scaled features: final loss 0.01; standardized features: final loss 0.01.");
  });
});

describe("skip_connections views", () => {
  const result = makeSkipConnections({ seeds: 2 });
  const items = byKind.skip_connections.views(result);
  const slices = plots(items).filter((p) => p.id !== "skip-connections-curves");
  const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≉ ${b}`);

  it("draws each seed's pair of slices, with then without, whatever order the networks come in", () => {
    const expected = [
      "skip-connections-seed0-with", "skip-connections-seed0-without",
      "skip-connections-seed1-with", "skip-connections-seed1-without", "skip-connections-curves",
    ];
    assert.deepEqual(ids(items), expected);
    const shuffled = { ...result, networks: [...result.networks].reverse() };
    assert.deepEqual(ids(byKind.skip_connections.views(shuffled)), expected);
    assert.match(slices[0].title, /^With skip connections \(seed 0\)/);
    assert.match(slices[1].title, /^Without skip connections \(seed 0\)/);
  });

  it("puts every slice on one colour scale: log₁₀ of the loss, the same ends and the same levels", () => {
    const contours = slices.map((p) => p.figure.data[0]);
    assert.ok(contours.every((c) => c.type === "contour"));
    const [lo, hi] = [Math.log10(0.05), Math.log10(5)];
    for (const c of contours) {
      close(c.zmin, lo);
      close(c.zmax, hi);
      assert.equal(c.zauto, false);
      assert.equal(c.autocontour, false);
      assert.deepEqual(c.contours, contours[0].contours);
      assert.deepEqual(c.colorbar, contours[0].colorbar);
    }
    close(contours[0].contours.start, lo);
    close(contours[0].contours.end, hi);
    close(contours[0].contours.size, (hi - lo) / LEVELS);
    // The rougher slice without skips reaches the top of the scale, the one with stays low.
    close(contours[1].z[0][0], Math.log10(5));
    close(contours[0].z[1][1], Math.log10(0.05));
    assert.equal(contours[0].text[1][1], "0.05"); // the hover says the loss itself
    const ticks = contours[0].colorbar.ticktext;
    assert.deepEqual([ticks[0], ticks.at(-1)], ["0.05", "5"]);
  });

  it("keeps one unit as long on both axes and marks the trained weights", () => {
    for (const item of slices) {
      const { layout, data } = item.figure;
      assert.equal(layout.yaxis.scaleanchor, "x");
      assert.deepEqual(layout.xaxis.range, [-1, 1]);
      assert.deepEqual([data[1].name, data[1].x, data[1].y], ["trained weights", [0], [0]]);
    }
  });

  it("draws both variants' curves, one colour each, one legend entry per variant and curve", () => {
    const curves = plots(items).find((p) => p.id === "skip-connections-curves");
    assert.equal(curves.figure.data.length, 8);
    assert.equal(legendEntries(curves.figure), 4);
    const shown = curves.figure.data.filter((t) => t.showlegend);
    assert.deepEqual(shown.map((t) => [t.name, t.line.dash]), [
      ["with skip connections: train", "solid"], ["with skip connections: test", "dash"],
      ["without skip connections: train", "solid"], ["without skip connections: test", "dash"],
    ]);
    const colours = new Set(curves.figure.data.map((t) => t.line.color));
    assert.deepEqual([...colours], [PALETTE[0], PALETTE[4]]);
  });

  it("lists every network's measures, seed by seed, and its centre check", () => {
    const tableItem = items.find((i) => i.type === "table");
    assert.deepEqual(tableItem.columns, MEASURE_COLUMNS);
    assert.equal(tableItem.rows.length, 4);
    assert.ok(tableItem.rows.every((row) => row.length === MEASURE_COLUMNS.length));
    assert.deepEqual(tableItem.rows.map((r) => [r[0], r[1]]), [["0", "with"], ["0", "without"], ["1", "with"], ["1", "without"]]);
    assert.deepEqual(tableItem.rows[1].slice(5, 11), ["0.4", "75.0%", "1", "8", "-3", "0.375"]);
    assert.equal(tableItem.rows[0][11], "✓");
    assert.match(tableItem.rows[1][11], /^✗/);
  });

  it("says per measure in how many seeds the skips were smoother, ties named", () => {
    const notes = items.filter((i) => i.type === "note").map((i) => i.text);
    assert.equal(notes[1], comparisonText(result.comparison));
    assert.equal(notes[1], "Seeds in which the network with skip connections was smoother (lower): negative curvature 2 of 2, "
      + "non-convex share 2 of 2, local minima 0 of 2 (2 tied), sharpness λ_max 2 of 2, |λ_min / λ_max| 2 of 2.");
    assert.match(notes[0], /depth 20, 9 blocks, 8 channels, relu on digits, 12 epochs of adam/);
    assert.match(notes[0], /averages 256 training samples/);
    assert.match(notes[0], /loss 0\.05 to 5\./);
  });

  it("falls back to the grids' own range, and to a linear scale when a loss is not positive", () => {
    assert.deepEqual(lossRange({ ...result, z_range: [null, 5] }), [0.05, 5]);
    const linear = sharedScale([0, 2]);
    assert.equal(linear.log, false);
    assert.deepEqual([linear.trace.zmin, linear.trace.zmax, linear.height(1)], [0, 2, 1]);
    const flat = sharedScale([1, 1]);
    assert.ok(flat.trace.contours.size > 0);
  });
});

describe("experiment legends", () => {
  // The normalization experiment at three learning rates: six entries, once drawn over its curves.
  const sixEntries = makeNormalization();
  const bn = sixEntries.batch_norm;
  bn.learning_rates = [0.1, 1, 3];
  bn.runs = [...bn.runs, { ...bn.runs[0], learning_rate: 3 }, { ...bn.runs[1], learning_rate: 3 }];
  const results = {
    minimum_ratio: makeMinimumRatio(), batch_size: makeBatchSize(), loss_comparison: makeLossComparison(), normalization: sixEntries,
    skip_connections: makeSkipConnections(),
  };

  it("puts every legend under the plot area, in room added for it, so it covers no data", () => {
    let legends = 0;
    for (const experiment of EXPERIMENTS) {
      for (const item of plots(experiment.views(results[experiment.kind]))) {
        const { layout } = item.figure;
        const entries = legendEntries(item.figure);
        if (!entries) continue;
        legends += 1;
        const where = `${item.id} (${entries} entries)`;
        // Anchored to the figure's bottom edge, one entry a row, horizontal (so the room is taken below).
        assert.deepEqual([layout.legend.yref, layout.legend.y, layout.legend.yanchor], ["container", 0, "bottom"], where);
        assert.equal(layout.legend.orientation, "h", where);
        assert.deepEqual([layout.legend.entrywidth, layout.legend.entrywidthmode], [1, "fraction"], where);
        // The bottom margin holds the axis's labels and every legend row; the plot area keeps
        // the height it has without a legend.
        const rows = entries * LEGEND_ROW;
        assert.ok(layout.margin.b >= 40 + rows, `${where}: margin ${layout.margin.b} < ${40 + rows}`);
        const area = layout.height - layout.margin.t - layout.margin.b;
        assert.ok(area >= PLOT_HEIGHT - layout.margin.t - 45, `${where}: the plot area shrank to ${area}px`);
      }
    }
    assert.ok(legends >= 8, `${legends} legends checked`);
    const curves = plots(byKind.normalization.views(sixEntries)).find((p) => p.id === "normalization-bn-curves");
    assert.equal(legendEntries(curves.figure), 6);
  });

  it("counts Plotly's entries: one per shown trace, none for a single trace or a hidden legend", () => {
    const trace = (extra = {}) => ({ type: "scatter", ...extra });
    assert.equal(legendEntries({ data: [trace()], layout: {} }), 0);
    assert.equal(legendEntries({ data: [trace(), trace(), trace({ showlegend: false })], layout: {} }), 2);
    assert.equal(legendEntries({ data: [trace(), trace()], layout: { showlegend: false } }), 0);
    assert.equal(legendEntries({ data: [trace()], layout: { showlegend: true } }), 1);
  });
});
