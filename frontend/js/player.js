// The animation player: owns its timer; advances the store's `step` cursor.

const prefersReducedMotion = () => globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;

export class Player {
  constructor(store) {
    this.store = store;
    this.frame = null;
  }

  get playing() {
    return this.frame !== null;
  }

  play() {
    if (this.playing) return;
    const { step, steps } = this.store.state;
    if (step >= steps) this.store.update({ step: 0 }, { source: "player" });
    const tick = () => {
      const { step: now, steps: last, speed } = this.store.state;
      const next = Math.min(last, now + speed);
      this.store.update({ step: next }, { source: "player" });
      this.frame = next >= last ? null : requestAnimationFrame(tick);
      if (this.frame === null) this.store.dispatchEvent(new Event("playerstop"));
    };
    this.frame = requestAnimationFrame(tick);
    this.store.dispatchEvent(new Event("playerstart"));
  }

  /** Stop playing; announced ("playerstop") only if it was playing. */
  pause() {
    if (this.frame === null) return;
    cancelAnimationFrame(this.frame);
    this.frame = null;
    this.store.dispatchEvent(new Event("playerstop"));
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  /** Move the cursor by `delta` steps (pauses). */
  stepBy(delta) {
    this.pause();
    const { step, steps } = this.store.state;
    this.store.update({ step: Math.max(0, Math.min(steps, step + delta)) }, { source: "player" });
  }

  /**
   * Start again from step 0: called whenever the scenario changes. With reduced motion
   * asked for (prefers-reduced-motion), nothing plays by itself: the whole runs show,
   * paused at the last step, and Play animates them on request.
   */
  restart() {
    this.pause();
    if (prefersReducedMotion()) {
      this.store.update({ step: this.store.state.steps }, { source: "player" });
      return;
    }
    this.store.update({ step: 0 }, { source: "player" });
    this.play();
  }
}
