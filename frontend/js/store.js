// A tiny store: one state object; `update` replaces fields and announces what changed.
// Beside it, what the page computed from the state (`derived`: a grid, the runs' results,
// an analysis), changed only through `derive`, which announces it the same way.

export class Store extends EventTarget {
  constructor(state) {
    super();
    this.state = state;
    this.derived = {};
  }

  /** Merge `patch` into the derived data; "derived" listeners get it and the changed keys. */
  derive(patch) {
    const changed = Object.keys(patch).filter((k) => this.derived[k] !== patch[k]);
    if (!changed.length) return;
    this.derived = { ...this.derived, ...patch };
    this.dispatchEvent(new CustomEvent("derived", { detail: { derived: this.derived, changed } }));
  }

  /** Call `listener(derived, changed)` on every change of the derived data; returns an off switch. */
  onDerived(listener) {
    const handler = (event) => listener(event.detail.derived, event.detail.changed);
    this.addEventListener("derived", handler);
    return () => this.removeEventListener("derived", handler);
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
