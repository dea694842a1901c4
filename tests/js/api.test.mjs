// The one request function every page uses: JSON problems and non-JSON failures alike.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { requestJSON } from "../../frontend/js/api.js";

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
