// The network diagram's geometry and colours (TensorFlow Playground's picture): a column
// per layer (input features, hidden layers, output), each unit a small heatmap of what it
// computes over the plane, links coloured by their weight's sign and as wide as its size.
// Pure: the live panel draws what these return (network_diagram.js).

import { NEGATIVE, POSITIVE, divergingRgb } from "./colors.js";

export const THUMB = 40; // a unit's heatmap, px
export const MIN_THUMB = 22;
export const TALLEST_COLUMN = 480; // px a column of thumbnails aims at
export const COLUMN_GAP = 60; // between two columns' heatmaps, room for the links
export const ROW_GAP = 8;
export const PAD = 8;
export const HEADING = 18; // the layers' names above their columns
export const FEATURE_LABELS = 46; // the input features' names left of their column
export const LINK_WIDTH = { min: 0.5, max: 6 };
// The widest hidden layer the API draws (its `network` is null beyond): for the message.
export const DIAGRAM_MAX_WIDTH = 16;

/** Each unit's top-left corner by layer, and the diagram's size; columns top-aligned, centred. */
export const MIN_COLUMN_GAP = 30;

/** The gap between columns: COLUMN_GAP, less (down to MIN_COLUMN_GAP) to fit `available` px. */
export function columnGapFor(columns, available, thumb = THUMB) {
  if (columns < 2 || !(available > 0)) return COLUMN_GAP;
  const fixed = 2 * PAD + FEATURE_LABELS + columns * thumb;
  return Math.max(MIN_COLUMN_GAP, Math.min(COLUMN_GAP, Math.floor((available - fixed) / (columns - 1))));
}

/** A unit's heatmap size: THUMB, smaller for a tall column so 16 neurons fit a screen. */
export const thumbFor = (tallest) => Math.max(MIN_THUMB, Math.min(THUMB, Math.floor(TALLEST_COLUMN / tallest) - ROW_GAP));

export function diagramLayout(layers, {
  thumb: fixed, columnGap = COLUMN_GAP, rowGap = ROW_GAP, pad = PAD, heading = HEADING, left = FEATURE_LABELS,
} = {}) {
  const tallest = Math.max(...layers.map((layer) => layer.units.length));
  const thumb = fixed ?? thumbFor(tallest);
  const body = tallest * thumb + (tallest - 1) * rowGap;
  const columnX = (l) => pad + left + l * (thumb + columnGap);
  const positions = layers.map((layer) => {
    const column = layer.units.length * thumb + (layer.units.length - 1) * rowGap;
    const top = pad + heading + (body - column) / 2;
    return layer.units.map((_, u) => ({ y: top + u * (thumb + rowGap) }));
  }).map((units, l) => units.map((p) => ({ x: columnX(l), ...p })));
  return {
    positions, thumb, columns: layers.map((_, l) => columnX(l)),
    width: columnX(layers.length - 1) + thumb + pad, height: pad + heading + body + pad,
  };
}

/** The largest |weight| of every layer's incoming links (1 when there are none). */
export function largestWeight(layers) {
  let largest = 0;
  for (const layer of layers) for (const row of layer.weights ?? []) for (const w of row) largest = Math.max(largest, Math.abs(w));
  return largest || 1;
}

/** A link's stroke: blue for a positive weight, orange for a negative one, width ∝ |w| / `largest`. */
export function linkStyle(weight, largest) {
  const size = Math.min(Math.abs(weight) / largest, 1);
  return {
    color: weight >= 0 ? POSITIVE : NEGATIVE,
    width: LINK_WIDTH.min + (LINK_WIDTH.max - LINK_WIDTH.min) * size,
    opacity: 0.25 + 0.75 * size,
  };
}

/** Every link, from unit i's right edge in one column to unit j's left edge in the next. */
export function diagramLinks(layers, layout) {
  const largest = largestWeight(layers);
  const half = layout.thumb / 2;
  const links = [];
  layers.forEach((layer, l) => {
    (layer.weights ?? []).forEach((row, i) => row.forEach((weight, j) => {
      const from = layout.positions[l - 1][i];
      const to = layout.positions[l][j];
      links.push({
        from: [from.x + layout.thumb, from.y + half], to: [to.x, to.y + half], weight, layer: l, i, j,
        ...linkStyle(weight, largest),
      });
    }));
  });
  return links;
}

/**
 * How each layer's values map onto the colour scale's [−1, 1]: as they are (clipped, as
 * in TensorFlow Playground: x₁, x₂ and tanh units live about there), one scale for every
 * unit so they compare at a glance; a classifier's output is a probability, white at ½.
 */
export function unitScales(layers, task) {
  const last = layers.length - 1;
  return layers.map((_, l) => (l === last && task === "classification" ? (v) => 2 * v - 1 : (v) => v));
}

/**
 * A unit's heatmap as RGBA bytes, row 0 at the top: z[j][i] is at (x[i], y[j]) with y
 * growing upwards, as in the data plot.
 */
export function unitPixels(z, scale) {
  const rows = z.length;
  const columns = z[0]?.length ?? 0;
  const pixels = new Uint8ClampedArray(rows * columns * 4);
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const [r, g, b] = divergingRgb(scale(z[j][i]));
      const at = ((rows - 1 - j) * columns + i) * 4;
      pixels.set([r, g, b, 255], at);
    }
  }
  return { width: columns, height: rows, pixels };
}

/** A unit's name for its caption and the screen reader: "hidden 1: unit 3", "features: x₁". */
export function unitLabel(layer, unit, index) {
  return `${layer.name}: ${unit.label ?? `unit ${index + 1}`}`;
}

/** Why there is no diagram, from the setup (API names) and its dataset's catalogue entry. */
export function noDiagramReason(setup, dataset) {
  if (setup.architecture === "cnn") return "The diagram draws an MLP; this network is a CNN.";
  if (dataset && dataset.input_dim !== 2) {
    return `The diagram draws what each neuron computes over the plane (x₁, x₂); ${dataset.label ?? dataset.name} has ${dataset.input_dim} inputs.`;
  }
  const wide = (setup.widths ?? []).find((w) => w > DIAGRAM_MAX_WIDTH);
  if (wide) return `The diagram draws layers of at most ${DIAGRAM_MAX_WIDTH} neurons; this network has a layer of ${wide}.`;
  return "The server sent no diagram for this network.";
}
