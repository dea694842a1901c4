// Embedding's pure parts: when a page reports its height, the message's shape, sending only
// changes, the embed flag in URLs, and the snippet instructors paste.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import vm from "node:vm";

import {
  DEFAULT_FRAME_HEIGHT, HEIGHT_MESSAGE, RESIZE_SCRIPT, embedSnippet, heightMessage, heightReporter,
  isEmbedRequest, reportsHeight, withEmbed,
} from "../../frontend/js/embed.js";

describe("when a page reports its height", () => {
  it("only with embed=1 exactly, and only inside a frame", () => {
    assert.equal(reportsHeight("?embed=1", true), true);
    assert.equal(reportsHeight("?s=beale&embed=1&t=3", true), true);
    assert.equal(reportsHeight("?embed=1", false), false, "a top-level window has no host");
    for (const search of ["", "?embed=0", "?embed=yes", "?embed", "?x=embed%3D1"]) {
      assert.equal(isEmbedRequest(search), false, search);
      assert.equal(reportsHeight(search, true), false, search);
    }
  });
});

describe("the height message", () => {
  it("is {type, height} with the height in whole pixels, rounded up", () => {
    assert.equal(HEIGHT_MESSAGE, "descentlab:height");
    assert.deepEqual(heightMessage(612.2), { type: "descentlab:height", height: 613 });
    assert.deepEqual(heightMessage(480), { type: "descentlab:height", height: 480 });
    assert.deepEqual(Object.keys(heightMessage(1)).sort(), ["height", "type"]);
  });

  it("is sent for the first height and then only when the height changes", () => {
    const sent = [];
    const report = heightReporter((message) => sent.push(message));
    assert.equal(report(500.4), true);
    assert.equal(report(500.9), false, "the same whole pixel");
    assert.equal(report(501), false, "the whole pixel it was rounded up to");
    assert.equal(report(731), true);
    assert.equal(report(500), true, "shrinking is a change too");
    assert.deepEqual(sent.map((m) => m.height), [501, 731, 500]);
  });

  it("is never sent for a height a frame could not take", () => {
    const sent = [];
    const report = heightReporter((message) => sent.push(message));
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, undefined]) assert.equal(report(bad), false);
    assert.deepEqual(sent, []);
  });
});

describe("the embed flag in URLs", () => {
  it("is added for the snippet and removed for the full lab, the scenario kept", () => {
    const lab = "https://lab.example.edu/?s=beale&r=%5B%7B%22o%22%3A%22adam%22%7D%5D";
    const embedded = withEmbed(lab, true);
    assert.equal(new URL(embedded).searchParams.get("embed"), "1");
    assert.equal(new URL(embedded).searchParams.get("r"), "[{\"o\":\"adam\"}]");
    assert.equal(withEmbed(embedded, true), embedded, "set once, never twice");
    const full = new URL(withEmbed(embedded, false));
    assert.equal(full.searchParams.has("embed"), false);
    assert.equal(full.searchParams.get("s"), "beale");
    assert.equal(full.pathname, "/");
    assert.equal(new URL(withEmbed("https://lab.example.edu/networks.html?embed=1&lr=0.1", false)).search, "?lr=0.1");
  });
});

describe("the snippet", () => {
  const url = "https://lab.example.edu/networks.html?d=circles&embed=1";

  it("is a lazy, borderless, full-width, titled iframe of the URL, then the resize script", () => {
    const snippet = embedSnippet(url, { title: "Descent Lab · Networks", height: 900 });
    const [frame, ...script] = snippet.split("\n");
    assert.equal(frame,
      "<iframe src=\"https://lab.example.edu/networks.html?d=circles&amp;embed=1\" width=\"100%\" height=\"900\" "
      + "style=\"border:0\" loading=\"lazy\" title=\"Descent Lab · Networks\"></iframe>");
    assert.equal(script.join("\n"), RESIZE_SCRIPT);
  });

  it("has a default height and title, and leaves the script out when asked", () => {
    const frame = embedSnippet(url, { resize: false });
    assert.match(frame, new RegExp(`height="${DEFAULT_FRAME_HEIGHT}"`));
    assert.match(frame, /title="Descent Lab"/);
    assert.doesNotMatch(frame, /<script/);
  });

  it("escapes what would end the attribute", () => {
    const frame = embedSnippet("https://a.edu/?q=\"><script>", { title: "a \"b\" <c>", resize: false });
    assert.doesNotMatch(frame, /"><script>/);
    assert.match(frame, /src="https:\/\/a\.edu\/\?q=&quot;&gt;&lt;script&gt;"/);
    assert.match(frame, /title="a &quot;b&quot; &lt;c&gt;"/);
  });

  it("sizes exactly the frame that sent a height message, and ignores other messages", () => {
    // Run the host's script against stand-in frames, as a course page would.
    const code = RESIZE_SCRIPT.replace(/^<script>/, "").replace(/<\/script>$/, "");
    const frames = [{ contentWindow: {}, style: {} }, { contentWindow: {}, style: {} }];
    let listener = null;
    const context = {
      addEventListener: (type, fn) => { if (type === "message") listener = fn; },
      document: { querySelectorAll: (selector) => (selector === "iframe" ? frames : []) },
    };
    vm.runInNewContext(code, context);
    listener({ source: frames[1].contentWindow, data: { type: HEIGHT_MESSAGE, height: 733 } });
    assert.deepEqual(frames.map((f) => f.style.height), [undefined, "733px"]);
    listener({ source: frames[0].contentWindow, data: { type: "something-else", height: 10 } });
    listener({ source: frames[0].contentWindow, data: "descentlab:height" });
    listener({ source: {}, data: { type: HEIGHT_MESSAGE, height: 5 } });
    assert.deepEqual(frames.map((f) => f.style.height), [undefined, "733px"]);
  });
});
