// The Train button: checks the setup, runs the `train` job, draws the curves as epochs
// arrive (when the job reports partial results; otherwise just the bar), then the final
// curves, the summary and the decision boundary.

import { draw } from "./plotting.js";
import { JobControl } from "./progress.js";
import { setupErrors, setupParams } from "./setup.js";
import { buildCurvesFigure, trainSummary } from "./train_view.js";

const $ = (id) => document.getElementById(id);

export function mountTrainPanel({ store, catalogue, api, form, dataPanel }) {
  const control = new JobControl($("train-job"), api, "Training");
  const curves = (history, epochs) => {
    $("curves-plot").dataset.owner = "train"; // (live training redraws only its own curves)
    return draw($("curves-plot"), () => buildCurvesFigure(history, { epochs }));
  };

  const train = async () => {
    const state = store.state;
    const problems = [...form.errors("setup"), ...setupErrors(state, catalogue.datasets.get(state.dataset))];
    if (problems.length) {
      control.showError(`Nothing sent: ${problems.join("; ")}`);
      return;
    }
    const params = setupParams(state);
    $("train-summary").textContent = "";
    curves(null, params.epochs);
    const job = await control.run("train", params, {
      onUpdate: (snapshot) => {
        const partial = snapshot.status === "running" ? snapshot.partial : null;
        if (partial?.history) curves(partial.history, params.epochs);
        if (partial?.boundary) dataPanel.showTraining({ setup: params, boundary: partial.boundary });
      },
    });
    if (job?.status !== "done") return;
    const { result } = job;
    await curves(result.history, params.epochs);
    $("train-summary").textContent = trainSummary(result);
    dataPanel.showTraining({ setup: params, boundary: result.boundary ?? null, data: result.data });
    document.body.dataset.trained = "true";
  };

  // A lesson asks for its run while another is under way: that one is cancelled (it trains
  // another setup, and drawn late it would sit under the lesson), then the lesson's starts.
  let again = false;
  const start = () => train().finally(() => {
    if (again) { again = false; start(); }
  });
  control.button.addEventListener("click", start);
  curves(null, store.state.epochs);
  return {
    control,
    /** Train the setup as the Train button does, in place of a run under way. */
    run() {
      if (!control.busy) { start(); return; }
      again = true;
      control.cancel();
    },
  };
}
