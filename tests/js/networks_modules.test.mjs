// The Networks page's modules: every one is reached from main.js (no orphan files), and
// every one but the entry imports without a DOM (work happens in mount functions only).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../frontend/js/networks");
const IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms;

function moduleFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory()
    ? moduleFiles(join(dir, entry.name)) : entry.name.endsWith(".js") ? [join(dir, entry.name)] : []));
}

function reachable(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, target] of readFileSync(file, "utf8").matchAll(IMPORT)) visit(resolve(dirname(file), target));
  };
  visit(entry);
  return seen;
}

describe("the Networks modules", () => {
  const files = moduleFiles(ROOT);

  it("are all imported, directly or not, by main.js", () => {
    const used = reachable(join(ROOT, "main.js"));
    const orphans = files.filter((f) => !used.has(f)).map((f) => relative(ROOT, f));
    assert.deepEqual(orphans, []);
    assert.ok(files.length >= 20);
  });

  it("import without a DOM, except the entry point", async () => {
    assert.equal(typeof globalThis.document, "undefined");
    for (const file of files.filter((f) => !f.endsWith("/main.js"))) await import(file);
  });
});
