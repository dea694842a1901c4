// Redraws of one plot are serialized and coalesced: while one draw runs, only the newest
// figure waits, and every caller's promise settles once a newer-or-equal figure is drawn.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { draw } from "../../frontend/js/networks/plotting.js";

function fakePlotly() {
  const drawn = [];
  let active = 0;
  let overlapped = false;
  globalThis.Plotly = {
    react: async (element, data) => {
      active += 1;
      overlapped ||= active > 1;
      await new Promise((resolve) => { setTimeout(resolve, 5); });
      drawn.push(data[0]);
      active -= 1;
    },
    purge: () => {},
  };
  return { drawn, overlapped: () => overlapped };
}

describe("draw", () => {
  it("draws the figure in progress, then only the newest of those sent meanwhile", async () => {
    const plotly = fakePlotly();
    const element = {};
    const first = draw(element, { data: [1], layout: {} });
    await new Promise((resolve) => { setTimeout(resolve, 1); }); // figure 1 is being drawn
    const later = [2, 3, 4, 5].map((n) => draw(element, { data: [n], layout: {} }));
    await Promise.all([first, ...later]);
    assert.deepEqual(plotly.drawn, [1, 5]);
    assert.equal(plotly.overlapped(), false);
    await draw(element, { data: [6], layout: {} });
    assert.deepEqual(plotly.drawn, [1, 5, 6]);
  });

  it("draws once for figures sent in one go", async () => {
    const plotly = fakePlotly();
    const element = {};
    await Promise.all(["a", "b", "c"].map((n) => draw(element, { data: [n], layout: {} })));
    assert.deepEqual(plotly.drawn, ["c"]);
  });

  it("builds only the figures it draws", async () => {
    const plotly = fakePlotly();
    const element = {};
    const built = [];
    const lazy = (n) => () => { built.push(n); return { data: [n], layout: {} }; };
    const first = draw(element, lazy(1));
    await new Promise((resolve) => { setTimeout(resolve, 1); });
    await Promise.all([first, draw(element, lazy(2)), draw(element, lazy(3))]);
    assert.deepEqual(built, [1, 3]);
    assert.deepEqual(plotly.drawn, [1, 3]);
  });

  it("keeps separate plots independent", async () => {
    const plotly = fakePlotly();
    await Promise.all([draw({}, { data: ["a"], layout: {} }), draw({}, { data: ["b"], layout: {} })]);
    assert.deepEqual(plotly.drawn.sort(), ["a", "b"]);
  });
});
