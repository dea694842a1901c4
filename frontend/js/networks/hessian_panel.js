// The Hessian button: runs the `hessian` job for the current setup and shows the density,
// the full spectrum when there is one, and a table of the numbers.

import { buildDensityFigure, buildSpectrumFigure, hessianRows } from "./hessian_view.js";
import { clear, draw } from "./plotting.js";
import { JobControl } from "./progress.js";
import { hessianParams, setupErrors } from "./setup.js";

const $ = (id) => document.getElementById(id);

/** Rows of [label, value] as table rows. */
export function fillTable(table, rows) {
  table.replaceChildren(...rows.map(([label, value]) => {
    const row = document.createElement("tr");
    const head = document.createElement("th");
    head.textContent = label;
    const cell = document.createElement("td");
    cell.textContent = value;
    row.append(head, cell);
    return row;
  }));
}

export function mountHessianPanel({ store, catalogue, api, form }) {
  const control = new JobControl($("hessian-job"), api, "Training, then reading the Hessian");

  control.button.addEventListener("click", async () => {
    const state = store.state;
    const problems = [...form.errors("setup", "hessian"), ...setupErrors(state, catalogue.datasets.get(state.dataset))];
    if (problems.length) {
      control.showError(`Nothing sent: ${problems.join("; ")}`);
      return;
    }
    const job = await control.run("hessian", hessianParams(state));
    if (job?.status !== "done") return;
    const { result } = job;
    $("hessian-output").hidden = false;
    draw($("density-plot"), buildDensityFigure(result));
    const spectrum = buildSpectrumFigure(result);
    $("spectrum-box").hidden = !spectrum;
    if (spectrum) draw($("spectrum-plot"), spectrum);
    else clear($("spectrum-plot"));
    fillTable($("hessian-table"), hessianRows(result));
  });
  return { control };
}
