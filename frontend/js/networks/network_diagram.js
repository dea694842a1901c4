// Draws the network diagram (network_view.js's geometry) into a box: SVG links under a
// focusable heatmap per unit, and the unit under the pointer or the keyboard's focus
// drawn large with its name. The elements are kept while the network's shape stays, so
// a live frame only repaints (and focus survives it).

import {
  columnGapFor, diagramLayout, diagramLinks, thumbFor, unitLabel, unitPixels, unitScales,
} from "./network_view.js";

const DETAIL = 160; // px: the enlarged unit

function paint(canvas, z, scale) {
  const { width, height, pixels } = unitPixels(z, scale);
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  canvas.getContext("2d").putImageData(new ImageData(pixels, width, height), 0, 0);
}

/**
 * Mount the diagram in `box` (scrolls by itself) with its enlarged unit in `detail`;
 * returns {show(network, task), clear()}.
 */
export function mountNetworkDiagram(box, detail) {
  const doc = box.ownerDocument;
  let shape = ""; // units per layer of the drawn network
  let units = []; // [layer][unit] → {button, canvas, label}
  let svg = null;
  let focused = null; // [layer, unit] of the enlarged one
  let current = null; // {network, task, scales}

  const big = doc.createElement("canvas");
  big.width = DETAIL;
  big.height = DETAIL;
  big.className = "unit-large";
  const caption = doc.createElement("p");
  caption.className = "unit-caption";
  detail.replaceChildren(big, caption);

  const showDetail = () => {
    detail.hidden = !focused || !current;
    if (detail.hidden) return;
    const [l, u] = focused;
    const layer = current.network.layers[l];
    const unit = layer?.units[u];
    if (!unit) { detail.hidden = true; return; }
    const ctx = big.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.clearRect(0, 0, DETAIL, DETAIL);
    ctx.drawImage(units[l][u].canvas, 0, 0, DETAIL, DETAIL);
    caption.textContent = unitLabel(layer, unit, u);
  };

  const build = (layers, layout) => {
    const stage = doc.createElement("div");
    stage.className = "diagram";
    stage.style.width = `${layout.width}px`;
    stage.style.height = `${layout.height}px`;
    // Parsed, so the SVG namespace comes from the HTML parser (no address in our files).
    const holder = doc.createElement("div");
    holder.innerHTML = "<svg></svg>";
    svg = holder.firstElementChild;
    svg.setAttribute("width", String(layout.width));
    svg.setAttribute("height", String(layout.height));
    svg.setAttribute("aria-hidden", "true");
    stage.append(svg);
    layers.forEach((layer, l) => {
      const heading = doc.createElement("span");
      heading.className = "layer-name";
      heading.textContent = layer.name;
      heading.style.left = `${layout.columns[l]}px`;
      stage.append(heading);
    });
    units = layers.map((layer, l) => layer.units.map((unit, u) => {
      const { x, y } = layout.positions[l][u];
      const button = doc.createElement("button");
      button.type = "button";
      button.className = "unit";
      button.style.left = `${x}px`;
      button.style.top = `${y}px`;
      button.style.width = `${layout.thumb}px`;
      button.style.height = `${layout.thumb}px`;
      const canvas = doc.createElement("canvas");
      button.append(canvas);
      const enter = () => { focused = [l, u]; showDetail(); };
      button.addEventListener("mouseenter", enter);
      button.addEventListener("focus", enter);
      button.addEventListener("click", enter); // a tap on a phone
      let label = null;
      if (l === 0) { // the input features' names, left of their column
        label = doc.createElement("span");
        label.className = "feature-name";
        label.style.top = `${y + layout.thumb / 2}px`;
        label.style.right = `${layout.width - x + 6}px`;
        stage.append(label);
      }
      stage.append(button);
      return { button, canvas, label };
    }));
    box.replaceChildren(stage);
  };

  const drawLinks = (layers, layout) => {
    svg.replaceChildren(...diagramLinks(layers, layout).map((link) => {
      const line = doc.createElementNS(svg.namespaceURI, "line");
      line.setAttribute("x1", String(link.from[0]));
      line.setAttribute("y1", String(link.from[1]));
      line.setAttribute("x2", String(link.to[0]));
      line.setAttribute("y2", String(link.to[1]));
      line.setAttribute("stroke", link.color);
      line.setAttribute("stroke-width", link.width.toFixed(2));
      line.setAttribute("stroke-opacity", link.opacity.toFixed(2));
      line.dataset.weight = String(link.weight);
      return line;
    }));
  };

  return {
    /** Draw `network` (the API's `network`) of a `task` ("classification" or "regression"). */
    show(network, task) {
      const layers = network.layers;
      // Narrower gaps where the box is narrow (a phone), so more of it fits before it scrolls.
      const thumb = thumbFor(Math.max(...layers.map((layer) => layer.units.length)));
      const layout = diagramLayout(layers, { thumb, columnGap: columnGapFor(layers.length, box.clientWidth, thumb) });
      const nextShape = layers.map((layer) => `${layer.name}:${layer.units.length}`).join("|");
      if (nextShape !== shape) {
        build(layers, layout);
        shape = nextShape;
        if (focused && !layers[focused[0]]?.units[focused[1]]) focused = null;
      }
      const scales = unitScales(layers, task);
      current = { network, task, scales };
      layers.forEach((layer, l) => layer.units.forEach((unit, u) => {
        const { button, canvas, label } = units[l][u];
        paint(canvas, unit.z, scales[l]);
        const name = unitLabel(layer, unit, u);
        button.setAttribute("aria-label", name);
        button.title = name;
        if (label) label.textContent = unit.label ?? "";
      }));
      drawLinks(layers, layout);
      showDetail();
      box.dataset.units = String(layers.reduce((n, layer) => n + layer.units.length, 0));
    },
    /** No diagram (a reset, or none for this network): nothing stale stays. */
    clear() {
      shape = "";
      units = [];
      current = null;
      focused = null;
      box.replaceChildren();
      box.dataset.units = "0";
      detail.hidden = true;
    },
  };
}
