import { test } from "node:test";
import assert from "node:assert/strict";
import {
  NOISE_RANGE, SLIDER_POSITIONS, clampToBounds, fromSlider, sliderRange, tidy, toSlider,
} from "../../frontend/js/sliders.js";

// Catalogue entries in the API's shape (name, lower, upper, log_scale, default).
const LR = { name: "learning_rate", lower: 0, upper: 1000, log_scale: true, default: 0.001 };
const EPS_ROOT = { name: "eps_root", lower: 0, upper: 1, log_scale: true, default: 0 };
const ADABELIEF_EPS = { name: "eps", lower: 0, upper: 1, log_scale: true, default: 1e-16 };
const B1 = { name: "b1", lower: 0, upper: 1, log_scale: false, default: 0.9 };
const UNKNOWN_LOG = { name: "mystery", lower: 0, upper: 1, log_scale: true, default: 0 };

const relErr = (a, b) => Math.abs(a - b) / Math.abs(b);

test("SLIDER_POSITIONS and NOISE_RANGE", () => {
  assert.equal(SLIDER_POSITIONS, 1000);
  assert.deepEqual({ ...NOISE_RANGE }, { min: 0, max: 10, log: false, zero: false });
  assert.ok(Object.isFrozen(NOISE_RANGE));
});

test("sliderRange: learning rate is cut to the practical 1e-6…10 on a log scale", () => {
  assert.deepEqual(sliderRange(LR), { min: 1e-6, max: 10, log: true, zero: false });
});

test("sliderRange: a log parameter whose default is 0 reserves position 0 for zero", () => {
  assert.deepEqual(sliderRange(EPS_ROOT), { min: 1e-12, max: 0.1, log: true, zero: true });
});

test("sliderRange: a log parameter without a practical span and lower 0 spans 9 decades", () => {
  const r = sliderRange(UNKNOWN_LOG);
  assert.equal(r.max, 1);
  assert.ok(relErr(r.min, 1e-9) < 1e-12, `min ${r.min}`);
  assert.equal(r.log, true);
  assert.equal(r.zero, true);
});

test("sliderRange: a default outside the practical span (adabelief eps 1e-16) stays reachable", () => {
  const r = sliderRange(ADABELIEF_EPS);
  assert.equal(r.min, 1e-16);
  assert.equal(r.max, 0.1);
  assert.equal(r.zero, false);
  assert.equal(fromSlider(0, r), 1e-16);
});

test("sliderRange: linear parameters", () => {
  assert.deepEqual(sliderRange(B1), { min: 0, max: 0.9999, log: false, zero: false });
  // A linear default above the practical max widens the range.
  assert.deepEqual(sliderRange({ name: "momentum", lower: 0, upper: 1, log_scale: false, default: 1 }),
    { min: 0, max: 1, log: false, zero: false });
  // No practical entry: the catalogue bounds.
  assert.deepEqual(sliderRange({ name: "k", lower: -3, upper: 7, log_scale: false, default: 2 }),
    { min: -3, max: 7, log: false, zero: false });
});

test("sliderRange: the default is always inside the range", () => {
  const specs = [LR, EPS_ROOT, ADABELIEF_EPS, B1, UNKNOWN_LOG,
    { name: "weight_decay", lower: 0, upper: 100, log_scale: true, default: 1e-4 },
    { name: "initial_scale", lower: 0, upper: 100, log_scale: false, default: 50 },
    { name: "learning_rate", lower: 0, upper: 1000, log_scale: true, default: 300 }];
  for (const spec of specs) {
    const r = sliderRange(spec);
    assert.ok(r.min <= r.max, spec.name);
    if (r.zero) assert.equal(spec.default, 0);
    else assert.ok(r.min <= spec.default && spec.default <= r.max, `${spec.name}: ${spec.default} in [${r.min}, ${r.max}]`);
  }
});

test("toSlider / fromSlider on a linear range", () => {
  assert.equal(toSlider(0, NOISE_RANGE), 0);
  assert.equal(toSlider(5, NOISE_RANGE), 500);
  assert.equal(toSlider(10, NOISE_RANGE), 1000);
  assert.equal(toSlider(2.5, NOISE_RANGE), 250);
  assert.equal(fromSlider(0, NOISE_RANGE), 0);
  assert.equal(fromSlider(500, NOISE_RANGE), 5);
  assert.equal(fromSlider(1000, NOISE_RANGE), 10);
  assert.equal(fromSlider(123, NOISE_RANGE), 1.23);
});

test("toSlider pins out-of-range and non-finite values to an end", () => {
  assert.equal(toSlider(-1, NOISE_RANGE), 0);
  assert.equal(toSlider(99, NOISE_RANGE), 1000);
  assert.equal(toSlider(NaN, NOISE_RANGE), 0);
  assert.equal(toSlider(Infinity, NOISE_RANGE), 0);
  const lr = sliderRange(LR);
  assert.equal(toSlider(1e-9, lr), 0);
  assert.equal(toSlider(500, lr), 1000);
  assert.equal(toSlider(0, lr), 0);
  assert.equal(toSlider(-3, lr), 0);
  assert.equal(toSlider(3, { min: 3, max: 3, log: false, zero: false }), 0);
});

test("fromSlider clamps the position", () => {
  assert.equal(fromSlider(-5, NOISE_RANGE), 0);
  assert.equal(fromSlider(5000, NOISE_RANGE), 10);
  const lr = sliderRange(LR);
  assert.equal(fromSlider(-5, lr), 1e-6);
  assert.equal(fromSlider(5000, lr), 10);
});

test("log slider: ends, a middle value, and tidy 3-digit values", () => {
  const lr = sliderRange(LR); // 7 decades
  assert.equal(toSlider(1e-6, lr), 0);
  assert.equal(toSlider(10, lr), 1000);
  assert.equal(toSlider(1e-3, lr), Math.round((3 / 7) * 1000));
  assert.equal(fromSlider(0, lr), 1e-6);
  assert.equal(fromSlider(1000, lr), 10);
  assert.equal(fromSlider(500, lr), tidy(10 ** -2.5)); // 0.00316
  assert.equal(fromSlider(500, lr), 0.00316);
  for (let p = 0; p <= SLIDER_POSITIONS; p += 1) {
    const v = fromSlider(p, lr);
    assert.equal(Number(v.toPrecision(3)), v, `position ${p} gives untidy ${v}`);
    assert.ok(v >= lr.min && v <= lr.max);
  }
});

test("log slider: positions increase with the value", () => {
  const lr = sliderRange(LR);
  let last = -1;
  for (const v of [1e-6, 1e-5, 3e-4, 1e-3, 0.01, 0.5, 1, 9.9]) {
    const p = toSlider(v, lr);
    assert.ok(p > last, `${v} → ${p} after ${last}`);
    last = p;
  }
});

test("every position survives the round trip position → value → position", () => {
  for (const spec of [LR, EPS_ROOT, ADABELIEF_EPS, B1, UNKNOWN_LOG]) {
    const r = sliderRange(spec);
    for (let p = 0; p <= SLIDER_POSITIONS; p += 1) {
      assert.equal(toSlider(fromSlider(p, r), r), p, `${spec.name} position ${p}`);
    }
  }
  for (let p = 0; p <= SLIDER_POSITIONS; p += 1) assert.equal(toSlider(fromSlider(p, NOISE_RANGE), NOISE_RANGE), p);
});

test("values survive value → position → value to within one slider step", () => {
  const lr = sliderRange(LR);
  const step = 10 ** (7 / SLIDER_POSITIONS); // one position's factor
  for (const v of [1e-6, 2e-6, 1e-4, 0.001, 0.0123, 0.05, 0.3, 1, 7.5, 10]) {
    const back = fromSlider(toSlider(v, lr), lr);
    assert.ok(Math.max(back / v, v / back) <= step, `${v} → ${back}`);
  }
});

test("linear slider keeps 0.9999 instead of rounding it to 1", () => {
  const r = sliderRange(B1);
  assert.equal(fromSlider(1000, r), 0.9999);
  assert.equal(fromSlider(0, r), 0);
  assert.equal(toSlider(0.9, r), 900);
  assert.equal(fromSlider(900, r), 0.89991);
});

test("zero log slider: position 0 is exactly 0, tiny positives start at position 1", () => {
  const r = sliderRange(EPS_ROOT);
  assert.equal(fromSlider(0, r), 0);
  assert.equal(toSlider(0, r), 0);
  assert.equal(toSlider(1e-30, r), 1);
  assert.equal(fromSlider(1, r) > 0, true);
  assert.equal(toSlider(r.min, r), 1);
  assert.equal(fromSlider(1000, r), 0.1);
  // Without `zero`, position 0 is the minimum, not 0.
  const lr = sliderRange(LR);
  assert.equal(fromSlider(0, lr), lr.min);
});

test("tidy rounds to 3 significant digits and leaves 0 and non-finite alone", () => {
  assert.equal(tidy(0.1 + 0.2), 0.3);
  assert.equal(tidy(123456), 123000);
  assert.equal(tidy(-0.0012345), -0.00123);
  assert.equal(tidy(1.005e-7), Number((1.005e-7).toPrecision(3)));
  assert.equal(tidy(0.999999), 1);
  assert.equal(tidy(0), 0);
  assert.ok(Number.isNaN(tidy(NaN)));
  assert.equal(tidy(Infinity), Infinity);
  assert.equal(tidy(-Infinity), -Infinity);
});

test("clampToBounds clamps to the catalogue bounds; NaN gives the fallback", () => {
  const bounds = { lower: 0, upper: 1000 };
  assert.equal(clampToBounds(5, bounds, 1), 5);
  assert.equal(clampToBounds(-2, bounds, 1), 0);
  assert.equal(clampToBounds(2000, bounds, 1), 1000);
  assert.equal(clampToBounds(NaN, bounds, 0.25), 0.25);
  assert.equal(clampToBounds(Infinity, bounds, 0.25), 0.25);
});
