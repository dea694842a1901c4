// The header: surface, view, log scale, what a click on the map does, link sharing.
// Also owns the map's pointer and keyboard input: a click or a tap sets the start (or
// inspects); with the map focused, the arrow keys move a crosshair and Enter does the same
// at the crosshair; Escape closes the inspector.

import { latexToText } from "../latex.js";
import { shareQuery } from "../lessons.js";
import { CUSTOM_SURFACE, STEP_CHOICES } from "../state.js";
import { embedSnippet } from "../embed.js";

const $ = (id) => document.getElementById(id);

// A press that moves less than this (pixels) and lasts less than TAP_MS is a click or tap,
// anything else a pan. Pointer events, because the click a touch produces on the map
// carries no coordinates (clientX = clientY = 0).
const TAP_PX = 8;
const TAP_MS = 700;
// The crosshair moves by this share of the view per arrow key (Shift: ten times more).
const CROSSHAIR_STEP = 1 / 50;
// A press this close (pixels) to the start marker drags it (its circle is 14 px across).
const START_GRAB_PX = 14;

/** Data coordinates of a pointer event on a 2-D Plotly plot, or null outside its axes. */
function dataPoint(plot, event) {
  const layout = plot._fullLayout;
  if (!layout?.xaxis || !layout?.yaxis) return null;
  const box = plot.querySelector(".nsewdrag")?.getBoundingClientRect();
  if (!box) return null;
  const px = event.clientX - box.left;
  const py = event.clientY - box.top;
  if (px < 0 || py < 0 || px > box.width || py > box.height) return null;
  return [layout.xaxis.p2d(px), layout.yaxis.p2d(py)];
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.dataset.copied = "true";
    const label = button.textContent;
    button.textContent = "Copied ✓";
    setTimeout(() => { button.textContent = label; }, 1500);
  } catch {
    window.prompt("Copy this:", text);
  }
}

export function mountControls({ store, catalogue, surfaceOf, renderMap }) {
  const select = $("surface-select");
  for (const surface of catalogue.surfaces.values()) select.add(new Option(surface.name, surface.id));
  select.add(new Option("Your own f(x, y)…", CUSTOM_SURFACE)); // panels/expression.js takes it
  const steps = $("steps");
  for (const n of STEP_CHOICES) steps.add(new Option(String(n), String(n)));

  const show = (state) => {
    const surface = surfaceOf(state);
    select.value = state.surface;
    $("surface-formula").textContent = surface.formula ?? latexToText(surface.latex);
    $("surface-description").textContent = surface.description;
    for (const radio of document.querySelectorAll("input[name=view]")) radio.checked = radio.value === state.view;
    $("log-scale").checked = state.logScale;
    if (!STEP_CHOICES.includes(state.steps)) steps.add(new Option(String(state.steps), String(state.steps)));
    steps.value = String(state.steps);
  };
  show(store.state);
  store.subscribe((state, changed) => {
    if (changed.some((k) => ["surface", "expression", "domain", "view", "logScale", "steps"].includes(k))) show(state);
  });

  select.addEventListener("change", () => {
    if (select.value === CUSTOM_SURFACE) return; // the typed surface enters once the API accepts it
    const surface = catalogue.surfaces.get(select.value);
    store.update({
      surface: surface.id, params: {}, expression: null, domain: null, start: null, inspect: null,
      logScale: surface.log_scale, lesson: null,
    });
  });
  for (const radio of document.querySelectorAll("input[name=view]")) {
    radio.addEventListener("change", () => store.update({ view: radio.value }));
  }
  $("log-scale").addEventListener("change", (e) => store.update({ logScale: e.target.checked }));
  steps.addEventListener("change", () => store.update({ steps: Number(steps.value) }));

  const clickMode = () => document.querySelector("input[name=click-mode]:checked").value;
  const choose = (point) => {
    if (clickMode() === "inspect") store.update({ inspect: point });
    else store.update({ start: point });
  };
  mountMapPointer({ store, choose, startOf: (state) => state.start ?? surfaceOf(state).default_start });
  $("random-start").addEventListener("click", () => {
    const grid = store.derived.grid;
    if (!grid) return;
    store.update({ start: randomStart({ x: [grid.x[0], grid.x.at(-1)], y: [grid.y[0], grid.y.at(-1)] }) });
  });
  mountMapKeyboard({ store, choose, renderMap, surfaceOf });
}

/** Page pixels of data point `point` on a 2-D Plotly plot, or null before it is drawn. */
function pixelOf(plot, point) {
  const layout = plot._fullLayout;
  const box = plot.querySelector(".nsewdrag")?.getBoundingClientRect();
  if (!layout?.xaxis || !box) return null;
  return [box.left + layout.xaxis.d2p(point[0]), box.top + layout.yaxis.d2p(point[1])];
}

/**
 * Clicks and taps on the map (mouse, pen, touch): a short press that barely moves. A press
 * on the start marker drags it instead: the runs follow the start as it moves (the map
 * does not pan meanwhile).
 */
function mountMapPointer({ store, choose, startOf }) {
  const map = $("map");
  let press = null;
  // {id, x, y, moving}: a press on the start marker; past TAP_PX it drags the start, a
  // shorter press is a click like any other (so "Click: inspects" still inspects there).
  let drag = null;
  let frame = null; // the animation frame that moves the start to `pending`
  let pending = null;
  const onStart = (event) => {
    if (store.state.view !== "contour") return false;
    const at = pixelOf(map, startOf(store.state));
    return Boolean(at) && Math.hypot(event.clientX - at[0], event.clientY - at[1]) <= START_GRAB_PX;
  };
  // Capture: Plotly's drag layer handles the same events for panning.
  map.addEventListener("pointerdown", (event) => {
    // A primary press on the plot itself: not the right button, not the modebar's buttons.
    const onPlot = event.isPrimary && event.button === 0 && !event.target.closest(".modebar");
    press = onPlot ? { x: event.clientX, y: event.clientY, at: performance.now() } : null;
    if (onPlot && onStart(event)) {
      drag = { id: event.pointerId, x: event.clientX, y: event.clientY, moving: false };
      // No pan: a cancelled pointerdown sends no mousedown to Plotly (touch: below).
      event.preventDefault();
      event.stopPropagation();
    }
  }, { capture: true });
  map.addEventListener("touchstart", (event) => { if (drag) { event.preventDefault(); event.stopPropagation(); } }, { capture: true, passive: false });
  window.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    event.preventDefault();
    drag.moving ||= Math.hypot(event.clientX - drag.x, event.clientY - drag.y) > TAP_PX;
    const point = drag.moving ? dataPoint(map, event) : null;
    if (!point) return;
    pending = point;
    frame ??= requestAnimationFrame(() => {
      frame = null;
      store.update({ start: pending }, { source: "slider" });
    });
  }, { capture: true, passive: false });
  // On the window: during a mouse press Plotly lays a drag cover over the page, which
  // receives the release.
  window.addEventListener("pointerup", (event) => {
    if (drag && event.pointerId === drag.id) {
      const moved = drag.moving;
      drag = null;
      if (frame !== null) { cancelAnimationFrame(frame); frame = null; } // the release wins
      if (moved) {
        const point = dataPoint(map, event);
        if (point) store.update({ start: point }, { source: "slider" });
        press = null;
        return;
      }
    }
    const down = press;
    press = null;
    if (!down || !event.isPrimary || store.state.view !== "contour") return;
    const moved = Math.hypot(event.clientX - down.x, event.clientY - down.y);
    if (moved > TAP_PX || performance.now() - down.at > TAP_MS) return;
    const point = dataPoint(map, event);
    if (point) choose(point);
  }, { capture: true });
  window.addEventListener("pointercancel", () => { press = null; drag = null; }, { capture: true });
}

/** A start drawn uniformly from the view's domain (the zoom is not a domain). */
export function randomStart(domain, random = Math.random) {
  const [[x0, x1], [y0, y1]] = [domain.x, domain.y];
  return [x0 + (x1 - x0) * random(), y0 + (y1 - y0) * random()];
}

/** The focusable map: arrow keys move a crosshair, Enter or Space choose its point. */
function mountMapKeyboard({ store, choose, renderMap, surfaceOf }) {
  const stack = document.querySelector(".map-stack");
  const view = () => {
    const layout = $("map")._fullLayout;
    return layout?.xaxis ? { x: layout.xaxis.range, y: layout.yaxis.range } : null;
  };
  const clampTo = (value, [lo, hi]) => Math.min(Math.max(value, Math.min(lo, hi)), Math.max(lo, hi));
  const show = (point) => { store.derive({ crosshair: point }); renderMap({ background: false }); };
  stack.addEventListener("focus", () => {
    if (store.state.view !== "contour" || store.derived.crosshair) return;
    const state = store.state;
    show(state.inspect ?? state.start ?? surfaceOf(state).default_start);
  });
  stack.addEventListener("blur", () => show(null));
  stack.addEventListener("keydown", (event) => {
    const ranges = view();
    if (!ranges || store.state.view !== "contour" || event.target !== stack) return;
    const move = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[event.key];
    if (move) {
      const factor = CROSSHAIR_STEP * (event.shiftKey ? 10 : 1);
      const [x, y] = store.derived.crosshair ?? [(ranges.x[0] + ranges.x[1]) / 2, (ranges.y[0] + ranges.y[1]) / 2];
      show([
        clampTo(x + move[0] * factor * Math.abs(ranges.x[1] - ranges.x[0]), ranges.x),
        clampTo(y + move[1] * factor * Math.abs(ranges.y[1] - ranges.y[0]), ranges.y),
      ]);
    } else if ((event.key === "Enter" || event.key === " ") && store.derived.crosshair) {
      choose([...store.derived.crosshair]);
    } else return;
    event.preventDefault();
    event.stopPropagation(); // not the playback's arrow keys
  });
  // Escape closes the inspector from anywhere but a text field.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !store.state.inspect) return;
    if (event.target.closest?.("input[type=text], textarea, select")) return;
    store.update({ inspect: null });
  });
}

/**
 * "Copy link" and "Copy embed code": an unchanged lesson by its id, anything else as the
 * whole scenario; the current step only with "at this step" ticked (lessons.js shareQuery).
 * `lessonOf(id)`: the loaded lesson, if any.
 */
export function mountShare({ store, lessonOf }) {
  const url = (embed) => {
    const state = store.state;
    const query = shareQuery(state, lessonOf(state.lesson), { embed, withStep: $("share-step").checked });
    return `${location.origin}/?${query}`;
  };
  $("share").addEventListener("click", () => copy(url(false), $("share")));
  $("embed-code").addEventListener("click", () => {
    copy(embedSnippet(url(true), { title: document.title }), $("embed-code"));
  });
}
