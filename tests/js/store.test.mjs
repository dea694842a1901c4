// The store: the scenario's state, and beside it what the page derived from it, each
// changed in one place and announced with the keys that changed.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Store } from "../../frontend/js/store.js";

test("derive merges, announces only what changed, and can be switched off", () => {
  const store = new Store({ surface: "rosenbrock" });
  const seen = [];
  const off = store.onDerived((derived, changed) => seen.push([changed, derived.results?.length ?? null]));
  const results = [{ points: [] }];
  store.derive({ grid: null, results });
  store.derive({ results }); // the same results: nothing to announce
  store.derive({ results: null, grid: null });
  off();
  store.derive({ results });
  assert.deepEqual(seen, [[["grid", "results"], 1], [["results"], null]]);
  assert.equal(store.derived.results, results);
  assert.deepEqual(store.state, { surface: "rosenbrock" }); // the scenario is untouched
});

test("a derived change is not a state change, and a state change is not a derived one", () => {
  const store = new Store({ step: 0 });
  let states = 0;
  let derivedChanges = 0;
  store.subscribe(() => { states += 1; });
  store.onDerived(() => { derivedChanges += 1; });
  store.derive({ analysis: { point: [0, 0] } });
  store.update({ step: 3 });
  assert.deepEqual([states, derivedChanges], [1, 1]);
});
