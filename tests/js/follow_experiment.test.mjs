// Following a job's event stream: a dropped connection is left to the browser, which
// resumes it; a refused stream or a patch that does not fit falls back to polling.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";

import { followExperiment } from "../../frontend/js/networks/api.js";

/** The part of the browser's EventSource the page uses, driven by the test. */
class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static last = null;

  constructor(url) {
    this.url = url;
    this.readyState = FakeEventSource.CONNECTING;
    this.listeners = {};
    this.closed = false;
    FakeEventSource.last = this;
  }

  addEventListener(name, listener) { (this.listeners[name] ??= []).push(listener); }

  close() { this.closed = true; this.readyState = FakeEventSource.CLOSED; }

  emit(name, data) {
    this.readyState = FakeEventSource.OPEN;
    for (const listener of this.listeners[name] ?? []) listener({ data: JSON.stringify(data) });
  }

  fail(readyState) { this.readyState = readyState; this.onerror(); }
}

const realFetch = globalThis.fetch;
let polled = [];
beforeEach(() => {
  globalThis.EventSource = FakeEventSource;
  globalThis.sessionStorage = { getItem: () => "tab", setItem: () => {} };
  polled = [];
  globalThis.fetch = async (path) => {
    polled.push(path);
    return new Response(JSON.stringify({ id: "j", status: "done", progress: 1 }), { status: 200 });
  };
});
afterEach(() => {
  globalThis.fetch = realFetch;
  delete globalThis.EventSource;
});

const running = { id: "j", status: "running", progress: 0.1, partial: { loss: [1] } };

test("a dropped connection is left to the browser to resume, and the stream goes on", async () => {
  const updates = [];
  const followed = followExperiment("j", (job) => updates.push(structuredClone(job)));
  const source = FakeEventSource.last;
  source.emit("progress", running);
  source.fail(FakeEventSource.CONNECTING); // the browser reconnects with Last-Event-ID
  assert.equal(source.closed, false);
  source.emit("patch", [{ op: "add", path: "/partial/loss/-", value: 0.5 }]);
  source.emit("done", { ...running, status: "done", progress: 1 });
  const finished = await followed;
  assert.equal(finished.status, "done");
  assert.deepEqual(updates[1].partial.loss, [1, 0.5]); // the resumed patch applied
  assert.deepEqual(polled, []); // never fell back to polling
});

test("a stream the browser gives up on falls back to polling the job", async () => {
  const followed = followExperiment("j", () => {});
  const source = FakeEventSource.last;
  source.fail(FakeEventSource.CLOSED);
  assert.equal(source.closed, true);
  assert.equal((await followed).status, "done");
  assert.equal(polled.length, 1);
  assert.match(polled[0], /^\/api\/experiments\/j/);
});

test("a patch that does not fit stops trusting the stream and polls", async () => {
  const followed = followExperiment("j", () => {});
  const source = FakeEventSource.last;
  source.emit("progress", running);
  source.emit("patch", [{ op: "add", path: "/nowhere/deep/-", value: 1 }]);
  assert.equal(source.closed, true);
  assert.equal((await followed).status, "done");
  assert.equal(polled.length, 1);
});

test("after this client cancels, following stops at once and the job reads cancelled", async () => {
  const updates = [];
  const cancelled = new AbortController();
  const followed = followExperiment("j", (job) => updates.push(job), { signal: cancelled.signal });
  const source = FakeEventSource.last;
  source.emit("progress", running);
  cancelled.abort(); // the DELETE answered: another client may still want the computation
  assert.equal(source.closed, true);
  const finished = await followed;
  assert.equal(finished.status, "cancelled");
  assert.equal(finished.partial, null);
  source.emit("patch", [{ op: "add", path: "/progress", value: 0.5 }]);
  source.emit("done", { ...running, status: "done", progress: 1 });
  assert.equal(updates.length, 1); // nothing after the cancel reached the page
  assert.deepEqual(polled, []);
});
