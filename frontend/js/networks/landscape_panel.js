// The Landscape button: runs the `landscape` job for the current setup and draws the
// slice (contour or 3-D), the path and the checks; the view toggle redraws without a job.

import { buildLandscapeFigure, landscapeNotes } from "./landscape_view.js";
import { draw } from "./plotting.js";
import { JobControl } from "./progress.js";
import { landscapeParams, setupErrors } from "./setup.js";

const $ = (id) => document.getElementById(id);

export function mountLandscapePanel({ store, catalogue, api, form }) {
  const control = new JobControl($("landscape-job"), api, "Training, then slicing the landscape");
  let result = null;

  const render = () => {
    if (!result) return;
    $("landscape-plot").hidden = false; // before drawing: Plotly sizes the plot from its box
    draw($("landscape-plot"), buildLandscapeFigure(result, { view: store.state.landscapeView }));
    $("landscape-notes").replaceChildren(...landscapeNotes(result).map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
  };

  control.button.addEventListener("click", async () => {
    const state = store.state;
    const problems = [...form.errors("setup", "landscape"), ...setupErrors(state, catalogue.datasets.get(state.dataset))];
    if (problems.length) {
      control.showError(`Nothing sent: ${problems.join("; ")}`);
      return;
    }
    const job = await control.run("landscape", landscapeParams(state));
    if (job?.status !== "done") return;
    result = job.result;
    render();
  });

  store.subscribe((state, changed) => { if (changed.includes("landscapeView")) render(); });
  return { control };
}
