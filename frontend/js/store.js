// A tiny store: one state object; `update` replaces fields and announces what changed.

export class Store extends EventTarget {
  constructor(state) {
    super();
    this.state = state;
  }

  /** Merge `patch` into the state; listeners get the new state and the changed keys. */
  update(patch, { source = "user" } = {}) {
    const changed = Object.keys(patch).filter((k) => this.state[k] !== patch[k]);
    if (!changed.length) return;
    this.state = { ...this.state, ...patch };
    this.dispatchEvent(new CustomEvent("change", { detail: { state: this.state, changed, source } }));
  }

  /** Call `listener(state, changed)` on every change. */
  subscribe(listener) {
    const handler = (event) => listener(event.detail.state, event.detail.changed, event.detail.source);
    this.addEventListener("change", handler);
    return () => this.removeEventListener("change", handler);
  }
}
