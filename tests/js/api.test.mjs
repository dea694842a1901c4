// The one request function every page uses: JSON problems and non-JSON failures alike.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { Stale, latest, requestJSON } from "../../frontend/js/api.js";

const realFetch = globalThis.fetch;
afterEach(() => { globalThis.fetch = realFetch; });

const answer = (status, text, type) => async () => new Response(text, { status, headers: { "content-type": type } });

test("a problem+json answer throws its detail, with the body and the status", async () => {
  globalThis.fetch = answer(422, JSON.stringify({ detail: "steps: too many" }), "application/problem+json");
  await assert.rejects(requestJSON("/api/grid", { method: "POST", body: {} }), (error) => {
    assert.equal(error.message, "steps: too many");
    assert.equal(error.status, 422);
    assert.deepEqual(error.problem, { detail: "steps: too many" });
    return true;
  });
});

test("a proxy's HTML error page says the status instead of failing to parse", async () => {
  globalThis.fetch = answer(502, "<html><body>Bad Gateway</body></html>", "text/html");
  await assert.rejects(requestJSON("/api/surfaces"), (error) => {
    assert.equal(error.message, "the server answered HTTP 502");
    assert.equal(error.problem, null);
    return true;
  });
});

test("a success returns the parsed body, and a POST sends JSON", async () => {
  let sent = null;
  globalThis.fetch = async (path, init) => { sent = { path, init }; return new Response('{"ok": 1}', { status: 200 }); };
  assert.deepEqual(await requestJSON("/api/analyze", { method: "POST", body: { point: [1, 2] } }), { ok: 1 });
  assert.equal(sent.init.method, "POST");
  assert.equal(sent.init.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(sent.init.body), { point: [1, 2] });
});

/** A function whose calls settle when the test says: resolve(i, value) or reject(i, error). */
function controlled() {
  const pending = [];
  const fn = (label) => new Promise((resolve, reject) => pending.push({ label, resolve, reject }));
  return { fn, pending };
}

test("latest: only the newest call settles; an overtaken one is Stale, answer or error", async () => {
  const { fn, pending } = controlled();
  const call = latest(fn);
  const first = call("a");
  const second = call("b");
  const third = call("c");
  pending[2].resolve("C");
  pending[0].resolve("A"); // a slow answer for an earlier choice
  pending[1].reject(new Error("B failed")); // and a slow failure
  assert.equal(await third, "C");
  await assert.rejects(first, Stale);
  await assert.rejects(second, Stale);
});

test("latest: cancel() drops every call made so far; an error of the newest call comes through", async () => {
  const { fn, pending } = controlled();
  const call = latest(fn);
  const dropped = call("a");
  call.cancel(); // the learner chose nothing instead
  pending[0].resolve("A");
  await assert.rejects(dropped, Stale);
  const failing = call("b");
  pending[1].reject(new Error("no such lesson"));
  await assert.rejects(failing, /no such lesson/);
});
