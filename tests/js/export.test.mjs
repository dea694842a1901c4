// Downloads (frontend/js/downloads.js): the runs as CSV and JSON, file names, and the Plotly
// config whose modebar exports PNG and SVG (the lab's map as one picture of its layers).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  CSV_COLUMNS, csvCell, fileStem, imageFigure, lessonExportPath, plotConfig, runsCsv, runsJson,
} from "../../frontend/js/downloads.js";
import { defaultState } from "../../frontend/js/state.js";
import { makeResult } from "./fixtures.mjs";

/** A small CSV parser (RFC 4180 quoting), independent of the builder. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === "\"" && text[i + 1] === "\"") { cell += "\""; i += 1; } else if (c === "\"") quoted = false;
      else cell += c;
    } else if (c === "\"") quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell); rows.push(row); row = []; cell = ""; i += 1;
    } else cell += c;
  }
  assert.equal(cell, "", "the file ends with a line break");
  return rows;
}

describe("runsCsv", () => {
  const plain = makeResult("sgd", { steps: 5 });
  const diverged = makeResult("momentum, fast", { steps: 5, momentum: true, divergeAfter: 3 });
  const rows = parseCsv(runsCsv([plain, diverged]));

  it("has the header, then one row per run and recorded step", () => {
    assert.deepEqual(rows[0], CSV_COLUMNS);
    assert.deepEqual(CSV_COLUMNS, ["run", "optimizer", "step", "x", "y", "loss", "grad_norm", "learning_rate"]);
    assert.equal(rows.length, 1 + 6 + 3); // steps + 1 points, and the diverged run's 3
    assert.deepEqual(rows.slice(1).map((r) => `${r[0]}:${r[2]}`), [
      "sgd:0", "sgd:1", "sgd:2", "sgd:3", "sgd:4", "sgd:5",
      "momentum, fast:0", "momentum, fast:1", "momentum, fast:2",
    ]);
  });

  it("writes each value so that it reads back exactly", () => {
    for (const [k, row] of rows.slice(1, 7).entries()) {
      assert.equal(row[1], "sgd");
      assert.equal(Number(row[3]), plain.points[k][0]);
      assert.equal(Number(row[4]), plain.points[k][1]);
      assert.equal(Number(row[5]), plain.loss[k]);
      assert.equal(Number(row[6]), plain.grad_norm[k]);
    }
    assert.equal(Number(rows[1][7]), 0.02);
  });

  it("leaves η after the last update empty, and quotes a label with a comma", () => {
    assert.equal(rows[6][7], ""); // step 5 of 5: no update follows
    assert.equal(rows[7][0], "momentum, fast");
    assert.match(runsCsv([diverged]), /^.*\r\n"momentum, fast",momentum,0,/);
  });

  it("writes null (a non-finite value from the API) as an empty cell", () => {
    const run = { ...plain, points: [[1, 2]], loss: [null], grad_norm: [Infinity], learning_rate: [] };
    assert.deepEqual(parseCsv(runsCsv([run]))[1], ["sgd", "sgd", "0", "1", "2", "", "Infinity", ""]);
    assert.equal(csvCell(null), "");
    assert.equal(csvCell(undefined), "");
    assert.equal(csvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert.equal(csvCell(1e-7), "1e-7");
  });

  it("is only a header for no runs", () => {
    assert.equal(runsCsv([]), `${CSV_COLUMNS.join(",")}\r\n`);
  });
});

describe("runsJson", () => {
  it("holds the scenario asked for and the race answered", () => {
    const state = { ...defaultState(), surface: "beale", step: 7 };
    const results = [makeResult("sgd", { steps: 3 })];
    const json = runsJson(state, results);
    assert.deepEqual(Object.keys(json), ["scenario", "results"]);
    assert.equal(json.scenario.surface, "beale");
    assert.equal(json.scenario.runs, state.runs);
    assert.equal(json.scenario.step, undefined); // the cursor is not part of the scenario
    assert.deepEqual(json.results, { steps: 500, runs: results });
    assert.deepEqual(JSON.parse(JSON.stringify(json)).results.runs[0].points, results[0].points);
  });
});

describe("file names", () => {
  it("makes a slug of any text", () => {
    assert.equal(fileStem("Momentum rolls off a saddle"), "momentum-rolls-off-a-saddle");
    assert.equal(fileStem("w1w2_saddle"), "w1w2-saddle");
    assert.equal(fileStem("Écart σ"), "ecart"); // accents dropped, other letters too
    assert.equal(fileStem("—"), "descentlab");
    assert.equal(lessonExportPath("warmup"), "/api/lessons/warmup/export");
  });
});

describe("plotConfig", () => {
  it("keeps Plotly's PNG button and adds an SVG one", () => {
    const config = plotConfig({ filename: "charts" });
    assert.equal(config.modeBarButtonsToRemove.includes("toImage"), false);
    assert.deepEqual(config.toImageButtonOptions, { format: "png", filename: "charts", scale: 2 });
    assert.deepEqual(config.modeBarButtonsToAdd.map((b) => b.name), ["download-svg"]);
    assert.equal(config.displaylogo, false);
  });

  it("replaces both with buttons that join the layers for a layered plot", () => {
    const config = plotConfig({ layered: true });
    assert.ok(config.modeBarButtonsToRemove.includes("toImage"));
    assert.deepEqual(config.modeBarButtonsToAdd.map((b) => b.name), ["download-png", "download-svg"]);
  });

  it("downloads the joined figure in the button's format", () => {
    const calls = [];
    globalThis.Plotly = { downloadImage: (figure, options) => calls.push([figure, options]) };
    try {
      const gd = { data: [{ type: "scatter" }], layout: { title: "t" }, _fullLayout: { width: 300, height: 200 } };
      for (const button of plotConfig({ filename: "map", layered: true }).modeBarButtonsToAdd) button.click(gd);
    } finally {
      delete globalThis.Plotly;
    }
    assert.deepEqual(calls.map(([, o]) => o), [
      { format: "png", filename: "map", scale: 2 }, { format: "svg", filename: "map", scale: 1 },
    ]);
    assert.deepEqual(calls[0][0].data, [{ type: "scatter" }]);
  });
});

describe("imageFigure", () => {
  const layer = (data, extra = {}) => ({ data, layout: { xaxis: { range: [0, 1] } }, hidden: false, ...extra });

  it("joins a map stack's visible layers, bottom first, under the top layer's layout", () => {
    const contour = layer([{ type: "contour", z: [[1]] }]);
    const hiddenLayer = layer([{ type: "heatmap" }], { hidden: true });
    const paths = layer([{ type: "scatter", x: [0, 1] }], { layout: { showlegend: true, paper_bgcolor: "rgba(0,0,0,0)" }, _fullLayout: { width: 640, height: 480 } });
    const stack = { querySelectorAll: () => [contour, hiddenLayer, paths] };
    paths.closest = (selector) => (selector === ".map-stack" ? stack : null);
    const figure = imageFigure(paths);
    assert.deepEqual(figure.data.map((t) => t.type), ["contour", "scatter"]);
    assert.equal(figure.layout.showlegend, true);
    assert.equal(figure.layout.paper_bgcolor, "white"); // the transparent top layer gets a page
    assert.equal(figure.layout.width, 640);
    assert.notEqual(figure.data[0], contour.data[0]); // a copy: the live plot is not touched
  });

  it("is the plot itself outside a stack", () => {
    const plot = layer([{ type: "scatter" }], { closest: () => null, _fullLayout: { width: 10, height: 20 } });
    assert.deepEqual(imageFigure(plot).data, [{ type: "scatter" }]);
  });
});
