// Embedding in a course page. With ?embed=1 inside an iframe, a page tells the host its
// height whenever it changes, as a `{type: "descentlab:height", height}` message, so the
// host can size the frame to the content (docs/INSTRUCTORS.md has the host's listener).
// Also the iframe snippet that "Copy embed code" copies, and the "open in the full lab"
// link's target. Everything but `mountEmbed` is pure (no DOM), for `node --test`.

export const HEIGHT_MESSAGE = "descentlab:height";
export const DEFAULT_FRAME_HEIGHT = 520;

/** Whether a page's query string asks for the embedded view. */
export function isEmbedRequest(search) {
  return new URLSearchParams(search).get("embed") === "1";
}

/** Report heights only when asked to embed and actually framed (a top window has no host). */
export function reportsHeight(search, framed) {
  return framed && isEmbedRequest(search);
}

/** The message the host listens for; whole pixels, rounded up so nothing is cut off. */
export function heightMessage(height) {
  return { type: HEIGHT_MESSAGE, height: Math.ceil(height) };
}

/**
 * A function that sends a height message through `send` when the height changed by a
 * whole pixel since the last one it sent; returns whether it sent.
 */
export function heightReporter(send) {
  let last = null;
  return (height) => {
    if (!Number.isFinite(height) || height <= 0) return false;
    const message = heightMessage(height);
    if (message.height === last) return false;
    last = message.height;
    send(message);
    return true;
  };
}

/** `href` with `embed=1` set (on) or removed (off); the rest of the URL is kept. */
export function withEmbed(href, on) {
  const url = new URL(href);
  if (on) url.searchParams.set("embed", "1");
  else url.searchParams.delete("embed");
  return url.toString();
}

const escapeAttribute = (text) => String(text)
  .replaceAll("&", "&amp;").replaceAll("\"", "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

// The host page's side: resize the frame that sent the message (and only that one: a
// frame can only ever change its own height, so no origin check is needed).
export const RESIZE_SCRIPT = `<script>
  addEventListener("message", (event) => {
    if (event.data?.type !== "${HEIGHT_MESSAGE}") return;
    for (const frame of document.querySelectorAll("iframe")) {
      if (frame.contentWindow === event.source) frame.style.height = \`\${event.data.height}px\`;
    }
  });
</script>`;

/** The HTML to paste into a course page: the iframe, and (optionally) the resize script. */
export function embedSnippet(url, { title = "Descent Lab", height = DEFAULT_FRAME_HEIGHT, resize = true } = {}) {
  const frame = `<iframe src="${escapeAttribute(url)}" width="100%" height="${Math.round(height)}" `
    + `style="border:0" loading="lazy" title="${escapeAttribute(title)}"></iframe>`;
  return resize ? `${frame}\n${RESIZE_SCRIPT}` : frame;
}

async function copy(text, button) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.dataset.copied = "true";
    button.textContent = "Copied ✓";
    setTimeout(() => { button.textContent = label; }, 1500);
  } catch {
    window.prompt("Copy this:", text);
  }
}

/**
 * Wire embedding into a page: in the embedded view, the `embed` body class, the "open in
 * the full lab" link (#open-full, pointing at the current scenario without embed=1) and
 * the height reports; a `snippetButton`, when given, copies the snippet for the page's
 * current URL. Reads the URL now, before the page rewrites it.
 */
export function mountEmbed({ snippetButton = null, height = DEFAULT_FRAME_HEIGHT } = {}) {
  snippetButton?.addEventListener("click", () => {
    copy(embedSnippet(withEmbed(location.href, true), { title: document.title, height }), snippetButton);
  });
  if (!isEmbedRequest(location.search)) return;
  document.body.classList.add("embed");
  const link = document.getElementById("open-full");
  if (link) {
    // The scenario keeps changing in the frame: take the URL when the link is used.
    const follow = () => { link.href = withEmbed(location.href, false); };
    follow();
    for (const type of ["pointerdown", "focus", "click"]) link.addEventListener(type, follow);
  }
  if (!reportsHeight(location.search, window.parent !== window)) return;
  const report = heightReporter((message) => window.parent.postMessage(message, "*"));
  const measure = () => report(document.documentElement.getBoundingClientRect().height);
  new ResizeObserver(measure).observe(document.documentElement);
  window.addEventListener("load", measure);
  measure();
}
