// Axis choices shared by every figure: a titled axis, and a value axis that goes log only
// when the values span enough decades to need it (with one tick per decade, so no
// crowded "2 5 2 5" minor labels). Pure.

export const axis = (text, extra = {}) => ({ title: { text, standoff: 4 }, exponentformat: "power", ...extra });

const DECADES_FOR_LOG = 1.3;

/** {type, dtick?} for an axis showing `values`: log when all are positive and span decades. */
export function scaleFor(values) {
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  if (!finite.length || finite.some((v) => v <= 0)) return { type: "linear" };
  const decades = Math.log10(Math.max(...finite) / Math.min(...finite));
  return decades >= DECADES_FOR_LOG ? { type: "log", dtick: decades > 8 ? 2 : 1 } : { type: "linear" };
}

/** A value axis titled `text` (" (log)" added when it goes log) for `values`. */
export function valueAxis(text, values, extra = {}) {
  const scale = scaleFor(values);
  return axis(scale.type === "log" ? `${text} (log)` : text, { ...scale, ...extra });
}
