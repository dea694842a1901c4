// The surface map's figure builder: contour, paths cut at the cursor, arrows, log scale, 3-D.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { PALETTE } from "../../frontend/js/state.js";
import {
  ARROWS_NOTE, ARROW_FRACTION, SIGMA_BOX_FRACTION, SIGMA_NOTE, arrow, buildMapFigure as buildLayers, cursorIndex,
  displayZ, heightScale, legendEntries, sigmaBox, sigmaShapes, taylorGrid,
} from "../../frontend/js/plots/map.js";
import { NEGATIVE_CURVATURE, POSITIVE_CURVATURE } from "../../frontend/js/plots/colors.js";
import { SURFACE, f, grad, makeGrid, makeResult, makeRuns } from "./fixtures.mjs";

const close = (a, b, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

function scenario({ step = 4, view = "contour", logScale = false } = {}) {
  const results = [
    makeResult("sgd"),
    makeResult("momentum", { momentum: true, lr: 0.01 }),
    makeResult("wild", { lr: 0.2, divergeAfter: 3 }), // three points, then non-finite
  ];
  const grid = makeGrid();
  return {
    grid, results,
    options: { surface: SURFACE, grid, runs: makeRuns(results), results, step, logScale, view, start: SURFACE.default_start },
  };
}

/**
 * The map as one list of traces and annotations, whether it comes as one figure
 * ({data, layout}) or as stacked layers ({background, foreground}: the contour under a
 * transparent plot of everything that moves). `layers` keeps the layers themselves.
 */
function buildMapFigure(options) {
  const built = buildLayers(options);
  const layers = "foreground" in built ? [built.background, built.foreground].filter(Boolean) : [built];
  return {
    layers,
    data: layers.flatMap((l) => l.data),
    layout: { ...Object.assign({}, ...layers.map((l) => l.layout)), annotations: layers.flatMap((l) => l.layout.annotations ?? []) },
  };
}

/**
 * The figure's arrows of one kind as {tail, head, color}: drawn as two-point scatter traces
 * named "<label> −∇f" / "<label> momentum" (or, earlier, as annotations "−∇f" / "m").
 */
function arrowsOf({ data, layout }, kind) {
  const suffix = kind === "gradient" ? "−∇f" : "momentum";
  const text = kind === "gradient" ? "−∇f" : "m";
  const fromTraces = data
    .filter((t) => t.type === "scatter" && typeof t.name === "string" && t.name.endsWith(` ${suffix}`) && t.x.length === 2)
    .map((t) => ({ tail: [t.x[0], t.y[0]], head: [t.x[1], t.y[1]], color: t.line.color }));
  const fromNotes = (layout.annotations ?? [])
    .filter((a) => a.text === text)
    .map((a) => ({ tail: [a.ax, a.ay], head: [a.x, a.y], color: a.arrowcolor }));
  return [...fromTraces, ...fromNotes];
}
const gradientArrows = (figure) => arrowsOf(figure, "gradient");

const paths = (data) => data.filter((t) => t.type === "scatter" && t.mode === "lines" && t.meta !== "halo");
const currents = (data) => data.filter((t) => t.type === "scatter" && t.mode === "markers" && t.showlegend === false && t.name !== "inspected point");

describe("buildMapFigure (contour)", () => {
  it("draws the grid as a contour with the start and the minima", () => {
    const { grid, options } = scenario();
    const { data, layout } = buildMapFigure(options);
    const contour = data[0];
    assert.equal(contour.type, "contour");
    assert.deepEqual(contour.x, grid.x);
    assert.deepEqual(contour.y, grid.y);
    assert.deepEqual(contour.z, grid.z, "linear scale draws the heights as they are");
    const start = data.find((t) => t.name === "start");
    assert.deepEqual([start.x, start.y], [[-1.5], [2]]);
    const minima = data.find((t) => t.name === "known minima");
    assert.deepEqual([minima.x, minima.y], [[0], [0]]);
    assert.deepEqual(layout.xaxis.range, [-2, 2]);
    assert.deepEqual(layout.yaxis.range, [-1, 3]);
  });

  it("draws every layer on the same axes, so the paths sit on the contour", () => {
    const { options } = scenario();
    for (const ranges of [undefined, { x: [-1, 0.5], y: [0, 2] }]) {
      const { layers } = buildMapFigure({ ...options, ranges });
      for (const layer of layers) {
        assert.deepEqual(layer.layout.xaxis.range, ranges?.x ?? [-2, 2]);
        assert.deepEqual(layer.layout.yaxis.range, ranges?.y ?? [-1, 3]);
        assert.deepEqual(layer.layout.margin, layers[0].layout.margin);
      }
    }
  });

  it("puts the contour under everything that moves", () => {
    const { layers, data } = buildMapFigure(scenario().options);
    assert.equal(data[0].type, "contour");
    if (layers.length === 2) {
      assert.ok(layers[0].data.every((t) => t.type === "contour"), "the background holds only contours");
      assert.ok(layers[1].data.every((t) => t.type !== "contour"), "the foreground holds no contour");
      assert.equal(layers[1].layout.paper_bgcolor, "rgba(0,0,0,0)");
      assert.equal(layers[1].layout.plot_bgcolor, "rgba(0,0,0,0)");
    }
  });

  it("has one path and one current-point trace per run, in the run's colour", () => {
    const { results, options } = scenario();
    const { data } = buildMapFigure(options);
    assert.equal(paths(data).length, results.length);
    assert.equal(currents(data).length, results.length);
    paths(data).forEach((trace, i) => {
      assert.equal(trace.name, results[i].label);
      assert.equal(trace.line.color, PALETTE[i]);
      assert.equal(currents(data)[i].marker.color, PALETTE[i]);
    });
  });

  it("cuts each path at the cursor and marks the point there", () => {
    for (const step of [0, 1, 4, 10]) {
      const { results, options } = scenario({ step });
      const { data } = buildMapFigure(options);
      const [sgd, momentum] = paths(data);
      assert.equal(sgd.x.length, step + 1, `step ${step}`);
      assert.deepEqual(sgd.x, results[0].points.slice(0, step + 1).map((p) => p[0]));
      assert.deepEqual(momentum.y, results[1].points.slice(0, step + 1).map((p) => p[1]));
      const at = currents(data)[0];
      assert.deepEqual([at.x[0], at.y[0]], results[0].points[step]);
    }
  });

  it("stops a diverged run's path at its last finite point", () => {
    const { results, options } = scenario({ step: 8 });
    const { data } = buildMapFigure(options);
    const wild = paths(data)[2];
    assert.equal(wild.x.length, 3);
    assert.deepEqual(wild.x, results[2].points.map((p) => p[0]));
    assert.deepEqual([currents(data)[2].x[0], currents(data)[2].y[0]], results[2].points[2]);
    assert.equal(cursorIndex(results[2], 8), 2);
    assert.equal(cursorIndex(results[2], -3), 0);
    assert.ok(data.every((t) => (t.x ?? []).every((v) => Number.isFinite(v))));
  });

  it("points a −∇f arrow from every run's current point, downhill", () => {
    const step = 3;
    const { results, grid, options } = scenario({ step });
    const width = grid.x.at(-1) - grid.x[0];
    const arrows = gradientArrows(buildMapFigure(options));
    assert.equal(arrows.length, results.length);
    arrows.forEach((a, i) => {
      const k = cursorIndex(results[i], step);
      const [x, y] = results[i].points[k];
      assert.deepEqual(a.tail, [x, y], "the tail sits on the current point");
      const [gx, gy] = grad(x, y);
      const [dx, dy] = [a.head[0] - x, a.head[1] - y];
      assert.ok(close(dx * gy - dy * gx, 0, 1e-9), "parallel to the gradient");
      assert.ok(dx * gx + dy * gy < 0, "against the gradient");
      assert.ok(close(Math.hypot(dx, dy), ARROW_FRACTION * width), "a fixed share of the view");
      assert.ok(f(x + dx * 1e-3, y + dy * 1e-3) < f(x, y), "a small step along it goes downhill");
      assert.equal(a.color, PALETTE[i]);
    });
  });

  it("adds a momentum arrow along −m only for runs with momentum, after step 0", () => {
    const momentumArrows = (step) => arrowsOf(buildMapFigure(scenario({ step }).options), "momentum");
    assert.equal(momentumArrows(0).length, 0);
    const found = momentumArrows(5);
    assert.equal(found.length, 1, "only the momentum run has an m arrow");
    const [m] = found;
    const { results } = scenario();
    assert.deepEqual(m.tail, results[1].points[5]);
    const v = results[1].state.momentum[4]; // the momentum that carried the run to step 5
    const [dx, dy] = [m.head[0] - m.tail[0], m.head[1] - m.tail[1]];
    assert.ok(close(dx * v[1] - dy * v[0], 0, 1e-9));
    assert.ok(dx * v[0] + dy * v[1] < 0);
  });

  it("skips an arrow where the gradient vanishes", () => {
    assert.equal(arrow(0, 0, [0, 0], 1, "red"), null);
    assert.equal(arrow(0, 0, [Number.NaN, 1], 1, "red"), null);
    const results = [makeResult("still", { start: [0, 0], steps: 3 })];
    const figure = buildMapFigure({ ...scenario().options, runs: makeRuns(results), results, step: 2 });
    assert.deepEqual(gradientArrows(figure), []);
    assert.deepEqual(arrowsOf(figure, "momentum"), []);
  });
});

describe("log scale", () => {
  const z = [[0, 1e-9, 1], [10, 1e3, 1e6], [null, 5e5, 2]];

  it("is monotonic and finite, even at the minimum", () => {
    const scale = heightScale(z, true);
    const values = z.flat().filter((v) => v !== null).sort((a, b) => a - b);
    const drawn = values.map(scale);
    assert.ok(drawn.every(Number.isFinite), drawn.join(", "));
    for (let i = 1; i < drawn.length; i++) assert.ok(drawn[i] > drawn[i - 1], `${values[i - 1]} → ${values[i]}`);
    assert.equal(scale(null), null);
  });

  it("handles a flat or negative grid", () => {
    assert.ok(displayZ([[3, 3], [3, 3]], true).flat().every(Number.isFinite));
    const negative = displayZ([[-80, -40], [0, 12]], true).flat();
    assert.ok(negative.every(Number.isFinite));
    assert.ok(negative[0] < negative[1] && negative[1] < negative[2] && negative[2] < negative[3]);
  });

  it("is the identity without log scale and keeps the grid's shape", () => {
    assert.deepEqual(displayZ(z, false), z);
    const drawn = displayZ(z, true);
    assert.deepEqual(drawn.map((row) => row.length), [3, 3, 3]);
  });

  it("is what the contour draws when logScale is on", () => {
    const { grid, options } = scenario({ logScale: true });
    const contour = buildMapFigure(options).data[0];
    assert.deepEqual(contour.z, displayZ(grid.z, true));
    assert.ok(contour.z.flat().every(Number.isFinite));
  });
});

describe("buildMapFigure (3-D)", () => {
  it("builds a surface trace and one 3-D path per run, cut at the cursor", () => {
    const { grid, results, options } = scenario({ step: 6, view: "surface3d", logScale: true });
    const { data, layout } = buildMapFigure(options);
    assert.equal(data[0].type, "surface");
    assert.deepEqual(data[0].x, grid.x);
    assert.deepEqual(data[0].z, displayZ(grid.z, true));
    const lines = data.filter((t) => t.type === "scatter3d" && !t.meta); // paths: no halo, ball or arrow
    assert.equal(lines.length, results.length);
    assert.deepEqual(lines.map((t) => t.x.length), [7, 7, 3]);
    const scale = heightScale(grid.z, true);
    assert.deepEqual(lines[0].z, results[0].loss.slice(0, 7).map(scale));
    assert.ok(lines.every((t) => t.z.every(Number.isFinite)));
    assert.ok(layout.scene);
    assert.ok(!data.some((t) => t.type === "contour"));
    // Each 3-D path has its halo too (yellow on the pale end of the scale needs it).
    const halos = data.filter((t) => t.type === "scatter3d" && t.meta === "halo");
    assert.deepEqual(halos.map((t) => t.x), lines.map((t) => t.x));
    const built = buildLayers(options);
    if ("foreground" in built) assert.equal(built.background, null, "no contour layer under the 3-D view");
  });
});

describe("the current point in 3-D", () => {
  it("is a ball on the surface with −∇f and momentum as 3-D arrows along the tangent plane", () => {
    const { results, options } = scenario({ step: 4, view: "surface3d", logScale: false });
    const { data } = buildMapFigure(options);
    const balls = data.filter((t) => t.meta === "ball");
    assert.equal(balls.length, results.length);
    const [x, y] = results[0].points[4];
    assert.deepEqual([balls[0].x[0], balls[0].y[0], balls[0].z[0]], [x, y, f(x, y)]);
    const shafts = data.filter((t) => t.meta === "arrow");
    const heads = data.filter((t) => t.type === "cone");
    assert.equal(shafts.length, heads.length);
    // Run 0 (no momentum): one arrow, −∇f, whose rise is the tangent plane's: ∇f·Δ < 0.
    const [shaft] = shafts.filter((t) => t.name.startsWith(results[0].label) && t.name.endsWith("−∇f"));
    const [gx, gy] = grad(x, y);
    const [dx, dy] = [shaft.x[1] - shaft.x[0], shaft.y[1] - shaft.y[0]];
    assert.ok(Math.abs(dx * gy - dy * gx) < 1e-9 * Math.hypot(gx, gy)); // along −∇f …
    assert.ok(dx * gx + dy * gy < 0); // … downhill
    assert.ok(Math.abs(shaft.z[1] - (f(x, y) + gx * dx + gy * dy)) < 1e-9);
    assert.ok(shafts.some((t) => t.name.endsWith("momentum")), "the momentum run has its arrow");
  });
});

describe("inspector overlay and taylorGrid", () => {
  // /api/analyze on Rosenbrock at (0.5, 0.5).
  const analysis = {
    point: [0.5, 0.5], value: 6.5, gradient: [-51, 50],
    eigenvalues: [-54.915031020078764, 356.91503102007874],
    eigenvectors: [[0.7867535287927538, 0.6172672718783571], [-0.6172672718783571, 0.7867535287927538]],
    taylor: { center: [0.5, 0.5], value: 6.5, polynomial: [-5.25, -2.0, 50.0, 51.0, -200.0, 100.0] },
  };
  const grid = { x: [-2, 0, 2], y: [-1, 1, 3], z: [[0, 0, 0], [0, 0, 0], [0, 0, 0]] };

  it("reproduces the value at the centre and the polynomial everywhere", () => {
    const t = taylorGrid(analysis, grid);
    assert.equal(t.x.length, 41);
    assert.equal(t.z.length, 41);
    assert.ok(close(t.x[20], 0.5) && close(t.y[20], 0.5));
    assert.ok(close(t.z[20][20], 6.5, 1e-12), `${t.z[20][20]}`);
    const [c0, cx, cy, cxx, cxy, cyy] = analysis.taylor.polynomial;
    for (const [j, i] of [[0, 0], [40, 40], [3, 31]]) {
      const [x, y] = [t.x[i], t.y[j]];
      assert.ok(close(t.z[j][i], c0 + cx * x + cy * y + cxx * x * x + cxy * x * y + cyy * y * y));
    }
    assert.ok(close(t.x[40] - t.x[0], 0.3 * 4) && close(t.y[40] - t.y[0], 0.3 * 4));
  });

  it("draws the inspected point, the Taylor contours and an eigenvector arrow each", () => {
    const { options } = scenario();
    const inspection = { analysis, taylorGrid: taylorGrid(analysis, grid), span: 4 };
    const { data, layout } = buildMapFigure({ ...options, inspection });
    assert.ok(data.some((t) => t.name === "inspected point"));
    assert.equal(data.filter((t) => t.type === "contour").length, 2);
    const eigen = layout.annotations.filter((a) => a.text.startsWith("λ="));
    assert.equal(eigen.length, 2);
    assert.equal(eigen[0].arrowcolor, NEGATIVE_CURVATURE, "negative curvature");
    assert.equal(eigen[1].arrowcolor, POSITIVE_CURVATURE, "positive curvature");
  });
});

describe("the map tells the truth", () => {
  it("draws x and y at the same scale on both layers, the frame shrinking to fit", () => {
    const { layers } = buildMapFigure(scenario().options);
    for (const layer of layers) {
      assert.equal(layer.layout.yaxis.scaleanchor, "x");
      assert.equal(layer.layout.yaxis.scaleratio, 1);
      assert.equal(layer.layout.xaxis.constrain, "domain");
      assert.equal(layer.layout.yaxis.constrain, "domain");
    }
  });

  it("draws arrows thinner than paths, dotted, translucent, a fixed share of the view's shorter side", () => {
    const ranges = { x: [-2, 2], y: [0, 1] };
    const { data } = buildMapFigure({ ...scenario().options, ranges });
    const pathWidth = paths(data)[0].line.width;
    const arrows = data.filter((t) => t.mode === "lines+markers" && t.x.length === 2);
    assert.ok(arrows.length >= 3);
    for (const a of arrows) {
      assert.ok(a.line.width < pathWidth, "thinner than a path");
      assert.equal(a.line.dash, "dot");
      assert.ok(a.opacity < 1);
      assert.equal(a.marker.symbol, "arrow", "a head");
      const length = Math.hypot(a.x[1] - a.x[0], a.y[1] - a.y[0]);
      assert.ok(length <= 0.1 * 1 + 1e-12, `capped by the view's 1-unit height: ${length}`);
    }
  });

  it("keeps the legend off the plot and lists runs, markers and what the arrows mean", () => {
    const { layers } = buildMapFigure(scenario().options);
    for (const layer of layers) assert.equal(layer.layout.showlegend, false);
    const entries = legendEntries(layers.at(-1).data);
    const names = entries.map((e) => e.name);
    assert.deepEqual(entries.filter((e) => e.kind === "line").map((e) => e.name), ["sgd", "momentum", "wild"]);
    assert.ok(names.includes("start") && names.includes("known minima"));
    assert.ok(names.includes(ARROWS_NOTE), "arrows are labelled as not to scale");
    assert.ok(!names.some((n) => n.endsWith("outline")), "halos are not listed");
    const lines = entries.filter((e) => e.kind === "line");
    lines.forEach((e, i) => assert.equal(e.color, PALETTE[i]));
  });

  it("gives every path a halo underneath it, same points, wider", () => {
    const { data } = buildMapFigure(scenario({ step: 6 }).options);
    const halos = data.filter((t) => t.meta === "halo");
    const drawn = paths(data);
    assert.equal(halos.length, drawn.length);
    halos.forEach((halo, i) => {
      assert.ok(data.indexOf(halo) < data.indexOf(drawn[i]), "under its path");
      assert.deepEqual([halo.x, halo.y], [drawn[i].x, drawn[i].y]);
      assert.ok(halo.line.width > drawn[i].line.width);
    });
  });

  it("draws no run at all when it has no results (a new surface still computing)", () => {
    const { data } = buildMapFigure({ ...scenario().options, runs: [], results: [] });
    assert.equal(paths(data).length, 0);
    assert.ok(data.some((t) => t.type === "contour"), "the new surface itself is drawn");
  });

  it("shows the keyboard crosshair where it is, and only then", () => {
    assert.ok(!buildMapFigure(scenario().options).data.some((t) => t.name === "keyboard crosshair"));
    const { data } = buildMapFigure({ ...scenario().options, crosshair: [0.5, -0.25] });
    const cross = data.find((t) => t.name === "keyboard crosshair");
    assert.deepEqual([cross.x, cross.y], [[0.5], [-0.25]]);
  });
});

describe("the map's frame", () => {
  const grid = (x, y) => ({ x, y, z: [] });
  it("is as high as a flat domain needs at equal scales, never above what the page gives", async () => {
    const { fittedHeight } = await import("../../frontend/js/plots/map_frame.js");
    // 20 × 4 in a 745 px wide frame: the plot is 690 px wide, so 138 px high, plus margins.
    assert.equal(fittedHeight(grid([-10, 10], [-2, 2]), 745, 520), 240, "at least the minimum");
    assert.equal(fittedHeight(grid([-10, 10], [-4, 4]), 745, 520), 326);
    assert.equal(fittedHeight(grid([-2, 2], [-1, 3]), 745, 520), 520, "a square domain keeps the page's height");
  });
});

describe("σ as a box at each run's point", () => {
  const sigmaResult = () => {
    const result = makeResult("adagrad", { steps: 6 });
    // σ after each update (σ_x, σ_y): the y-gradient is 10× steeper, so σ_y is 10× larger
    result.state = { sigma: result.points.slice(1).map((_, t) => [1 + t, 10 * (1 + t)]) };
    result.learning_rate = result.learning_rate.map(() => 0.5);
    return result;
  };

  it("has sides in the ratio of η/σᵢ, the longer a fixed share of the view, centred on the point", () => {
    const result = sigmaResult();
    const [x, y] = result.points[3];
    const box = sigmaBox(result, 3, x, y, 4);
    assert.deepEqual(box.scales, [0.5 / 3, 0.5 / 30]);
    assert.ok(Math.abs((box.x1 - box.x0) / (box.y1 - box.y0) - 10) < 1e-9);
    assert.ok(Math.abs(box.x1 - box.x0 - SIGMA_BOX_FRACTION * 4) < 1e-12);
    assert.ok(Math.abs((box.x0 + box.x1) / 2 - x) < 1e-12 && Math.abs((box.y0 + box.y1) / 2 - y) < 1e-12);
    assert.equal(sigmaBox(result, 0, x, y, 4), null); // no update yet: no σ
    assert.equal(sigmaBox(makeResult("sgd"), 3, x, y, 4), null); // SGD has no σ
  });

  it("is drawn as a dashed shape in the run's colour, with a legend key saying what it means", () => {
    const results = [sigmaResult(), makeResult("sgd")];
    const runs = makeRuns(results);
    const figure = buildLayers({ surface: SURFACE, grid: makeGrid(), runs, results, step: 4, logScale: false, view: "contour", start: [-1.5, 2] });
    const { shapes } = figure.foreground.layout;
    assert.equal(shapes.length, 1);
    assert.equal(shapes[0].line.dash, "dash");
    assert.equal(shapes[0].line.color, PALETTE[runs[0].color]);
    assert.ok(legendEntries(figure.foreground.data).some((e) => e.name === SIGMA_NOTE && e.kind === "marker"));
    assert.deepEqual(sigmaShapes(runs, [makeResult("sgd")], 4, 4), []);
  });
});
