import assert from "node:assert/strict";
import { test } from "node:test";

import { applyPatch } from "../../frontend/js/networks/json_patch.js";

const job = () => ({
  id: "1", status: "running", progress: 0.2,
  partial: { history: { epoch: [0, 1], train_loss: [1.0, 0.5] }, boundary: { epoch: 1, z: [[0]] } },
});

test("appending to a series and setting members (RFC 6902 add)", () => {
  const patched = applyPatch(job(), [
    { op: "add", path: "/progress", value: 0.3 },
    { op: "add", path: "/partial/history/epoch/-", value: 2 },
    { op: "add", path: "/partial/history/train_loss/-", value: 0.25 },
    { op: "add", path: "/partial/boundary", value: { epoch: 2, z: [[1]] } },
  ]);
  assert.deepEqual(patched, {
    id: "1", status: "running", progress: 0.3,
    partial: { history: { epoch: [0, 1, 2], train_loss: [1.0, 0.5, 0.25] }, boundary: { epoch: 2, z: [[1]] } },
  });
});

test("the given job is left as it was; changed arrays are new ones, the rest is shared", () => {
  const before = job();
  const patched = applyPatch(before, [{ op: "add", path: "/partial/history/train_loss/-", value: 0.1 }]);
  assert.deepEqual(before, job());
  assert.notEqual(patched.partial.history.train_loss, before.partial.history.train_loss);
  assert.equal(patched.partial.history.epoch, before.partial.history.epoch);
  assert.equal(patched.partial.boundary, before.partial.boundary);
});

test("removing, indexed insertion, replacing the root, and escaped member names", () => {
  assert.deepEqual(applyPatch({ a: 1, b: 2 }, [{ op: "remove", path: "/a" }]), { b: 2 });
  assert.deepEqual(applyPatch({ l: [1, 3] }, [{ op: "add", path: "/l/1", value: 2 }]), { l: [1, 2, 3] });
  assert.deepEqual(applyPatch({ a: 1 }, [{ op: "add", path: "", value: { b: 2 } }]), { b: 2 });
  assert.deepEqual(applyPatch({ "a/b": { "c~d": 0 } }, [{ op: "add", path: "/a~1b/c~0d", value: 5 }]), { "a/b": { "c~d": 5 } });
});

test("a patch for a path the job does not have is refused, not guessed", () => {
  assert.throws(() => applyPatch(job(), [{ op: "add", path: "/partial/nope/x", value: 1 }]), /no \/partial\/nope\/x/);
  assert.throws(() => applyPatch(job(), [{ op: "add", path: "/partial/history/epoch/9", value: 1 }]), /bad index/);
  assert.throws(() => applyPatch(job(), [{ op: "move", path: "/progress" }]), /unsupported/);
});
