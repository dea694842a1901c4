// Plotly's modebar as one Tab stop per chart: its first button takes Tab, the arrow keys
// (and Home/End) move between the buttons, so a keyboard user does not press Tab nine
// times per chart to get past it. It also shows while a button has focus.

const KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"]);

/** Where focus goes from button `index` of `count` on `key`. */
export function nextIndex(index, count, key) {
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  const step = key === "ArrowLeft" || key === "ArrowUp" ? -1 : 1;
  return (index + step + count) % count;
}

function tame(root) {
  for (const bar of root.querySelectorAll(".modebar")) {
    bar.querySelectorAll(".modebar-btn").forEach((button, i) => {
      const tabIndex = i === 0 ? 0 : -1;
      if (button.tabIndex !== tabIndex) button.tabIndex = tabIndex;
    });
  }
}

/** Keep every modebar under `root` (now and later) at one Tab stop. */
export function mountModebarKeys(root = document.body) {
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; tame(root); });
  }).observe(root, { childList: true, subtree: true });
  tame(root);
  root.addEventListener("keydown", (event) => {
    const button = event.target.closest?.(".modebar-btn");
    if (!button || !KEYS.has(event.key)) return;
    const buttons = [...button.closest(".modebar").querySelectorAll(".modebar-btn")];
    event.preventDefault();
    event.stopPropagation();
    buttons[nextIndex(buttons.indexOf(button), buttons.length, event.key)].focus();
  });
}
