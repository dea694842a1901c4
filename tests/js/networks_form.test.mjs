// The setup form's menus: dataset and column names (a CSV's own text) become <option>
// nodes with text, never HTML, and a menu that already has its options is left alone.
import "./experiment_kinds.mjs"; // the API's defaults and bounds, as the page loads them
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { fillSelect } from "../../frontend/js/networks/form.js";

/** Just enough of a <select> (node has no DOM): options, node building, and no innerHTML. */
function fakeSelect() {
  const select = {
    options: [],
    rebuilt: 0,
    ownerDocument: { createElement: (tag) => ({ tag, value: "", textContent: "" }) },
    replaceChildren(...nodes) {
      this.options = nodes;
      this.rebuilt += 1;
    },
  };
  for (const key of ["innerHTML", "outerHTML"]) {
    Object.defineProperty(select, key, {
      get: () => assert.fail(`${key} read`), set: () => assert.fail(`${key} written`),
    });
  }
  return select;
}

const HOSTILE = '<img src=x onerror="alert(1)">';

describe("fillSelect", () => {
  it("builds one option node per [value, text], names as text", () => {
    const select = fakeSelect();
    fillSelect(select, [["0", HOSTILE], [`"><script>`, "b & c"]]);
    assert.deepEqual(select.options, [
      { tag: "option", value: "0", textContent: HOSTILE },
      { tag: "option", value: `"><script>`, textContent: "b & c" },
    ]);
  });

  it("rebuilds only when the options change", () => {
    const select = fakeSelect();
    const options = [["moons", "moons"], ["iris", "iris"]];
    fillSelect(select, options);
    fillSelect(select, options.map((pair) => [...pair]));
    assert.equal(select.rebuilt, 1);
    fillSelect(select, [["moons", "moons"], ["iris", "Fisher's iris"]]);
    assert.equal(select.rebuilt, 2);
    fillSelect(select, []);
    assert.deepEqual(select.options, []);
    assert.equal(select.rebuilt, 3);
  });
});
