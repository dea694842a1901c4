// The header: surface, view, log scale, what a click on the map does, link sharing.
// Also owns the map's click → start point (or inspected point) and the keyboard.

import { latexToText } from "../latex.js";
import { CUSTOM_SURFACE, encodeState, STEP_CHOICES } from "../state.js";
import { embedSnippet } from "../embed.js";

const $ = (id) => document.getElementById(id);

/** Data coordinates of a mouse event on a 2-D Plotly plot, or null outside its axes. */
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

export function mountControls({ store, catalogue, surfaceOf }) {
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
    const logScale = ["rosenbrock", "goldstein_price", "beale"].includes(surface.id);
    store.update({
      surface: surface.id, params: {}, expression: null, domain: null, start: null, inspect: null, logScale, lesson: null,
    });
  });
  for (const radio of document.querySelectorAll("input[name=view]")) {
    radio.addEventListener("change", () => store.update({ view: radio.value }));
  }
  $("log-scale").addEventListener("change", (e) => store.update({ logScale: e.target.checked }));
  steps.addEventListener("change", () => store.update({ steps: Number(steps.value) }));

  const clickMode = () => document.querySelector("input[name=click-mode]:checked").value;
  $("map").addEventListener("click", (event) => {
    if (store.state.view !== "contour") return;
    const point = dataPoint($("map"), event);
    if (!point) return;
    if (clickMode() === "inspect") store.update({ inspect: point });
    else store.update({ start: point });
  });

  const link = () => `${location.origin}/?${encodeState({ ...store.state, embed: false })}`;
  $("share").addEventListener("click", () => copy(link(), $("share")));
  $("embed-code").addEventListener("click", () => {
    const url = `${location.origin}/?${encodeState({ ...store.state, embed: true })}`;
    copy(embedSnippet(url, { title: document.title }), $("embed-code"));
  });
}
