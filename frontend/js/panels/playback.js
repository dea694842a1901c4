// Play, pause, step, scrub and speed; space and the arrow keys do the same. A screen
// reader hears the player's states (playing, paused at step n), never every frame.

const $ = (id) => document.getElementById(id);

/** What the live region says when the player starts or stops. */
export function playbackAnnouncement(playing, step, steps) {
  if (playing) return "playing";
  return step >= steps ? `finished: step ${steps} of ${steps}` : `paused at step ${step} of ${steps}`;
}

export function mountPlayback({ store, player }) {
  const show = (state) => {
    $("scrub").max = String(state.steps);
    $("scrub").value = String(state.step);
    $("step-label").textContent = `step ${state.step} / ${state.steps}`;
    $("speed").value = String(state.speed);
  };
  show(store.state);
  store.subscribe((state, changed) => {
    if (changed.some((k) => ["step", "steps", "speed"].includes(k))) show(state);
  });
  const announce = (playing) => {
    const { step, steps } = store.state;
    $("playback-announcement").textContent = playbackAnnouncement(playing, step, steps);
  };
  store.addEventListener("playerstart", () => { $("play").textContent = "❚❚"; announce(true); });
  store.addEventListener("playerstop", () => { $("play").textContent = "▶"; announce(false); });

  $("play").addEventListener("click", () => player.toggle());
  // A step the learner takes by hand is announced (not each frame of playback).
  const stepBy = (delta) => { player.stepBy(delta); announce(false); };
  $("step-back").addEventListener("click", () => stepBy(-1));
  $("step-forward").addEventListener("click", () => stepBy(1));
  $("scrub").addEventListener("input", (e) => {
    player.pause();
    store.update({ step: Number(e.target.value) }, { source: "player" });
  });
  $("scrub").addEventListener("change", () => announce(false)); // once, on release
  $("speed").addEventListener("change", (e) => store.update({ speed: Number(e.target.value) }));

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea, button, .map-stack")) return;
    if (event.key === " ") { event.preventDefault(); player.toggle(); }
    else if (event.key === "ArrowRight") { event.preventDefault(); stepBy(event.shiftKey ? 10 : 1); }
    else if (event.key === "ArrowLeft") { event.preventDefault(); stepBy(event.shiftKey ? -10 : -1); }
  });
}
