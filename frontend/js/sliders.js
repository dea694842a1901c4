// Slider math: which range a hyperparameter's slider covers, and value ↔ position on a
// linear or log10 scale. Pure: no DOM, so `node --test` checks it.

/** Every slider has this many integer positions; the number field gives exact values. */
export const SLIDER_POSITIONS = 1000;

// The catalogue's bounds are what the API accepts (learning_rate up to 1000, eps down to
// 0); a slider spanning those would spend most of its travel on useless values.
const PRACTICAL = {
  learning_rate: { min: 1e-6, max: 10 },
  eps: { min: 1e-12, max: 1e-1 },
  eps_root: { min: 1e-12, max: 1e-1 },
  initial_accumulator_value: { min: 1e-6, max: 10 },
  weight_decay: { min: 1e-6, max: 1 },
  momentum: { min: 0, max: 0.9999 },
  b1: { min: 0, max: 0.9999 },
  b2: { min: 0, max: 0.9999 },
  decay: { min: 0, max: 0.9999 },
  rho: { min: 0, max: 0.9999 },
  initial_scale: { min: 0, max: 10 },
};

/** The gradient-noise slider: σ of the Gaussian noise, 0 = none. */
export const NOISE_RANGE = Object.freeze({ min: 0, max: 10, log: false, zero: false });

// A log slider cannot reach 0; when the catalogue allows 0 we cap the span at 9 decades.
const LOG_DECADES = 9;

/**
 * The slider range of a catalogue hyperparameter: {min, max, log, zero}.
 * `zero`: on a log scale, the leftmost position means exactly 0 (for eps_root or
 * weight_decay, whose default is 0). The default is always inside the range.
 */
export function sliderRange({ name, lower, upper, log_scale: log, default: fallback }) {
  const practical = PRACTICAL[name] ?? {};
  let min = Math.max(lower, practical.min ?? lower);
  let max = Math.min(upper, practical.max ?? upper);
  if (log && min <= 0) min = max * 10 ** -LOG_DECADES;
  // A default outside the practical span (adabelief's eps = 1e-16) must stay reachable.
  if (fallback > 0 || !log) {
    min = Math.min(min, fallback);
    max = Math.max(max, fallback);
  }
  return { min, max, log: Boolean(log), zero: Boolean(log) && lower <= 0 && fallback === 0 };
}

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/** The slider position (0…SLIDER_POSITIONS) that shows `value`; out-of-range values pin to an end. */
export function toSlider(value, range) {
  const { min, max, log, zero } = range;
  if (!Number.isFinite(value)) return 0;
  if (log) {
    if (value <= 0) return 0;
    const fraction = (Math.log10(value) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
    // With `zero`, position 0 is reserved for 0 itself, so tiny positives start at 1.
    const position = Math.round(fraction * SLIDER_POSITIONS);
    return clamp(position, zero ? 1 : 0, SLIDER_POSITIONS);
  }
  if (max === min) return 0;
  return clamp(Math.round(((value - min) / (max - min)) * SLIDER_POSITIONS), 0, SLIDER_POSITIONS);
}

/** The value at slider `position`, rounded so the number field shows a tidy figure. */
export function fromSlider(position, range) {
  const { min, max, log, zero } = range;
  const fraction = clamp(position, 0, SLIDER_POSITIONS) / SLIDER_POSITIONS;
  if (log) {
    if (zero && position <= 0) return 0;
    const value = tidy(10 ** (Math.log10(min) + fraction * (Math.log10(max) - Math.log10(min))));
    return clamp(value, min, max);
  }
  // One decimal finer than a slider step: 0.9999 stays 0.9999 instead of rounding to 1.
  const decimals = Math.max(0, Math.ceil(-Math.log10((max - min) / SLIDER_POSITIONS)) + 1);
  return clamp(Number((min + fraction * (max - min)).toFixed(Math.min(decimals, 20))), min, max);
}

/** Round to 3 significant digits: the slider's resolution, without float noise like 0.30000000004. */
export function tidy(value) {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(3));
}

/** Clamp a typed number to the catalogue bounds (what the API accepts); NaN gives `fallback`. */
export function clampToBounds(value, { lower, upper }, fallback) {
  if (!Number.isFinite(value)) return fallback;
  return clamp(value, lower, upper);
}
