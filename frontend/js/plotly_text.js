// Text that users write (run labels from URLs and lessons; dataset, class and column names)
// as Plotly must be given it to show it literally. Plotly reads a subset of HTML in trace
// names, hover text, annotations and titles (`<a href>` becomes a live link, `<b style>`
// giant text) and `%{…}` in a hovertemplate as a variable; it decodes character
// entities, so these come out as the characters typed. Plotly knows only a few named
// entities (not &quot;): the quotes and % are numeric. Pure.

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;", "%": "&#37;" };

/** `text` as Plotly text that shows exactly `text` (constant strings need none of this). */
export function plotlyText(text) {
  return String(text).replace(/[&<>"'%]/g, (c) => ENTITIES[c]);
}
