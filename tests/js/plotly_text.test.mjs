// User text in Plotly figures: run labels (from the URL, lessons and exports) and dataset,
// class and column names reach every trace property and annotation that shows them as
// entities, never as Plotly markup (a live link, giant text) or a hovertemplate variable.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { boundaryTraces } from "../../frontend/js/networks/boundary_view.js";
import { buildDataFigure } from "../../frontend/js/networks/dataset_view.js";
import { plotlyText } from "../../frontend/js/plotly_text.js";
import { buildChartsFigure } from "../../frontend/js/plots/charts.js";
import { buildMapFigure } from "../../frontend/js/plots/map.js";
import { buildSweepFigure } from "../../frontend/js/plots/sweep.js";
import { makeRun } from "../../frontend/js/state.js";
import { SURFACE, makeGrid, makeResult, makeRuns } from "./fixtures.mjs";
import { makeBoundary, makeDataset } from "./networks_fixtures.mjs";

// Each hostile text and how Plotly must be given it (written out, not computed).
const LINK = ['<a href="https://evil.example">x</a>', "&lt;a href=&#34;https://evil.example&#34;&gt;x&lt;/a&gt;"];
const BIG = ['<b style="font-size:99px">big</b>', "&lt;b style=&#34;font-size:99px&#34;&gt;big&lt;/b&gt;"];
const VARIABLE = ["rate %{y}", "rate &#37;{y}"];
const QUOTES = ["Tom's & Jerry's", "Tom&#39;s &amp; Jerry&#39;s"];
const HOSTILE = [LINK, BIG, VARIABLE, QUOTES];

// Keys Plotly never shows: ids that group or key things, and free data.
const HIDDEN = new Set(["legendgroup", "uirevision", "meta"]);

/** Every string Plotly may show in `value` (a figure, a trace list), with where it sits. */
function shownStrings(value, path = "") {
  if (typeof value === "string") return [[path, value]];
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => (HIDDEN.has(k) ? [] : shownStrings(v, `${path}.${k}`)));
}

/** No raw hostile text anywhere; the escaped one at each of `expected` (paths, e.g. ".data.3.name"). */
function assertEscaped(figure, [raw, escaped], expected) {
  const strings = shownStrings(figure);
  for (const [path, text] of strings) assert.ok(!text.includes(raw), `raw ${JSON.stringify(raw)} at ${path}: ${text}`);
  const found = strings.filter(([, text]) => text.includes(escaped)).map(([path]) => path);
  for (const path of expected) assert.ok(found.includes(path), `${path} should show ${escaped}; found at ${found.join(", ")}`);
}

describe("plotlyText", () => {
  it("turns Plotly's markup characters and % into entities Plotly decodes", () => {
    for (const [raw, escaped] of HOSTILE) assert.equal(plotlyText(raw), escaped);
    assert.equal(plotlyText("<br>"), "&lt;br&gt;");
    assert.equal(plotlyText("&lt;"), "&amp;lt;", "an entity typed by the user shows as typed");
  });

  it("leaves plain labels as they are", () => {
    for (const plain of ["adam", "SGD η=0.1", "sgd + noise", "η = 1e-2", "noise, seed 35", "x₁", "class 2", ""]) {
      assert.equal(plotlyText(plain), plain);
    }
  });

  it("writes numbers and other values as text", () => {
    assert.equal(plotlyText(3), "3");
  });
});

describe("run labels in the surface lab's figures", () => {
  const scenario = (label, view = "contour") => {
    const results = [makeResult("sgd"), makeResult(label, { momentum: true, divergeAfter: 3 })];
    const options = {
      surface: SURFACE, grid: makeGrid(), runs: makeRuns(results), results, step: 2,
      logScale: false, view, start: SURFACE.default_start,
    };
    return { results, options };
  };

  it("map: the outline's and path's names, the point's name and hover, both arrows' names", () => {
    for (const hostile of HOSTILE) {
      const { foreground } = buildMapFigure(scenario(hostile[0]).options);
      const first = foreground.data.findIndex((t) => t.name?.startsWith(hostile[1]));
      assert.ok(first > 0);
      const at = (k, key) => `.data.${first + k}.${key}`;
      // The path's outline, the path, the point (name and hover), both arrows.
      assertEscaped(foreground, hostile, [at(0, "name"), at(1, "name"), at(2, "name"), at(2, "hovertemplate"), at(3, "name"), at(4, "name")]);
      assert.match(foreground.data[first + 2].hovertemplate, /%\{x:\.4g\}/, "the figure's own variables stay");
    }
  });

  it("map in 3-D: the path's name", () => {
    for (const hostile of HOSTILE) {
      const { foreground } = buildMapFigure(scenario(hostile[0], "surface3d").options);
      // [surface, sgd outline, sgd, sgd ball, its −∇f shaft and head, outline, the
      // hostile path, its ball]
      assertEscaped(foreground, hostile, [".data.6.name", ".data.7.name", ".data.8.name"]);
    }
  });

  it("charts: every row's name and hover, and the divergence note", () => {
    for (const hostile of HOSTILE) {
      const { results } = scenario(hostile[0]);
      const figure = buildChartsFigure({ runs: makeRuns(results), results, step: 2, steps: 10, logLoss: true });
      const rows = [3, 4, 5].flatMap((i) => [`.data.${i}.name`, `.data.${i}.hovertemplate`]);
      assertEscaped(figure, hostile, [...rows, ".layout.annotations.0.text"]);
    }
  });

  it("sweep: the curve's and the best rate's names and hover", () => {
    for (const hostile of HOSTILE) {
      const sweep = {
        metric: "final", steps: 50, learning_rates: [0.01, 0.1],
        results: [{ label: hostile[0], optimizer: "sgd", final_loss: [2, 1], mean_loss: [3, 2], best_learning_rate: 0.1, best_loss: 1 }],
      };
      const figure = buildSweepFigure({ runs: [makeRun("sgd")], sweep });
      assertEscaped(figure, hostile, [".data.0.name", ".data.0.hovertemplate", ".data.1.name", ".data.1.hovertemplate"]);
    }
  });
});

describe("dataset, class and column names in the network lab's figures", () => {
  it("data plot: class names in legend and hover, column names on the axes", () => {
    const other = BIG; // the second column's name
    for (const hostile of HOSTILE) {
      const data = { ...makeDataset(), class_names: [hostile[0], "dog"], feature_names: [hostile[0], other[0]] };
      const figure = buildDataFigure({ data });
      assertEscaped(figure, hostile, [
        ".data.0.name", ".data.0.hovertemplate", ".data.1.name", ".data.1.hovertemplate",
        ".layout.xaxis.title.text",
      ]);
      assertEscaped(figure, other, [".layout.yaxis.title.text"]);
    }
  });

  it("decision regions: the class in the hover of two classes, and the text of more", () => {
    for (const hostile of HOSTILE) {
      const two = { ...makeDataset(), class_names: ["cat", hostile[0]] };
      assertEscaped({ data: boundaryTraces(makeBoundary(2), 2, two, [0, 1]) }, hostile, [".data.0.hovertemplate"]);
      const three = { ...makeDataset({ nClasses: 3 }), class_names: [hostile[0], "dog", "eel"] };
      const [heatmap] = boundaryTraces(makeBoundary(3), 0, three, [0, 1]);
      assert.equal(heatmap.hovertemplate, "%{text}<extra></extra>");
      const shown = heatmap.text.flat().filter((t) => t.includes(hostile[1]));
      assert.ok(shown.length > 0);
      assertEscaped({ data: [heatmap] }, hostile, []);
    }
  });

  it("the whole data figure with decision regions under the points", () => {
    const data = { ...makeDataset(), class_names: [LINK[0], BIG[0]], feature_names: [VARIABLE[0], QUOTES[0]] };
    const figure = buildDataFigure({ data, boundary: makeBoundary(2), index: 1 });
    for (const hostile of HOSTILE) assertEscaped(figure, hostile, []);
  });
});
