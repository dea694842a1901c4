// A surface's LaTeX as plain Unicode text, so a formula reads without a TeX renderer.
// Pure: covers the subset the catalogue uses (fractions, roots, powers, indices, Greek,
// \cos and friends); anything unknown falls back to its name rather than failing.

const SUPERSCRIPT = {
  0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹",
  "+": "⁺", "-": "⁻", "−": "⁻", "=": "⁼", "(": "⁽", ")": "⁾", n: "ⁿ", i: "ⁱ", x: "ˣ", y: "ʸ", t: "ᵗ", T: "ᵀ",
};
const SUBSCRIPT = {
  0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉",
  "+": "₊", "-": "₋", "=": "₌", "(": "₍", ")": "₎", i: "ᵢ", j: "ⱼ", k: "ₖ", n: "ₙ", t: "ₜ", x: "ₓ",
};
const SYMBOLS = {
  pi: "π", kappa: "κ", alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", eta: "η",
  lambda: "λ", mu: "μ", sigma: "σ", tau: "τ", theta: "θ", rho: "ρ", nabla: "∇",
  cdot: "·", times: "×", sum: "Σ", infty: "∞", le: "≤", ge: "≥", leq: "≤", geq: "≥",
  lfloor: "⌊", rfloor: "⌋", lceil: "⌈", rceil: "⌉", top: "ᵀ",
};
const FUNCTIONS = new Set(["cos", "sin", "tan", "exp", "log", "ln", "min", "max", "tanh"]);
const SPACES = { ",": " ", ";": " ", ":": " ", " ": " ", "!": "" };
const VULGAR = { "1/2": "½", "1/3": "⅓", "2/3": "⅔", "1/4": "¼", "3/4": "¾" };

/** The brace group starting at `i` ("{...}") or the single token there; [text, next index]. */
function readArgument(src, i) {
  while (src[i] === " ") i += 1;
  if (src[i] === "{") {
    let depth = 0;
    for (let j = i; j < src.length; j += 1) {
      if (src[j] === "{") depth += 1;
      else if (src[j] === "}" && --depth === 0) return [src.slice(i + 1, j), j + 1];
    }
    return [src.slice(i + 1), src.length];
  }
  if (src[i] === "\\") {
    const name = /^\\([a-zA-Z]+|.)/.exec(src.slice(i))[0];
    return [name, i + name.length];
  }
  return [src[i] ?? "", i + 1];
}

const simple = (text) => /^[\p{L}\p{N}.]+$/u.test(text);
const wrap = (text) => (simple(text) ? text : `(${text})`);

/** `text` in super/subscript characters, or null when one of them has none. */
function script(text, table) {
  const chars = [...text.replace(/\s+/g, "")];
  return chars.length && chars.every((c) => c in table) ? chars.map((c) => table[c]).join("") : null;
}

/** Convert a LaTeX fragment to text (recursive over groups). */
function convert(src) {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === "\\") {
      const match = /^\\([a-zA-Z]+|.)/.exec(src.slice(i));
      const name = match[1];
      i += match[0].length;
      if (name in SPACES) out += SPACES[name];
      else if (name === "left" || name === "right") continue; // the delimiter itself follows
      else if (["frac", "tfrac", "dfrac"].includes(name)) {
        const [top, afterTop] = readArgument(src, i);
        const [bottom, afterBottom] = readArgument(src, afterTop);
        const fraction = VULGAR[`${convert(top)}/${convert(bottom)}`] ?? `${wrap(convert(top))}/${wrap(convert(bottom))}`;
        // "cos \frac{a}{b}" takes the whole fraction as its argument: keep it so.
        out += /(cos|sin|tan|exp|log|ln|tanh)\s*$/.test(out) ? `(${fraction})` : fraction;
        i = afterBottom;
      } else if (name === "sqrt") {
        const [arg, next] = readArgument(src, i);
        out += `√${wrap(convert(arg))}`;
        i = next;
      } else if (name === "hat") {
        const [arg, next] = readArgument(src, i);
        out += `${convert(arg)}\u0302`; // a combining circumflex: ŷ
        i = next;
      } else if (name === "text" || name === "mathrm") {
        const [arg, next] = readArgument(src, i);
        out += arg;
        i = next;
      } else if (name in SYMBOLS) {
        out += SYMBOLS[name];
        while (src[i] === " ") i += 1; // in TeX the space only ends the command's name
      }
      else if (FUNCTIONS.has(name)) out += name;
      else out += name;
    } else if (c === "^" || c === "_") {
      const [arg, next] = readArgument(src, i + 1);
      const text = convert(arg);
      const scripted = script(text, c === "^" ? SUPERSCRIPT : SUBSCRIPT);
      i = next;
      if (scripted) out += scripted;
      else if (c === "^" && /(^|[^\p{L}])e$/u.test(out)) out = `${out.slice(0, -1)}exp(${text})`;
      else out += `${c}${wrap(text)}`;
    } else if (c === "{" || c === "}") {
      i += 1; // grouping only
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** Plain-text form of a LaTeX formula: "(1 - w_1 w_2)^2" → "(1 − w₁ w₂)²". */
export function latexToText(latex) {
  if (!latex) return "";
  return convert(String(latex)).replace(/-/g, "−").replace(/\s+/g, " ").trim();
}
