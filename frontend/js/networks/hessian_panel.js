// The Hessian button: runs the `hessian` job for the current setup and shows the density,
// the full spectrum when there is one, the per-layer curvature, the slices along the top
// eigenvector and a random direction, and tables of the numbers.

import {
  LAYER_COLUMNS, buildDensityFigure, buildLayersFigure, buildSlicesFigure, buildSpectrumFigure, hessianRows, layerRows,
} from "./hessian_view.js";
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

/** A table with a header row of `columns` and a body of `rows` (cell strings). */
export function fillColumns(table, columns, rows) {
  const row = (cells, tag) => {
    const tr = document.createElement("tr");
    tr.append(...cells.map((text) => {
      const cell = document.createElement(tag);
      cell.textContent = text;
      return cell;
    }));
    return tr;
  };
  const head = document.createElement("thead");
  const body = document.createElement("tbody");
  head.append(row(columns, "th"));
  body.append(...rows.map((cells) => row(cells, "td")));
  table.replaceChildren(head, body);
}

/** Draw `figure` into the plot `id` (its box shown, at the figure's height), or empty it. */
function drawOrClear(id, box, figure) {
  $(box).hidden = !figure;
  if (!figure) return clear($(id));
  if (figure.layout.height) $(id).style.height = `${figure.layout.height}px`;
  return draw($(id), figure);
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
    drawOrClear("spectrum-plot", "spectrum-box", buildSpectrumFigure(result));
    drawOrClear("layers-plot", "layers-box", buildLayersFigure(result));
    drawOrClear("slices-plot", "slices-box", buildSlicesFigure(result));
    fillTable($("hessian-table"), hessianRows(result));
    const layers = layerRows(result);
    $("layers-table").hidden = !layers.length;
    fillColumns($("layers-table"), LAYER_COLUMNS, layers);
  });
  return { control };
}
