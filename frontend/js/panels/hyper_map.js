// The hyperparameter map beside the surface map: one run per cell over two of a run's
// hyperparameters (POST /api/maps), the run's own cell marked; a click (or arrow keys
// and Enter on the focused map) sets the run to that cell's values.

import { Stale, latest } from "../api.js";
import { plotConfig } from "../downloads.js";
import { applyCell, defaultAxis, defaultMap, fitMap, MAP_COUNTS, MAP_METRICS, mapRequest, nearestIndex, runValue } from "../hyper_map.js";
import { buildMapFigure, mapCaption, mapSummary } from "../plots/hyper_map.js";
import { runLabels } from "../requests.js";
import { el } from "./controls_form.js";

const $ = (id) => document.getElementById(id);
const PLOT_CONFIG = plotConfig({ filename: "descentlab-hyperparameter-map" });
const SLIDER_REST_MS = 300;

export function mountHyperMap({ store, api, catalogue, surfaceOf }) {
  const panel = $("hmap-body");
  const plot = $("hmap");
  const status = (text) => { $("hmap-status").textContent = text; };
  const postMap = latest((body) => api.postMaps(body));
  let shown = null; // {key, map, scales}: the answer on screen
  let asked = null; // the request key in flight or drawn
  let cursor = null; // [j, i] the keyboard's cell
  let clickWired = false; // Plotly's click event is on the plot (again after a purge)
  let restTimer = null; // a slider is moving: the map will be asked for when it rests

  const optimizerOf = (state) => catalogue.optimizers.get(state.runs[state.hmap.run].optimizer);
  const setMap = (patch) => store.update({ hmap: { ...store.state.hmap, ...patch } });

  const fillSelect = (select, options, value) => {
    select.replaceChildren(...options.map(([v, text, disabled]) => el("option", { value: v, ...(disabled ? { disabled: "" } : {}) }, [text])));
    select.value = value;
  };

  const renderControls = () => {
    const { hmap, runs } = store.state;
    $("hmap-on").checked = Boolean(hmap);
    panel.hidden = !hmap;
    if (!hmap) return;
    const labels = runLabels(runs);
    fillSelect($("hmap-run"), runs.map((run, i) => [String(i), labels[i], catalogue.optimizers.get(run.optimizer).hyperparameters.length < 2]), String(hmap.run));
    const known = Boolean(surfaceOf(store.state)?.minima?.length);
    fillSelect($("hmap-metric"), MAP_METRICS.map(([m, text]) => [m, text, m === "steps_to_tolerance" && !known]), hmap.metric);
    fillSelect($("hmap-count"), MAP_COUNTS.map((n) => [String(n), `${n} × ${n}`]), String(hmap.x.count));
    const names = optimizerOf(store.state).hyperparameters.map((p) => [p.name, p.name]);
    for (const axis of ["x", "y"]) {
      fillSelect($(`hmap-${axis}`), names, hmap[axis].param);
      $(`hmap-${axis}-min`).value = String(hmap[axis].min);
      $(`hmap-${axis}-max`).value = String(hmap[axis].max);
      $(`hmap-${axis}-log`).checked = hmap[axis].scale === "log";
    }
  };

  const marker = () => {
    const { hmap, runs } = store.state;
    const run = runs[hmap.run];
    const optimizer = optimizerOf(store.state);
    return { x: runValue(run, optimizer, hmap.x.param), y: runValue(run, optimizer, hmap.y.param), label: runLabels(runs)[hmap.run] };
  };

  const draw = () => {
    if (!shown || !store.state.hmap) return;
    const figure = buildMapFigure({ map: shown.map, scales: shown.scales, marker: marker() });
    if (cursor) {
      const [j, i] = cursor;
      const at = (v, scale) => (scale === "log" ? Math.log10(v) : v);
      figure.data.push({
        type: "scatter", mode: "markers", showlegend: false, hoverinfo: "skip",
        x: [at(shown.map.x[i], shown.scales.x)], y: [at(shown.map.y[j], shown.scales.y)],
        marker: { symbol: "square-open", size: 14, color: "#D55E00", line: { width: 2.5, color: "#D55E00" } },
      });
    }
    Plotly.react(plot, figure.data, figure.layout, PLOT_CONFIG);
    wireClick();
    $("hmap-caption").textContent = mapCaption(shown.map, marker().label);
    plot.setAttribute("aria-label", `Hyperparameter map: ${mapSummary(shown.map)}`);
  };

  /** The map on screen is for the current settings: only then do clicks and keys act. */
  const current = () => shown !== null && shown.key === asked && restTimer === null;

  /** No map on screen (a failed request): nothing stale stays drawn or clickable. */
  const clear = () => {
    shown = null;
    cursor = null;
    Plotly.purge(plot);
    clickWired = false;
    $("hmap-caption").textContent = "";
  };

  const refresh = async () => {
    restTimer = null;
    const state = store.state;
    if (!state.hmap) { postMap.cancel(); asked = null; return; }
    const body = mapRequest(state, surfaceOf(state));
    const key = JSON.stringify(body);
    if (key === asked) { draw(); return; }
    asked = key;
    plot.setAttribute("aria-busy", "true"); // dimmed, and not clickable, until it is current
    status("Computing the map…");
    try {
      const map = await postMap(body);
      shown = { key, map, scales: { x: body.x.scale, y: body.y.scale } };
      cursor = null;
      status(mapSummary(map));
      draw();
    } catch (error) {
      if (error instanceof Stale) return;
      asked = null;
      clear();
      status(`Could not compute the map: ${error.message}`);
    } finally {
      if (asked === key || asked === null) plot.removeAttribute("aria-busy");
    }
  };

  // A dragged slider or start asks once it rests (a map is thousands of runs).
  const refreshWhenResting = () => {
    clearTimeout(restTimer);
    restTimer = setTimeout(refresh, SLIDER_REST_MS);
  };

  const setCell = (j, i) => {
    if (!current()) return; // the map is being recomputed: its cells are not the settings
    const { map } = shown;
    store.update({ runs: applyCell(store.state.runs, store.state.hmap, map.x[i], map.y[j]) });
    status(`${runLabels(store.state.runs)[store.state.hmap.run]}: ${map.x_param} = ${map.x[i].toPrecision(3)}, ${map.y_param} = ${map.y[j].toPrecision(3)}`);
  };

  // ---- controls
  $("hmap-on").addEventListener("change", (event) => {
    if (!event.target.checked) { store.update({ hmap: null }); return; }
    const runs = store.state.runs;
    const index = Math.max(0, runs.findIndex((run) => catalogue.optimizers.get(run.optimizer).hyperparameters.length >= 2));
    const hmap = defaultMap(catalogue.optimizers.get(runs[index].optimizer), index);
    if (!hmap) { event.target.checked = false; status("Every run's optimizer has one hyperparameter; a map needs two."); return; }
    store.update({ hmap });
  });
  $("hmap-run").addEventListener("change", (event) => {
    const index = Number(event.target.value);
    store.update({ hmap: defaultMap(catalogue.optimizers.get(store.state.runs[index].optimizer), index) });
  });
  $("hmap-metric").addEventListener("change", (event) => setMap({ metric: event.target.value }));
  $("hmap-count").addEventListener("change", (event) => {
    const count = Number(event.target.value);
    const { x, y } = store.state.hmap;
    setMap({ x: { ...x, count }, y: { ...y, count } });
  });
  for (const axis of ["x", "y"]) {
    $(`hmap-${axis}`).addEventListener("change", (event) => {
      const parameter = optimizerOf(store.state).hyperparameters.find((p) => p.name === event.target.value);
      const other = axis === "x" ? "y" : "x";
      const { hmap } = store.state;
      const patch = { [axis]: defaultAxis(parameter, hmap[axis].count) };
      if (hmap[other].param === parameter.name) {
        // the two axes swap rather than vary one knob twice
        const previous = optimizerOf(store.state).hyperparameters.find((p) => p.name === hmap[axis].param);
        patch[other] = defaultAxis(previous, hmap[other].count);
      }
      setMap(patch);
    });
    const bounds = () => {
      const { hmap } = store.state;
      const min = Number($(`hmap-${axis}-min`).value);
      const max = Number($(`hmap-${axis}-max`).value);
      const scale = $(`hmap-${axis}-log`).checked ? "log" : "linear";
      if (!(Number.isFinite(min) && Number.isFinite(max) && min < max) || (scale === "log" && min <= 0)) {
        status(`The ${axis} axis needs from < to${scale === "log" ? ", both above 0 on a log axis" : ""}.`);
        renderControls();
        return;
      }
      setMap({ [axis]: { ...hmap[axis], min, max, scale } });
    };
    for (const part of ["min", "max", "log"]) $(`hmap-${axis}-${part}`).addEventListener("change", bounds);
  }

  // ---- the map itself: click a cell, or arrow keys and Enter
  plot.addEventListener("keydown", (event) => {
    if (!current()) return;
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [1, 0], ArrowDown: [-1, 0] };
    if (event.key in moves) {
      event.preventDefault();
      const { map, scales } = shown;
      const here = cursor ?? [nearestIndex(map.y, marker().y, scales.y), nearestIndex(map.x, marker().x, scales.x)];
      const step = event.shiftKey ? 8 : 1;
      const [dj, di] = moves[event.key];
      cursor = [
        Math.min(map.y.length - 1, Math.max(0, here[0] + dj * step)),
        Math.min(map.x.length - 1, Math.max(0, here[1] + di * step)),
      ];
      const [j, i] = cursor;
      const value = map.z[j][i];
      status(`${map.x_param} ${map.x[i].toPrecision(3)}, ${map.y_param} ${map.y[j].toPrecision(3)}: ${map.diverged[j][i] ? "diverged" : value === null ? "not reached" : Number(value).toPrecision(3)} (Enter sets the run)`);
      draw();
    } else if (event.key === "Enter" && cursor) {
      event.preventDefault();
      setCell(...cursor);
    } else if (event.key === "Escape" && cursor) {
      cursor = null;
      draw();
    }
  });

  function wireClick() {
    if (clickWired || !plot.on) return;
    clickWired = true;
    plot.on("plotly_click", (event) => {
      const point = event.points.find((p) => p.data.type === "heatmap");
      if (!point) return;
      const [j, i] = point.pointIndex;
      cursor = null;
      setCell(j, i);
    });
  }

  // What a map depends on (the animation's step is not among them).
  const inputs = ["hmap", "runs", "surface", "params", "expression", "domain", "start", "steps"];
  store.subscribe((state, changed, source) => {
    if (!changed.some((k) => inputs.includes(k))) return;
    if (changed.some((k) => ["runs", "hmap", "surface", "expression"].includes(k))) {
      const fitted = fitMap(state.hmap, state.runs, catalogue.optimizers, surfaceOf(state));
      if (fitted !== state.hmap) { store.update({ hmap: fitted }); return; }
    }
    if (changed.some((k) => ["hmap", "runs", "surface", "params", "expression", "domain"].includes(k))) renderControls();
    if (!state.hmap) { shown = null; asked = null; postMap.cancel(); return; }
    if (source === "slider") { plot.setAttribute("aria-busy", "true"); refreshWhenResting(); } else refresh();
  });
  renderControls();
  if (store.state.hmap) {
    const fitted = fitMap(store.state.hmap, store.state.runs, catalogue.optimizers, surfaceOf(store.state));
    if (fitted !== store.state.hmap) store.update({ hmap: fitted });
    else refresh();
  }
}
