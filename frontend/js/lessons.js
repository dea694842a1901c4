// The lessons: preset scenarios from the curriculum, as data. Each `state` is a partial
// lab state (fields as in state.js); fields a lesson leaves out take their defaults.
// Every claim in a lesson's text was checked against POST /api/trajectories with exactly
// these settings; keep them in step when changing either.

import { makeRun } from "./state.js";

const ELONGATED = { surface: "elongated_quadratic", params: { condition: 100 } };

export const LESSONS = [
  {
    id: "w1w2-saddle",
    section: "1. Critical points",
    title: "The saddle of y = w₁w₂x",
    text: "With one sample (x = 1, ŷ = 1) the loss (1 − w₁w₂)² has g = 0 at the origin, and "
      + "H = [[0, −2], [−2, 0]] has eigenvalues −2 and +2: a saddle, not a minimum. Plain gradient "
      + "descent started exactly there never moves, while a little gradient noise is enough to fall "
      + "off along ±(1, 1) onto the valley w₁w₂ = 1. Try “Step along the escape direction” below.",
    state: {
      surface: "w1w2_saddle", start: [0, 0], steps: 300, logScale: false, inspect: [0, 0],
      runs: [
        makeRun("sgd", { learning_rate: 0.05 }, { color: 0, label: "sgd" }),
        makeRun("sgd", { learning_rate: 0.05 }, { color: 1, noise: 0.1, seed: 1, label: "sgd + noise" }),
      ],
    },
  },
  {
    id: "momentum-saddle",
    section: "3. Momentum",
    title: "Momentum rolls off a saddle",
    text: "On x² − y², started a hair above the x-axis, plain gradient descent slides toward the "
      + "saddle at the origin and is still creeping there at step 500, because the gradient vanishes "
      + "near it. Momentum keeps the speed it gathered on the way down, overshoots, and rolls off "
      + "along y within about 170 steps (x² − y² has no bottom, so the lab marks the run “diverged” "
      + "once it is far off the map).",
    state: {
      surface: "saddle", start: [1.5, 0.001], steps: 500, logScale: false,
      runs: [
        makeRun("sgd", { learning_rate: 0.003 }, { color: 0 }),
        makeRun("momentum", { learning_rate: 0.003, momentum: 0.9 }, { color: 1 }),
      ],
    },
  },
  {
    id: "momentum-bump",
    section: "3. Momentum",
    title: "Momentum rolls over a bump",
    text: "Styblinski–Tang has a shallow local minimum at (2.75, 2.75) and the global one at "
      + "(−2.90, −2.90), with a ridge between them. With the same η = 0.007, plain gradient descent "
      + "stops in the first dip; momentum (0.9) carries enough speed over the bump to reach the "
      + "global minimum.",
    state: {
      surface: "styblinski_tang", start: [4.5, 4.5], steps: 300, logScale: false,
      runs: [
        makeRun("sgd", { learning_rate: 0.007 }, { color: 0 }),
        makeRun("momentum", { learning_rate: 0.007, momentum: 0.9 }, { color: 1 }),
      ],
    },
  },
  {
    id: "elongated-valley",
    section: "4. Learning rate",
    title: "No single η fits an elongated valley",
    text: "x² + 100y²: with η = 10⁻² the y-step factor is 1 − 2·100·η = −1, so the run bounces "
      + "between the walls forever; the loss flattens at 225 while ‖∇f‖ stays at 300. With "
      + "η = 10⁻⁷ it barely moves (loss 306 → 289 in 2,000 steps). Compare loss and gradient norm "
      + "in the charts.",
    state: {
      ...ELONGATED, steps: 2000, speed: 10, logScale: false,
      runs: [
        makeRun("sgd", { learning_rate: 1e-2 }, { color: 0, label: "η = 1e-2" }),
        makeRun("sgd", { learning_rate: 1e-7 }, { color: 1, label: "η = 1e-7" }),
      ],
    },
  },
  {
    id: "adaptive-blowup",
    section: "4. Learning rate",
    title: "Per-parameter rates blow up and come back; decay fixes it",
    text: "The lecture's Adagrad divides by the root MEAN square of past gradients; optax's adagrad "
      + "divides by the root of their SUM, which never blows up, so this lesson uses RMSProp with a "
      + "long memory (decay 0.998) instead. Once the valley floor is reached σ_y shrinks, η/σ_y grows "
      + "past stability and the run shoots up the wall (loss back to ~50, then ~26, ~16) before σ "
      + "catches up. Halving η every 500 steps (exponential decay) removes the explosions.",
    state: {
      ...ELONGATED, steps: 2000, speed: 10, logScale: false,
      runs: [
        makeRun("rmsprop", { learning_rate: 0.1, decay: 0.998 }, { color: 4, label: "rmsprop" }),
        makeRun("rmsprop", { learning_rate: 0.1, decay: 0.998 }, {
          color: 2, label: "rmsprop + decay",
          schedule: { name: "exponential_decay", transition_steps: 500, decay_rate: 0.5, transition_begin: 0 },
        }),
      ],
    },
  },
  {
    id: "warmup",
    section: "4. Learning rate",
    title: "Warm-up avoids bad early steps",
    text: "RMSProp (decay 0.999) starts with σ = 0, so after one gradient σ is only √0.001·|g| "
      + "and the first step is about 32η per coordinate: on Rosenbrock it jumps out of the valley and "
      + "the loss goes 24 → 357. Warming η up over 100 steps lets σ settle first; both then follow "
      + "a cosine decay and end level (loss ≈ 1.1 at step 500).",
    state: {
      surface: "rosenbrock", steps: 500, logScale: true,
      runs: [
        makeRun("rmsprop", { learning_rate: 0.03, decay: 0.999 }, {
          color: 4, label: "no warm-up",
          schedule: { name: "cosine_decay", decay_steps: 500, alpha: 0, exponent: 1 },
        }),
        makeRun("rmsprop", { learning_rate: 0.03, decay: 0.999 }, {
          color: 2, label: "warm-up",
          schedule: {
            name: "warmup", warmup_steps: 100, init_value: 0,
            then: { name: "cosine_decay", decay_steps: 400, alpha: 0, exponent: 1 },
          },
        }),
      ],
    },
  },
  {
    id: "mse-plateau",
    section: "5. Classification",
    title: "MSE on softmax stalls where cross-entropy descends",
    text: "Over two logits (y₃ held low, target class 1), start in the wrong-answer corner "
      + "(−8, 8). Under MSE on the softmax outputs this is a plateau: the loss is almost 2 and "
      + "the gradient about 6·10⁻⁷, so gradient descent with η = 1 moves 0.0002 in 300 steps; "
      + "switch the surface to “Cross-entropy over two logits” and the same run descends at "
      + "once. Adam's per-parameter scaling rescues even the MSE run, after some 50 flat steps.",
    state: {
      surface: "logits_mse", start: [-8, 8], steps: 300, logScale: false,
      runs: [
        makeRun("sgd", { learning_rate: 1 }, { color: 0 }),
        makeRun("adam", { learning_rate: 0.1 }, { color: 1 }),
      ],
    },
  },
];

/** The lesson with this id, or undefined. */
export const lessonById = (id) => LESSONS.find((lesson) => lesson.id === id);
