// Live training beside the recorded Train job: Play asks POST /api/live/steps for a
// frame's worth of updates, draws the answer (the boundary under the data, the growing
// curves, the network diagram), then asks again — one request at a time, paced by the
// screen's frames. Step trains exactly one epoch; Reset goes back to the initial weights.
// A change to the learning rate or the regularization applies at the next request; any
// other change to the setup starts again (live.js `needsReset`), pausing, and redraws the
// new network's first picture so no old one stays on screen.

import {
  DEFAULT_SPEED, DIVERGED, MAX_UPDATES, SPEEDS, emptyHistory, liveErrorMessage, liveExportRequest, liveRequest,
  liveStatus, needsReset, segmentValues, updatesPerFrame, withFrame, withSegment,
} from "./live.js";
import { clientHeaders } from "../client_id.js";
import { fileStem, saveBlob } from "../downloads.js";
import { mountNetworkDiagram } from "./network_diagram.js";
import { noDiagramReason } from "./network_view.js";
import { draw } from "./plotting.js";
import { setupParams } from "./setup.js";
import { buildCurvesFigure } from "./train_view.js";

const $ = (id) => document.getElementById(id);
const LOOK_DELAY_MS = 250; // after a reset: typing fires many changes, look once
const nextFrame = () => new Promise((resolve) => { requestAnimationFrame(resolve); });

export function mountLivePanel({ store, catalogue, api, form, dataPanel }) {
  const play = $("live-play");
  const step = $("live-step");
  const reset = $("live-reset");
  const speed = $("live-speed");
  const diagram = mountNetworkDiagram($("network-diagram"), $("unit-detail"));
  let run = null; // {setup, state, data, history, frames, response, view}
  let engaged = false; // the learner used live training: a reset shows the new start
  let playing = false;
  let busy = false; // a request in flight (never two)
  let generation = 0; // bumped by every reset: answers to an older run are dropped
  let lookTimer = null;
  let lookAfter = false; // a reset came while a request was in flight

  speed.replaceChildren(...SPEEDS.map((s) => new Option(`${s.label} / frame`, s.name)));
  speed.value = DEFAULT_SPEED;

  const showError = (text) => {
    $("live-error").textContent = text ?? "";
    $("live-error").hidden = !text;
  };
  const showEpoch = (text) => { $("live-epoch").textContent = text; };
  const setPlaying = (on) => {
    playing = on;
    play.setAttribute("aria-pressed", String(on));
    play.textContent = on ? "❚❚ Pause" : "▶ Play";
    play.setAttribute("aria-label", on ? "Pause live training" : "Play live training");
    step.disabled = on;
  };
  const curvesOwnedByLive = () => $("curves-plot").dataset.owner === "live";

  /** What stops live training before a request: a field the form refused, a CNN. */
  const problems = () => {
    const state = store.state;
    const list = [...form.errors("setup")];
    if (state.architecture !== "mlp") list.push("live training runs MLPs: use Train for a CNN");
    if (!catalogue.datasets.has(state.dataset)) list.push(`unknown dataset “${state.dataset}”`);
    return list;
  };

  const drawFrame = (response) => {
    const dataset = catalogue.datasets.get(run.setup.dataset);
    showEpoch(liveStatus(response));
    if (response.diverged) return; // no pictures of broken weights: the last ones stay, with the message
    $("curves-plot").dataset.owner = "live";
    const { history } = run;
    draw($("curves-plot"), () => buildCurvesFigure(history)).then(() => {
      $("curves-plot").dataset.frames = String(history.epoch.length);
    });
    if (response.boundary) {
      run.view = { setup: run.setup, data: run.data, boundary: { ...response.boundary, epoch: response.epoch } };
      dataPanel.showTraining(run.view);
    }
    if (response.network) {
      diagram.show(response.network, run.data?.task ?? dataset?.task);
      $("network-message").textContent = "";
    } else {
      diagram.clear();
      $("network-message").textContent = noDiagramReason(run.setup, dataset);
    }
  };

  /** Back to no run: nothing of the old one stays drawn. */
  const forget = () => {
    generation += 1;
    lookAfter = busy;
    setPlaying(false);
    if (run?.view) dataPanel.clearTraining(run.view);
    if (run && curvesOwnedByLive()) draw($("curves-plot"), () => buildCurvesFigure(null));
    run = null;
    $("live-save").disabled = true;
    diagram.clear();
    showEpoch("epoch 0");
    $("network-message").textContent = "Press Play or Step to train live and watch each neuron learn.";
  };

  /** One request: `updates` more from the run's state (a new run from null). */
  const call = async (updates) => {
    const setup = setupParams(store.state);
    const values = segmentValues(store.state); // what this call's updates run with
    if (run && (needsReset(run.setup, setup) || !run.state)) forget();
    const ticket = generation;
    const response = await api.postLiveSteps(liveRequest(setup, run?.state ?? null, updates));
    if (ticket !== generation) return null; // a reset came first: an old run's answer
    if (!run) {
      run = { first: setup, data: response.data, history: emptyHistory(response.data?.task === "classification"), segments: [] };
    }
    const ran = response.updates - (run.response?.updates ?? 0);
    run.segments = withSegment(run.segments, values, ran);
    Object.assign(run, { setup, state: response.state, response });
    run.history = withFrame(run.history, response);
    drawFrame(response);
    showError(null); // (an answer: whatever failed before is mended)
    $("live-save").disabled = false;
    if (response.diverged) {
      setPlaying(false);
      showError(DIVERGED);
      run.state = null; // the next Play starts again
    }
    return response;
  };

  /** Train one frame's worth at the chosen speed, the first picture first when there is no run yet. */
  const advance = async () => {
    if (!run?.state) {
      const first = await call(0);
      if (!first || first.diverged) return;
    }
    await call(updatesPerFrame(speed.value, run.response.steps_per_epoch));
  };

  const fail = (error) => {
    setPlaying(false);
    showError(liveErrorMessage(error));
    if (error?.status === 409) forget();
  };

  /** Run `work` as the one request in flight, unless the setup has a problem. */
  const exclusive = async (work) => {
    if (busy) return false;
    const found = problems();
    if (found.length) { showError(`Nothing sent: ${found.join("; ")}`); setPlaying(false); return false; }
    busy = true;
    engaged = true;
    try {
      await work();
      return true;
    } catch (error) {
      fail(error);
      return false;
    } finally {
      busy = false;
      if (lookAfter) { lookAfter = false; lookSoon(); } // a reset while it was in flight: show the new start
    }
  };

  const loop = async () => {
    while (playing) {
      const ok = await exclusive(advance);
      if (!ok) break;
      await nextFrame();
    }
  };

  play.addEventListener("click", () => {
    if (playing) { setPlaying(false); return; }
    if (busy) return; // a Step or a look is finishing
    showError(null);
    setPlaying(true);
    loop();
  });

  // Exactly one epoch from where the run is, in requests of at most MAX_UPDATES.
  step.addEventListener("click", () => {
    showError(null);
    exclusive(async () => {
      if (!run?.state) await call(0);
      if (!run?.state) return;
      // One frame's worth at the chosen speed: a batch, ten, or whole epochs.
      const target = run.response.updates + updatesPerFrame(speed.value, run.response.steps_per_epoch);
      while (run?.state && run.response.updates < target) {
        const answer = await call(Math.min(target - run.response.updates, MAX_UPDATES));
        if (!answer) return;
      }
    });
  });

  /** The first picture of the run the setup describes now, once typing settles. */
  const lookSoon = () => {
    clearTimeout(lookTimer);
    lookTimer = setTimeout(() => {
      if (!engaged || run || busy || problems().length) return;
      exclusive(() => call(0));
    }, LOOK_DELAY_MS);
  };

  reset.addEventListener("click", () => {
    showError(null);
    forget();
    lookSoon();
  });

  store.subscribe((state) => {
    if (!run) { if (engaged) lookSoon(); return; }
    if (needsReset(run.setup, setupParams(state))) {
      forget();
      lookSoon();
    }
  });

  /** The run so far as POST /api/export/network replays it (its first setup, its segments), or null. */
  const recording = () => (run?.segments.length ? liveExportRequest(run.first, run.segments, location.href) : null);
  const save = $("live-save");
  save.addEventListener("click", async () => {
    const body = recording();
    if (!body) return;
    save.disabled = true;
    try {
      const response = await fetch("/api/export/network", {
        method: "POST",
        headers: { "content-type": "application/json", ...clientHeaders() },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        const problem = await response.json().catch(() => null);
        throw new Error(problem?.detail ?? `HTTP ${response.status}`);
      }
      saveBlob(`${fileStem(`live-${body.setup.dataset}`)}.html`, await response.blob());
    } catch (error) {
      showError(`Could not export the run: ${error.message}`);
    } finally {
      save.disabled = !run;
    }
  });

  forget();
  return { recording };
}
