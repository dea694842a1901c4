// The busy sign: when what the page waits for (a surface, a race) takes longer than
// BUSY_DELAY_MS, say so with the time waited, and mark what is on screen as old.

export const BUSY_DELAY_MS = 150;

/** "computing… 2.4 s": what the sign says after `elapsedMs`. */
export function busyText(elapsedMs) {
  return `computing… ${(elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * Tracks promises: once one has been pending BUSY_DELAY_MS, `element` shows the elapsed
 * time (updated every 100 ms, hidden from screen readers), `announcer` (a live region)
 * says "computing…" once, and each of `marked` gets `aria-busy="true"` (the CSS dims it)
 * until none is pending.
 */
export function busyIndicator(element, announcer, marked = []) {
  let pending = 0;
  let since = 0;
  let timer = null;
  const show = () => {
    if (element.hidden) announcer.textContent = "computing…";
    element.hidden = false;
    element.textContent = busyText(performance.now() - since);
    for (const node of marked) node.setAttribute("aria-busy", "true");
    timer = setTimeout(show, 100);
  };
  const hide = () => {
    clearTimeout(timer);
    timer = null;
    element.hidden = true;
    element.textContent = "";
    announcer.textContent = "";
    for (const node of marked) node.removeAttribute("aria-busy");
  };
  hide();
  return {
    /** `promise`, while the sign knows it is pending. */
    async during(promise) {
      if (pending === 0) {
        since = performance.now();
        timer = setTimeout(show, BUSY_DELAY_MS);
      }
      pending += 1;
      try {
        return await promise;
      } finally {
        pending -= 1;
        if (pending === 0) hide();
      }
    },
  };
}
