// "Step parts": one run's update at the cursor taken apart (step_anatomy.js), drawn on the
// map at true scale (lab_view) and listed here with its numbers; a button zooms the map
// to the step, another back to the whole map. Step with |▶ to take one update at a time.

import { runLabels } from "../requests.js";
import { anatomyRows, anatomyView, PART_COLOURS } from "../step_anatomy.js";
import { el } from "./controls_form.js";

const $ = (id) => document.getElementById(id);

export function mountStepAnatomy({ store, view }) {
  const select = $("anatomy-run");
  const card = $("anatomy-card");

  const renderSelect = () => {
    const { runs, anatomy } = store.state;
    const labels = runLabels(runs);
    select.replaceChildren(
      el("option", { value: "" }, ["off"]),
      ...labels.map((label, i) => el("option", { value: String(i) }, [label])),
    );
    select.value = anatomy === null ? "" : String(anatomy);
  };

  const renderCard = () => {
    const shown = store.state.anatomy === null ? null : view.anatomy();
    card.hidden = !shown;
    if (!shown) return;
    const { anatomy, label } = shown;
    $("anatomy-title").textContent = `${label}: the update from step ${anatomy.k} to ${anatomy.k + 1}`;
    const keyOf = { "−η∇f": "gradient", "−η·m": "momentum", "−(η/σ)·m": "scaled", "−(η/σ)·∇f": "scaled", "step taken": "step", "the rest of the step": "other" };
    $("anatomy-table").replaceChildren(...anatomyRows(anatomy).map(([name, value]) => {
      const key = keyOf[name];
      const swatch = key ? el("span", { class: "part-swatch", style: `background:${PART_COLOURS[key]}`, "aria-hidden": "true" }) : "";
      return el("tr", {}, [el("th", {}, [swatch, name]), el("td", {}, [value])]);
    }));
  };

  select.addEventListener("change", () => {
    store.update({ anatomy: select.value === "" ? null : Number(select.value) });
  });
  $("anatomy-zoom").addEventListener("click", () => {
    const shown = view.anatomy();
    const grid = store.derived.grid;
    if (!shown || !grid) return;
    // The frame has the domain's shape (map_frame.js): a view of the same shape fills it.
    const aspect = (grid.x.at(-1) - grid.x[0]) / (grid.y.at(-1) - grid.y[0]);
    view.zoomTo(anatomyView(shown.point, shown.anatomy, aspect));
  });
  $("anatomy-whole").addEventListener("click", () => view.zoomTo(null));

  store.subscribe((state, changed) => {
    if (changed.includes("runs") && state.anatomy !== null && state.anatomy >= state.runs.length) {
      store.update({ anatomy: null });
      return;
    }
    if (changed.includes("runs") || changed.includes("anatomy")) renderSelect();
    if (changed.some((k) => ["anatomy", "step", "runs", "view"].includes(k))) {
      renderCard();
      if (changed.includes("anatomy")) view.renderMap();
    }
  });
  store.onDerived((derived, changed) => { if (changed.includes("results")) renderCard(); });
  renderSelect();
  renderCard();
}
