// The surface's own constants as sliders (the valley's κ, the logits surfaces' y₃): each a
// slider and a number, in the state's `params` (and so in the URL and in lessons). A drag
// redraws the surface and the race; "κ = 10 vs κ = 1000" is one movement.

import { clampToBounds, fromSlider, sliderRange, toSlider } from "../sliders.js";
import { isTyped } from "../expression.js";
import { el } from "./controls_form.js";

const $ = (id) => document.getElementById(id);

/** The value the surface is drawn with: the state's, else the catalogue's default. */
export function constantValue(state, parameter) {
  const own = state.params[parameter.name];
  return Number.isFinite(own) ? own : parameter.default;
}

/** The state's params with `name` set; a value equal to the default is left out (short URLs). */
export function withConstant(params, parameter, value) {
  const { [parameter.name]: _old, ...rest } = params;
  return value === parameter.default ? rest : { ...rest, [parameter.name]: value };
}

export function mountSurfaceConstants({ store, catalogue }) {
  const box = $("surface-constants");
  let renderedFor = null;

  const parametersOf = (state) => (isTyped(state) ? [] : catalogue.surfaces.get(state.surface)?.parameters ?? []);

  const render = () => {
    const state = store.state;
    const parameters = parametersOf(state);
    renderedFor = state.surface;
    box.hidden = parameters.length === 0;
    box.replaceChildren(...parameters.map((p) => {
      const range = sliderRange(p);
      const value = constantValue(state, p);
      const id = `surface-constant-${p.name}`;
      return el("div", { class: "constant" }, [
        el("label", { for: id, title: p.description, text: p.name }),
        el("input", { type: "number", step: "any", min: p.lower, max: p.upper, value, "data-constant-number": p.name, "aria-label": `${p.name} value` }),
        el("input", { type: "range", id, min: 0, max: 1000, step: 1, value: toSlider(value, range), "data-constant": p.name, "aria-label": p.name, "aria-describedby": `${id}-about` }),
        el("span", { id: `${id}-about`, class: "hint", text: p.description }),
      ]);
    }));
  };

  const sync = () => {
    for (const p of parametersOf(store.state)) {
      const value = constantValue(store.state, p);
      const slider = box.querySelector(`[data-constant="${p.name}"]`);
      const number = box.querySelector(`[data-constant-number="${p.name}"]`);
      if (slider && document.activeElement !== slider) slider.value = toSlider(value, sliderRange(p));
      if (number && document.activeElement !== number) number.value = String(value);
    }
  };

  const parameterNamed = (name) => parametersOf(store.state).find((p) => p.name === name);
  box.addEventListener("input", (event) => {
    const name = event.target.dataset.constant;
    if (!name) return;
    const p = parameterNamed(name);
    const value = fromSlider(Number(event.target.value), sliderRange(p));
    box.querySelector(`[data-constant-number="${name}"]`).value = String(value);
    store.update({ params: withConstant(store.state.params, p, value) }, { source: "slider" });
  });
  box.addEventListener("change", (event) => {
    const name = event.target.dataset.constantNumber;
    if (!name) return;
    const p = parameterNamed(name);
    const value = clampToBounds(Number(event.target.value), p, constantValue(store.state, p));
    event.target.value = String(value);
    store.update({ params: withConstant(store.state.params, p, value) });
  });

  render();
  store.subscribe((state, changed) => {
    if (changed.includes("surface") || changed.includes("expression") || state.surface !== renderedFor) render();
    else if (changed.includes("params")) sync();
  });
}
