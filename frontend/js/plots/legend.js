// The map's legend as HTML under the plot, so that it never covers a path, a start point
// or a minimum. Entries come from plots/map.js's legendEntries (the figure's own traces).

const SYMBOLS = { star: "★", "circle-open": "○", "x-thin": "✕", circle: "●", "square-open": "⬚" };

function swatch({ kind, color, symbol }) {
  const mark = document.createElement("span");
  mark.className = `legend-mark ${kind}`;
  mark.setAttribute("aria-hidden", "true");
  mark.style.setProperty("--mark-color", color);
  if (kind === "marker") mark.textContent = SYMBOLS[symbol] ?? "●";
  return mark;
}

/** Replace `list`'s items by one per entry (kind "line" | "arrow" | "marker"). */
export function renderLegend(list, entries) {
  list.replaceChildren(...entries.map((entry) => {
    const item = document.createElement("li");
    item.append(swatch(entry), document.createTextNode(entry.name));
    return item;
  }));
}
