// The Networks page's figure builders: data, decision boundary, curves, landscape, Hessian,
// and the job reducer, fed small fake results in the API's shapes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { scaleFor } from "../../frontend/js/networks/axes.js";
import {
  boundaryTraces, confidence, confidenceColorscale, encodeClasses, snapshot, twoClassColorscale,
} from "../../frontend/js/networks/boundary_view.js";
import { PALETTE, classColor, tint } from "../../frontend/js/networks/colors.js";
import { buildDataFigure, pointTraces, targetRange } from "../../frontend/js/networks/dataset_view.js";
import {
  LAYER_COLUMNS, buildDensityFigure, buildLayersFigure, buildSlicesFigure, buildSpectrumFigure, densityFloor, hessianRows,
  layerRows,
} from "../../frontend/js/networks/hessian_view.js";
import { isUnknownKind, jobView, problemMessage } from "../../frontend/js/networks/job.js";
import {
  axisTitles, buildLandscapeFigure, labelIndices, landscapeHeights, landscapeNotes, logColorbar, pathLabels, sampleGrid,
} from "../../frontend/js/networks/landscape_view.js";
import { TRAIN, lessonExperiment, trainedSetup } from "../../frontend/js/networks/experiments/index.js";
import { buildCurvesFigure, trainSummary, trainViews } from "../../frontend/js/networks/train_view.js";
import {
  makeBoundary, makeDataset, makeHessian, makeHistory, makeLandscape,
} from "./networks_fixtures.mjs";

const close = (a, b, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

describe("data plot", () => {
  it("draws train filled and test hollow, one pair per class, in the class's colour", () => {
    const data = makeDataset();
    const traces = pointTraces(data);
    assert.equal(traces.length, 4);
    const [train0, test0, train1, test1] = traces;
    assert.deepEqual(train0.x, [-1, -0.5]);
    assert.deepEqual(test0.x, [-0.8]);
    assert.deepEqual(train1.x, [0.5, 1, 0.8]);
    assert.deepEqual(test1.y, [-0.1]);
    assert.deepEqual(traces.map((t) => t.marker.symbol), ["circle", "circle-open", "circle", "circle-open"]);
    assert.deepEqual(traces.map((t) => t.marker.color), [PALETTE[0], PALETTE[0], PALETTE[1], PALETTE[1]]);
    assert.deepEqual(traces.map((t) => t.showlegend), [true, false, true, false]);
    const total = traces.reduce((n, t) => n + t.x.length, 0);
    assert.equal(total, data.x_train.length + data.x_test.length);
  });

  it("leaves the legend to the classes: no title to crowd their entries, no annotation over them", () => {
    // (The key to the markers is the panel's caption, data_panel.js.)
    const { layout } = buildDataFigure({ data: makeDataset() });
    assert.equal(layout.legend.title, undefined);
    assert.equal(layout.annotations, undefined);
    assert.equal(layout.legend.orientation, "h");
  });

  it("plots the chosen features, named on the axes", () => {
    const data = { ...makeDataset(), input_dim: 3, feature_names: ["a", "b", "c"], x_train: [[1, 2, 3]], y_train: [0], x_test: [[4, 5, 6]], y_test: [1] };
    const figure = buildDataFigure({ data, features: [2, 0] });
    assert.deepEqual(figure.data[0].x, [3]);
    assert.deepEqual(figure.data[0].y, [1]);
    assert.equal(figure.layout.xaxis.title.text, "c");
    assert.equal(figure.layout.yaxis.title.text, "a");
    assert.equal(figure.layout.yaxis.scaleanchor, undefined, "only 2-D data keep a square aspect");
  });

  it("colours regression points by target on one shared scale", () => {
    const data = makeDataset({ task: "regression" });
    const [train, test] = pointTraces(data);
    assert.deepEqual(train.marker.color, data.y_train);
    assert.deepEqual(targetRange(data), [-2, 2]);
    assert.deepEqual([train.marker.cmin, train.marker.cmax, test.marker.cmin, test.marker.cmax], [-2, 2, -2, 2]);
    assert.equal(test.marker.symbol, "circle-open");
  });

  it("draws the boundary under the points", () => {
    const figure = buildDataFigure({ data: makeDataset(), boundary: makeBoundary(), index: 1 });
    assert.deepEqual(figure.data.map((t) => t.type), ["heatmap", "contour", "scatter", "scatter", "scatter", "scatter"]);
  });
});

describe("decision boundary", () => {
  it("encodes the predicted class plus its confidence", () => {
    assert.equal(confidence([0.5, 0.5]), 0);
    assert.equal(confidence([1, 0]), 1);
    close(confidence([0.25, 0.75]), 0.5);
    close(confidence([0.6, 0.2, 0.2]), 0.4);
    const z = encodeClasses([[[0.9, 0.1], [0.25, 0.75]], [[1 / 3, 1 / 3, 1 / 3], [0, 0, 1]]]);
    close(z[0][0], 0.999 * 0.8);
    close(z[0][1], 1 + 0.999 * 0.5);
    close(z[1][0], 0);
    close(z[1][1], 2 + 0.999);
  });

  it("builds a colour scale with one pale-to-strong segment per class, increasing", () => {
    const scale = confidenceColorscale(3);
    const stops = scale.map(([s]) => s);
    assert.deepEqual(stops, [...stops].sort((a, b) => a - b));
    assert.equal(stops[0], 0);
    assert.equal(stops.at(-1), 1);
    assert.equal(scale[2][1], tint(classColor(1), 0.92), "class 1 starts pale");
    assert.equal(scale[3][1], tint(classColor(1), 0.45));
    assert.equal(tint("#000000", 0.5), "rgb(128, 128, 128)");
  });

  it("draws p(class 1), smoothed, and its 0.5 line for two classes", () => {
    const two = boundaryTraces(makeBoundary(2), 2, makeDataset(), [0, 1]);
    assert.deepEqual(two.map((t) => t.type), ["heatmap", "contour"]);
    assert.deepEqual([two[1].contours.start, two[1].contours.end], [0.5, 0.5]);
    const p1 = makeBoundary(2).z[2].map((row) => row.map((p) => p[1]));
    assert.deepEqual(two[0].z, p1);
    assert.deepEqual(two[1].z, p1);
    assert.deepEqual([two[0].zmin, two[0].zmax, two[0].zsmooth], [0, 1, "fast"]);
    const scale = twoClassColorscale();
    assert.deepEqual(scale.map(([s]) => s), [0, 0.5, 0.5, 1]);
    assert.deepEqual([scale[0][1], scale[3][1]], [tint(classColor(0), 0.45), tint(classColor(1), 0.45)]);
  });

  it("draws the predicted class, not smoothed, for three classes", () => {
    const three = boundaryTraces(makeBoundary(3), 2, makeDataset({ nClasses: 3 }), [0, 1]);
    assert.deepEqual(three.map((t) => t.type), ["heatmap"]);
    assert.equal(three[0].zmax, 3);
    assert.equal(three[0].zsmooth, undefined);
    assert.deepEqual(three[0].z, encodeClasses(makeBoundary(3).z[2]));
  });

  it("picks a snapshot by index (clamped), or a live partial's single grid", () => {
    const boundary = makeBoundary();
    assert.equal(snapshot(boundary, 1).epoch, 5);
    assert.equal(snapshot(boundary, null).epoch, 10);
    assert.equal(snapshot(boundary, 99).epoch, 10);
    assert.equal(snapshot(boundary, 1).z, boundary.z[1]);
    const partial = { x: boundary.x, y: boundary.y, epoch: 7, z: boundary.z[2] };
    assert.deepEqual(snapshot(partial, null), { epoch: 7, z: boundary.z[2] });
    assert.equal(boundaryTraces(partial, null, makeDataset(), [0, 1])[1].z.length, boundary.y.length);
  });

  it("shows a regression network's output on the targets' colour range", () => {
    const boundary = { x: [0, 1], y: [0, 1], epochs: [0], z: [[[0.5, 1], [1.5, 2]]] };
    const [heatmap] = boundaryTraces(boundary, 0, makeDataset({ task: "regression" }), [-2, 2]);
    assert.deepEqual(heatmap.z, [[0.5, 1], [1.5, 2]]);
    assert.deepEqual([heatmap.zmin, heatmap.zmax], [-2, 2]);
  });
});

describe("training curves", () => {
  it("draws train solid and test dashed loss, and accuracy below for classification", () => {
    const history = makeHistory();
    const figure = buildCurvesFigure(history, { epochs: 10 });
    assert.deepEqual(figure.data.map((t) => t.meta), ["train_loss", "test_loss", "train_accuracy", "test_accuracy"]);
    assert.deepEqual(figure.data.map((t) => t.yaxis), ["y", "y", "y2", "y2"]);
    assert.deepEqual(figure.data.map((t) => t.line.dash), ["solid", "dash", "solid", "dash"]);
    assert.deepEqual(figure.data[1].y, history.test_loss);
    assert.deepEqual(figure.data[0].x, history.epoch);
    assert.deepEqual(figure.layout.xaxis.range, [0, 10], "live curves grow into the run's length");
    assert.ok(figure.layout.yaxis2);
  });

  it("has no accuracy row for regression, and a hint before any training", () => {
    const figure = buildCurvesFigure(makeHistory({ accuracy: false }));
    assert.equal(figure.data.length, 2);
    assert.equal(figure.layout.yaxis2, undefined);
    const empty = buildCurvesFigure(null);
    assert.deepEqual(empty.data, []);
    assert.match(empty.layout.annotations[0].text, /Press Train/);
  });

  it("goes log only when the values span decades", () => {
    assert.deepEqual(scaleFor([0.7, 0.2, 0.1]), { type: "linear" });
    assert.deepEqual(scaleFor([1, 0.01]), { type: "log", dtick: 1 });
    assert.deepEqual(scaleFor([1, 1e-12]), { type: "log", dtick: 2 });
    assert.deepEqual(scaleFor([1, 0, 1e-5]), { type: "linear" }, "zero has no log");
    assert.deepEqual(scaleFor([null, 1e-3, 1]), { type: "log", dtick: 1 });
  });

  it("summarizes a finished run", () => {
    const result = { parameters: 354, steps_per_epoch: 10, batch_size: 32, history: makeHistory() };
    assert.equal(trainSummary(result), "354 parameters, 4 epochs of 10 updates (batch 32); train loss 0.14, "
      + "test loss 0.179; accuracy 90.0% train, 86.0% test.");
  });
});

describe("a train run's views (a train lesson's export)", () => {
  const { x_train, y_train, x_test, y_test, task, n_classes } = makeDataset();
  const result = {
    setup: { dataset: "circles" }, parameters: 3, steps_per_epoch: 10, batch_size: 32, history: makeHistory(),
    data: { x_train, y_train, x_test, y_test, task, n_classes }, boundary: makeBoundary(),
  };

  it("draws the last epoch's boundary under the points, then the curves and the summary", () => {
    const [boundary, curves, summary] = trainViews(result);
    assert.equal(boundary.title, "The decision boundary after epoch 10");
    const under = boundary.figure.data[0];
    assert.deepEqual(under.z, makeBoundary().z[2].map((row) => row.map((p) => p[1])), "p(class 1) of the last snapshot");
    assert.deepEqual(boundary.figure.data.filter((t) => t.meta === "train").flatMap((t) => t.x).sort(), x_train.map(([a]) => a).sort());
    assert.deepEqual(curves.figure.data.map((t) => t.meta), ["train_loss", "test_loss", "train_accuracy", "test_accuracy"]);
    assert.deepEqual({ type: summary.type, text: summary.text }, { type: "note", text: trainSummary(result) });
  });

  it("has no boundary plot for a run without one (data that are not 2-D)", () => {
    const views = trainViews({ ...result, boundary: undefined });
    assert.deepEqual(views.map((v) => v.type), ["plot", "note"]);
    assert.equal(views[0].id, "train-curves");
  });

  it("is the experiment a train lesson names, whose params are the setup it trains", () => {
    assert.equal(lessonExperiment("train"), TRAIN);
    assert.equal(lessonExperiment("loss_comparison").kind, "loss_comparison");
    assert.equal(lessonExperiment("no_such_kind"), undefined);
    assert.deepEqual(trainedSetup({ kind: "train", params: { dataset: "circles" } }), { dataset: "circles" });
    assert.deepEqual(trainedSetup({ kind: "batch_size", params: { batch_sizes: [1], setup: { dataset: "moons" } } }), { dataset: "moons" });
    assert.equal(trainedSetup({ kind: "loss_comparison", params: { steps: 10 } }), undefined);
  });
});

describe("landscape", () => {
  it("draws log₁₀ of a positive loss, the path with a few epoch labels, and the trained weights", () => {
    const result = makeLandscape();
    const figure = buildLandscapeFigure(result);
    const [contour, path, centre] = figure.data;
    assert.equal(contour.type, "contour");
    close(contour.z[1][2], Math.log10(0.1));
    assert.deepEqual(contour.x, result.x);
    assert.deepEqual(path.x, [1.8, 1, 0.3, 0]);
    assert.deepEqual(path.text, ["epoch 0", "epoch 1", "epoch 2", "epoch 3"]);
    assert.deepEqual([centre.x, centre.y], [[0], [0]]);
    assert.equal(figure.layout.xaxis.title.text, "PCA direction 1");
    const ticks = contour.colorbar.tickvals.map((v) => 10 ** v);
    close(ticks[0], 0.1, 1e-12);
  });

  it("keeps the values when a loss is not positive, and names random directions", () => {
    const result = { ...makeLandscape("random"), z: [[0, 1], [2, 3]], x: [0, 1], y: [0, 1] };
    assert.equal(landscapeHeights(result.z).log, false);
    const figure = buildLandscapeFigure(result);
    assert.deepEqual(figure.data[0].z, result.z);
    assert.equal(figure.data.length, 2, "no path for random directions");
    assert.match(figure.layout.xaxis.title.text, /random direction 1/);
  });

  it("interpolates the grid exactly for a bilinear function", () => {
    const f = (a, b) => 1 + 2 * a - 3 * b + 0.5 * a * b;
    const x = [-2, -1, 0.5, 2];
    const y = [-1, 0, 3];
    const z = y.map((b) => x.map((a) => f(a, b)));
    for (const [a, b] of [[-1.5, -0.5], [0, 1], [1.9, 2.5], [-2, -1], [2, 3]]) close(sampleGrid(x, y, z, a, b), f(a, b), 1e-12);
  });

  it("lifts the path onto the 3-D surface", () => {
    const result = makeLandscape();
    const figure = buildLandscapeFigure(result, { view: "surface3d" });
    assert.deepEqual(figure.data.map((t) => t.type), ["surface", "scatter3d"]);
    const heights = figure.data[0].z;
    const lift = 0.01 * (Math.max(...heights.flat()) - Math.min(...heights.flat()));
    // The last point, (0, 0), sits on a grid node: log10(0.1) = −1, plus the lift.
    close(figure.data[1].z.at(-1), -1 + lift, 1e-12);
    assert.equal(figure.layout.scene.zaxis.title.text, "log₁₀ loss");
  });

  it("labels at most six epochs, first and last included", () => {
    assert.deepEqual(labelIndices(4), [0, 1, 2, 3]);
    assert.deepEqual(labelIndices(31), [0, 6, 12, 18, 24, 30]);
    const labels = pathLabels(Array.from({ length: 31 }, (_, e) => e));
    assert.equal(labels.filter(Boolean).length, 6);
    assert.equal(labels[30], "epoch 30");
  });

  it("names the Hessian's eigenvectors with their eigenvalues, on the axes and in the notes", () => {
    const result = { ...makeLandscape("hessian"), eigenvalues: [12.5, 0.75] };
    assert.deepEqual(axisTitles(result), ["eigenvector 1 (λ₁ = 12.5)", "eigenvector 2 (λ₂ = 0.75)"]);
    const figure = buildLandscapeFigure(result);
    assert.equal(figure.layout.xaxis.title.text, "eigenvector 1 (λ₁ = 12.5)");
    assert.equal(figure.data.length, 2, "no path on the Hessian's plane");
    assert.equal(buildLandscapeFigure(result, { view: "surface3d" }).layout.scene.yaxis.title.text, "eigenvector 2 (λ₂ = 0.75)");
    const notes = landscapeNotes(result);
    assert.equal(notes.length, 2);
    assert.match(notes[0], /^The plane of the Hessian's top two eigenvectors, λ₁ = 12\.5 and λ₂ = 0\.75:/);
    assert.match(notes[1], /Centre check/);
    assert.deepEqual(axisTitles({ directions: "hessian" }), ["eigenvector 1", "eigenvector 2"]);
    assert.equal(landscapeNotes({ directions: "random", eigenvalues: [1, 2] }).length, 0);
  });

  it("labels a log colour bar with the loss itself", () => {
    const bar = logColorbar(-2, 2);
    assert.deepEqual(bar.tickvals, [-2, -1, 0, 1, 2]);
    assert.deepEqual(bar.ticktext, ["0.01", "0.1", "1", "10", "100"]);
  });

  it("states the PCA and centre checks", () => {
    const notes = landscapeNotes(makeLandscape());
    assert.equal(notes[0], "The two PCA directions explain 90.0% and 8.0% of the path's movement; the plane captures 98.0% of it.");
    assert.match(notes[1], /slice gives 0\.1 at \(0, 0\).*own training loss is 0\.1: they match ✓/);
    const bad = landscapeNotes({ ...makeLandscape("random"), centre: { grid: 0.5, direct: 0.1, matches: false } });
    assert.equal(bad.length, 1);
    assert.match(bad[0], /they differ ✗/);
  });
});

describe("Hessian", () => {
  it("draws the density on a log axis, zeros at a floor below the peak", () => {
    const result = makeHessian();
    const figure = buildDensityFigure(result);
    const floor = densityFloor(result.density);
    close(floor, 0.5e-6);
    assert.deepEqual(figure.data[0].y, [floor, 0.2, 0.5, floor, 0.1, 0.05, 0.2]);
    assert.deepEqual(figure.data[1].x, result.top_eigenvalues);
    assert.equal(figure.layout.yaxis.type, "log");
  });

  it("histograms the full spectrum when there is one", () => {
    assert.deepEqual(buildSpectrumFigure(makeHessian()).data[0].x, makeHessian().spectrum);
    assert.equal(buildSpectrumFigure(makeHessian({ spectrum: false })), null);
  });

  it("tabulates the numbers", () => {
    const rows = Object.fromEntries(hessianRows(makeHessian()));
    assert.equal(rows.parameters, "6");
    assert.equal(rows["top eigenvalues"], "4.5, 2, 0.5");
    assert.equal(rows["trace (Hutchinson)"], "6.7 ± 0.4");
    assert.equal(rows["most negative eigenvalue"], "-0.25");
    assert.equal(rows["minimum ratio"], "0.667: 4 positive, 1 negative, 1 near zero (|λ| ≤ 1.00e-6) of 6");
    assert.match(Object.fromEntries(hessianRows(makeHessian({ spectrum: false })))["minimum ratio"], /not computed/);
  });
});

describe("Hessian per layer and along its top eigenvector", () => {
  it("bars each layer's top eigenvalue and trace ± standard error, layer 1 on top, on a log axis", () => {
    const result = makeHessian();
    const figure = buildLayersFigure(result);
    const [top, trace] = figure.data;
    assert.deepEqual([top.type, top.orientation, trace.orientation], ["bar", "h", "h"]);
    assert.deepEqual(top.y, ["layer 1 (2 → 2)", "layer 2 (2 → 1)"]);
    assert.deepEqual(top.x, [40, 0.4]);
    assert.deepEqual(trace.x, [55, 0.6]);
    assert.deepEqual(trace.error_x.array, [5, 0.1]);
    assert.deepEqual(top.customdata, ["6 parameters", "3 parameters"]);
    assert.equal(figure.layout.xaxis.type, "log"); // two decades apart
    assert.equal(figure.layout.yaxis.autorange, "reversed");
    assert.equal(figure.layout.barmode, "group");
    assert.ok(figure.layout.height > 100);
  });

  it("grows a row per layer, and keeps a linear axis for a negative trace", () => {
    const layer = (k, estimate) => ({ layer: `block ${k} conv 1`, parameters: 584, top_eigenvalue: 1, trace: { estimate, standard_error: 0.5 } });
    const deep = { per_layer: Array.from({ length: 20 }, (_, k) => layer(k, 1)) };
    const shallow = { per_layer: [layer(0, 1), layer(1, -0.5)] };
    assert.ok(buildLayersFigure(deep).layout.height - buildLayersFigure(shallow).layout.height >= 18 * 25);
    assert.equal(buildLayersFigure(shallow).layout.xaxis.type, "linear");
  });

  it("tabulates each layer, and has nothing when the layers were not asked for", () => {
    const rows = layerRows(makeHessian());
    assert.deepEqual(rows[0], ["layer 1 (2 → 2)", "6", "40", "55 ± 5"]);
    assert.equal(rows[0].length, LAYER_COLUMNS.length);
    const without = makeHessian({ perLayer: false });
    assert.equal(buildLayersFigure(without), null);
    assert.deepEqual(layerRows(without), []);
    assert.equal(buildLayersFigure({ ...without, per_layer: [] }), null);
  });

  it("draws the loss along the top eigenvector beside a random direction, with a legend above the plot", () => {
    const result = makeHessian();
    const figure = buildSlicesFigure(result);
    assert.deepEqual(figure.data.map((t) => t.name), ["top eigenvector", "random direction"]);
    assert.deepEqual(figure.data[0].x, result.eigenvector_slices.x);
    assert.deepEqual(figure.data[0].y, result.eigenvector_slices.top_eigenvector);
    assert.deepEqual(figure.data[1].y, result.eigenvector_slices.random);
    assert.deepEqual(figure.data.map((t) => t.line.dash), ["solid", "dash"]);
    assert.ok(Math.max(...figure.data[0].y) > Math.max(...figure.data[1].y), "the top eigenvector is the sharper one");
    assert.deepEqual([figure.layout.legend.y, figure.layout.legend.yanchor], [1, "bottom"]);
    assert.ok(figure.layout.margin.t >= 25, "room above the plot for the legend");
    assert.equal(buildSlicesFigure(makeHessian({ slices: false })), null);
  });
});

describe("jobView", () => {
  it("reads every status", () => {
    assert.deepEqual(
      [jobView({ status: "queued", progress: 0 }).fraction, jobView({ status: "queued" }).running],
      [null, true],
    );
    const running = jobView({ status: "running", progress: 0.426, partial: { history: {} } }, "Training");
    assert.deepEqual([running.running, running.fraction, running.text], [true, 0.426, "Training… 43%"]);
    assert.deepEqual(running.partial, { history: {} });
    assert.equal(jobView({ status: "running", progress: 0.5 }).partial, null, "partial may be absent");
    const done = jobView({ status: "done", progress: 1, result: { a: 1 }, partial: null });
    assert.deepEqual([done.running, done.result, done.error], [false, { a: 1 }, null]);
    assert.equal(jobView({ status: "failed", error: "boom" }).error, "boom");
    assert.equal(jobView({ status: "failed", error: null }).error, "the experiment failed");
    const cancelled = jobView({ status: "cancelled", progress: 0.3 });
    assert.deepEqual([cancelled.running, cancelled.error, cancelled.text], [false, null, "Cancelled."]);
  });

  it("words API errors from problem+json", () => {
    assert.equal(problemMessage({ detail: "params.epochs: too many" }, 422), "params.epochs: too many");
    assert.equal(problemMessage(null, 502), "the server answered HTTP 502");
    const refused = Object.assign(new Error("body: Input tag 'minimum_ratio' found using 'kind' does not match any of the expected tags"), { status: 422 });
    assert.ok(isUnknownKind(refused));
    assert.ok(!isUnknownKind(Object.assign(new Error("params.setup.widths: too long"), { status: 422 })));
    assert.ok(!isUnknownKind(Object.assign(new Error(refused.message), { status: 503 })));
  });
});

describe("format", () => {
  it("writes the API's nulls as a dash, durations in a readable unit", async () => {
    const { formatNumber, percent, seconds } = await import("../../frontend/js/networks/format.js");
    assert.deepEqual([formatNumber(null), formatNumber(undefined), formatNumber(0.012345)], ["–", "–", "0.0123"]);
    assert.deepEqual([percent(0.9876), percent(null)], ["98.8%", "–"]);
    assert.deepEqual([seconds(2.5), seconds(0.0125), seconds(2.25e-6), seconds(null)], ["2.5 s", "12.5 ms", "2.25 µs", "–"]);
  });
});
