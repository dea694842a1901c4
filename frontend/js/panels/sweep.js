// "Fair race": sweep learning rates for every run, set each run to its best rate, and
// show the sweep so the choice can be checked.

import { plotConfig } from "../downloads.js";
import { buildSweepFigure } from "../plots/sweep.js";
import { runLabels, sweepRequest } from "../requests.js";
import { formatNumber } from "./runs.js";

const $ = (id) => document.getElementById(id);
const PLOT_CONFIG = plotConfig({ filename: "descentlab-sweep" });

/** The runs with every learning rate set to its sweep's best; runs with no best stay as they are. */
export function applyBestRates(runs, sweep) {
  return runs.map((run, i) => {
    const best = sweep.results[i]?.best_learning_rate;
    return best === null || best === undefined ? run : { ...run, hyper: { ...run.hyper, learning_rate: best } };
  });
}

/** What the status line says after a sweep: the chosen rates, and who kept their own. */
export function sweepMessage(runs, sweep) {
  const labels = runLabels(runs);
  const chosen = [];
  const kept = [];
  sweep.results.forEach((result, i) => {
    if (result.best_learning_rate === null || result.best_learning_rate === undefined) kept.push(labels[i]);
    else chosen.push(`${labels[i]} η = ${formatNumber(result.best_learning_rate)}`);
  });
  const parts = [];
  if (chosen.length) parts.push(`Fair race at each optimizer's best rate: ${chosen.join(", ")}.`);
  if (kept.length) parts.push(`Every swept rate diverged for ${kept.join(", ")}; left unchanged.`);
  parts.push(...edgeNotes(runs, sweep));
  return parts.join(" ");
}

/** A warning per run whose best rate is an end of the swept range: the best may lie beyond. */
export function edgeNotes(runs, sweep) {
  const labels = runLabels(runs);
  const rates = sweep.learning_rates;
  const range = `${formatNumber(rates[0])}…${formatNumber(rates.at(-1))}`;
  return sweep.results.flatMap((result, i) => {
    const best = result.best_learning_rate;
    if (best === null || best === undefined) return [];
    const end = best >= rates.at(-1) ? "largest" : best <= rates[0] ? "smallest" : null;
    return end ? [`${labels[i]}'s best η is the ${end} rate swept (${range}): a better one may lie beyond it.`] : [];
  });
}

export function mountSweep({ store, api, surfaceOf, status }) {
  const button = $("fair-race");
  const label = button.textContent;

  const race = async () => {
    const state = store.state;
    const body = sweepRequest(state, surfaceOf(state));
    const progress = `Sweeping learning rates for ${body.optimizers.length} optimizers…`;
    button.disabled = true;
    button.textContent = "Sweeping…";
    status(progress);
    let sweep;
    try {
      sweep = await api.postSweeps(body);
    } catch (error) {
      status(`The sweep failed: ${error.message}`);
      return;
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
    // The runs may have changed while the sweep ran; its answer is for the runs it was asked about.
    if (store.state.runs !== state.runs) {
      status("The runs changed during the sweep; press Fair race again.");
      return;
    }
    const message = sweepMessage(state.runs, sweep);
    const runs = applyBestRates(state.runs, sweep);
    showFigure(state.runs, sweep);
    if (runs.every((run, i) => run === state.runs[i])) { status(message); return; }
    // main.js clears the status line when the new runs arrive, so say it after that.
    status("Racing at the best rates…");
    const said = store.onDerived((derived, changed) => {
      if (changed.includes("results") && derived.results) { said(); status(message); }
    });
    store.update({ runs });
  };

  const showFigure = (runs, sweep) => {
    const plot = $("sweep");
    plot.hidden = false; // before plotting: Plotly sizes the figure from its container
    const figure = buildSweepFigure({ runs, sweep });
    Plotly.react(plot, figure.data, figure.layout, PLOT_CONFIG);
  };

  button.addEventListener("click", race);
}
