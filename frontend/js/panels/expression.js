// "Your own f(x, y)…": the field where a learner types a surface, its optional domain, and
// the API's verdict on it beside the field.
//
// A typed surface enters the store only once the API has accepted it: each pause in typing
// (300 ms) or Enter sends the grid request the map will need; a 200 moves the lab onto the
// surface (the lab's own grid request then finds that answer in the server's cache), a 422
// is shown next to the field, with the column it names marked, and the previous picture
// stays. Busy servers and network failures say so without calling the text wrong.

import { Stale, latest } from "../api.js";
import { STARTER, isTyped, markColumn, readDomain, surfaceProblem, typedPatch } from "../expression.js";
import { gridRequest } from "../requests.js";
import { CUSTOM_SURFACE } from "../state.js";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 300;
const DOMAIN_INPUTS = ["domain-x-lo", "domain-x-hi", "domain-y-lo", "domain-y-hi"];

export function mountExpression({ store, api, surfaceOf }) {
  const panel = $("expression-panel");
  const field = $("expression-input");
  const bounds = DOMAIN_INPUTS.map($);
  const message = $("expression-error");
  const select = $("surface-select");

  /** The field and the domain inputs show `expression` and `domain` (null: left empty). */
  const fill = (expression, domain) => {
    field.value = expression;
    const values = domain ? [...domain.x, ...domain.y] : ["", "", "", ""];
    bounds.forEach((input, i) => { input.value = String(values[i]); });
  };
  fill(STARTER.expression, STARTER.domain);

  const setInvalid = (inputs, invalid) => {
    for (const input of inputs) {
      if (invalid) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  };
  let column = null; // the column the shown error names, for Enter and a click on the mark
  const placeCaret = () => {
    if (column === null) return;
    field.focus();
    const at = Math.min(column - 1, field.value.length);
    field.setSelectionRange(at, Math.min(at + 1, field.value.length));
  };
  const clear = () => {
    column = null;
    message.replaceChildren();
    message.className = "";
    setInvalid([field, ...bounds], false);
  };
  /** Show a problem: {kind, message, column?}; `inputs` the domain inputs at fault. */
  const show = (problem, { inputs = [], moveCaret = false } = {}) => {
    clear();
    message.className = problem.kind === "busy" || problem.kind === "failed" ? "notice" : "invalid";
    message.append(problem.message);
    if (problem.kind === "expression") setInvalid([field], true);
    if (problem.kind === "domain") setInvalid(inputs.length ? inputs.map((i) => bounds[i]) : bounds, true);
    if (problem.kind === "expression" && problem.column !== null) {
      column = problem.column;
      const [before, at, after] = markColumn(field.value, column);
      const mark = document.createElement("mark");
      mark.textContent = at;
      const where = document.createElement("code");
      where.className = "where";
      where.title = `column ${column}: click to put the cursor there`;
      where.append(before, mark, after);
      where.addEventListener("click", placeCaret);
      message.append(" ", where);
      if (moveCaret) placeCaret();
    }
  };

  const busy = (on) => {
    if (on) panel.setAttribute("aria-busy", "true");
    else panel.removeAttribute("aria-busy");
  };
  const drawable = latest(api.postGrid); // the latest check's answer; earlier ones are dropped
  const check = async ({ moveCaret = false } = {}) => {
    drawable.cancel();
    busy(false);
    const read = readDomain(bounds.map((input) => input.value));
    if (read.error) { show({ kind: "domain", message: read.error }, { inputs: read.inputs }); return; }
    const expression = field.value;
    const state = store.state;
    const same = isTyped(state) && state.expression === expression
      && JSON.stringify(state.domain) === JSON.stringify(read.domain);
    if (same) { clear(); return; }
    const next = { ...state, ...typedPatch(state, surfaceOf(state), expression, read.domain) };
    busy(true);
    try {
      await drawable(gridRequest(next));
    } catch (error) {
      if (error instanceof Stale) return; // a later check owns the panel now
      busy(false);
      show(surfaceProblem(error), { moveCaret });
      return;
    }
    busy(false);
    clear();
    store.update(typedPatch(store.state, surfaceOf(store.state), expression, read.domain));
  };

  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(check, DEBOUNCE_MS);
  };
  const now = (options) => {
    clearTimeout(timer);
    check(options);
  };
  field.addEventListener("input", later);
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); now({ moveCaret: true }); }
  });
  for (const input of bounds) {
    input.addEventListener("input", later);
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") now(); });
  }

  // The picker: "Your own f(x, y)…" opens the field and draws what it holds.
  select.addEventListener("change", () => {
    const typed = select.value === CUSTOM_SURFACE;
    panel.hidden = !typed;
    if (!typed) { clearTimeout(timer); drawable.cancel(); busy(false); clear(); return; }
    now();
    field.focus();
  });

  // The store leads when the typed surface came from elsewhere (a link; a lesson that
  // sets a catalogue surface hides the field): the field follows unless the learner types.
  const follow = (state) => {
    panel.hidden = !isTyped(state);
    const editing = [field, ...bounds].includes(document.activeElement);
    if (isTyped(state) && !editing) fill(state.expression, state.domain);
  };
  follow(store.state);
  store.subscribe((state, changed) => {
    if (changed.some((k) => ["surface", "expression", "domain"].includes(k))) follow(state);
  });
  // A link's typed surface is checked by the lab's own requests: their complaint shows here.
  store.addEventListener("surfaceerror", (event) => {
    if (isTyped(store.state)) show(surfaceProblem(event.detail));
  });
}
