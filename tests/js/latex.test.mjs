import { test } from "node:test";
import assert from "node:assert/strict";
import { latexToText } from "../../frontend/js/latex.js";

// The latex=… fields of backend/descentlab/core/surfaces.py, copied verbatim (String.raw).
const SURFACE_LATEX = {
  rosenbrock: String.raw`(1 - x)^2 + 100\,(y - x^2)^2`,
  beale: String.raw`(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2`,
  himmelblau: String.raw`(x^2 + y - 11)^2 + (x + y^2 - 7)^2`,
  rastrigin: String.raw`20 + \sum_{i} \left(x_i^2 - 10\cos(2\pi x_i)\right)`,
  ackley: String.raw`-20\,e^{-0.2\sqrt{(x^2+y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20`,
  booth: String.raw`(x + 2y - 7)^2 + (2x + y - 5)^2`,
  goldstein_price: String.raw`\left[1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]`
    + String.raw`\left[30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]`,
  six_hump_camel: String.raw`\left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2`,
  styblinski_tang: String.raw`\tfrac{1}{2}\sum_{i} \left(x_i^4 - 16x_i^2 + 5x_i\right)`,
  matyas: String.raw`0.26\,(x^2 + y^2) - 0.48\,xy`,
  saddle: String.raw`x^2 - y^2`,
  monkey_saddle: String.raw`x^3 - 3xy^2`,
  elongated_quadratic: String.raw`x^2 + \kappa\, y^2`,
  w1w2_saddle: String.raw`(1 - w_1 w_2)^2`,
  sharp_flat: String.raw`0.05\,(x^2+y^2) - e^{-\frac{(x+1)^2+y^2}{2\cdot 0.15^2}}`
    + String.raw` - e^{-\frac{(x-1.5)^2+y^2}{2\cdot 0.7^2}}`,
};

test("all 15 surfaces are covered", () => {
  assert.equal(Object.keys(SURFACE_LATEX).length, 15);
});

test("every surface formula comes out without TeX syntax", () => {
  for (const [id, latex] of Object.entries(SURFACE_LATEX)) {
    const text = latexToText(latex);
    assert.ok(text.length > 0, id);
    assert.ok(!text.includes("\\"), `${id}: backslash in ${text}`);
    assert.ok(!/[{}]/.test(text), `${id}: brace in ${text}`);
    assert.ok(!/[\^_]/.test(text), `${id}: ^ or _ left in ${text}`);
    assert.ok(!text.includes("-"), `${id}: ASCII hyphen instead of − in ${text}`);
    assert.ok(!/\b(left|right|frac|tfrac|sqrt|sum|cdot|kappa|pi)\b/.test(text), `${id}: command name left in ${text}`);
    assert.equal(text, text.trim(), id);
    assert.ok(!/\s{2}/.test(text), `${id}: double space in ${text}`);
    // Brackets stay balanced.
    let depth = 0;
    for (const c of text) {
      if ("([".includes(c)) depth += 1;
      if (")]".includes(c)) depth -= 1;
      assert.ok(depth >= 0, `${id}: unbalanced ${text}`);
    }
    assert.equal(depth, 0, `${id}: unbalanced ${text}`);
  }
});

test("exact outputs", () => {
  const expected = {
    w1w2_saddle: "(1 − w₁ w₂)²",
    rosenbrock: "(1 − x)² + 100 (y − x²)²",
    beale: "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
    himmelblau: "(x² + y − 11)² + (x + y² − 7)²",
    rastrigin: "20 + Σᵢ (xᵢ² − 10cos(2πxᵢ))",
    ackley: "−20 exp(−0.2√((x²+y²)/2)) − exp((cos 2πx + cos 2πy)/2) + e + 20",
    six_hump_camel: "(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²) y²",
    styblinski_tang: "½Σᵢ (xᵢ⁴ − 16xᵢ² + 5xᵢ)",
    matyas: "0.26 (x² + y²) − 0.48 xy",
    saddle: "x² − y²",
    monkey_saddle: "x³ − 3xy²",
    elongated_quadratic: "x² + κ y²",
    sharp_flat: "0.05 (x²+y²) − exp(−((x+1)²+y²)/(2·0.15²)) − exp(−((x−1.5)²+y²)/(2·0.7²))",
    goldstein_price: "[1 + (x+y+1)² (19 − 14x + 3x² − 14y + 6xy + 3y²)]"
      + "[30 + (2x−3y)² (18 − 32x + 12x² + 48y − 36xy + 27y²)]",
  };
  for (const [id, text] of Object.entries(expected)) assert.equal(latexToText(SURFACE_LATEX[id]), text, id);
});

test("the constructs on their own", () => {
  assert.equal(latexToText(String.raw`\frac{a}{b}`), "a/b");
  assert.equal(latexToText(String.raw`\frac{a+1}{b}`), "(a+1)/b");
  assert.equal(latexToText(String.raw`\tfrac{3}{4}`), "¾");
  assert.equal(latexToText(String.raw`\sqrt{x}`), "√x");
  assert.equal(latexToText(String.raw`\sqrt{x+y}`), "√(x+y)");
  assert.equal(latexToText(String.raw`x^{10}`), "x¹⁰");
  assert.equal(latexToText(String.raw`x^{a}`), "x^a");
  assert.equal(latexToText(String.raw`e^{x}`), "eˣ"); // scriptable: stays a power
  assert.equal(latexToText(String.raw`e^{-a}`), "exp(−a)");
  assert.equal(latexToText(String.raw`ke^{a}`), "ke^a"); // not Euler's e
  assert.equal(latexToText(String.raw`x_{ij}`), "xᵢⱼ");
  assert.equal(latexToText(String.raw`\alpha \cdot \beta`), "α·β");
  assert.equal(latexToText(String.raw`\cos \frac{x}{2}`), "cos (x/2)");
  assert.equal(latexToText(String.raw`\text{loss}`), "loss");
  assert.equal(latexToText(String.raw`\unknown x`), "unknown x");
  assert.equal(latexToText("a - b"), "a − b");
});

test("empty input gives an empty string", () => {
  assert.equal(latexToText(""), "");
  assert.equal(latexToText(null), "");
  assert.equal(latexToText(undefined), "");
});
