"""The lessons, as data, in curriculum order (``../shared/CURRICULUM.md``, sections 1–6).

Every number an explanation states was read off the engine with exactly the lesson's
scenario, and ``tests/unit/test_lessons.py`` checks each lesson's claim on its own data:
change a scenario or an explanation, and change the other with it.
"""

from collections.abc import Mapping

from descentlab.core.experiments.skip_connections import SkipConnectionsParams
from descentlab.core.experiments.train import NetworkSetup
from descentlab.lessons.format import (
    HyperMapSetting,
    Lesson,
    MapAxisSetting,
    NetworkScenario,
    Run,
    SurfaceScenario,
)

ELONGATED_VALLEY = {"condition": 100.0}  # x² + 100y², the lecture's convex valley
SHARP_MINIMUM = (-0.997557849227381, 0.0)  # sharp_flat's narrow minimum (core/surfaces.py)
COSINE_DECAY = {"name": "cosine_decay", "alpha": 0.0, "exponent": 1.0}

# A linear model (no hidden layer) on the circles, reading the squares of the coordinates.
INPUT_FEATURES_SETUP = NetworkSetup(
    dataset="circles",
    noise=0.1,
    features=("x1_squared", "x2_squared"),
    widths=(),
    learning_rate=0.05,
    epochs=40,
)

# Feature scaling and batch norm are the two halves of one experiment: both lessons open
# it with the same params (so a class opening one after the other reuses the result).
NORMALIZATION = NetworkScenario(
    experiment="normalization",
    params={
        "feature_scale": 10.0,
        "steps": 100,
        "learning_rates": [0.1, 3.0],
        "slice_learning_rate": 0.1,
    },
    # The experiment sets η per run; the setup (the form beside it) shows the slice's η, one
    # of the rates that ran, rather than an η that never did.
    setup=NetworkSetup(activation="relu", optimizer="sgd", learning_rate=0.1),
)

# The skip-connection experiment's own default setup: depth 20, 8 channels, digits.
SKIP_CONNECTIONS_SETUP = SkipConnectionsParams().setup

LESSONS: tuple[Lesson, ...] = (
    # --- 1. Critical points -------------------------------------------------------------
    Lesson(
        id="w1w2-saddle",
        section="1.1",
        title="The saddle of y = w₁w₂x",
        summary="The lecture's one-sample model has a saddle at the origin, where plain "
        "gradient descent never moves.",
        explanation="With one sample (x = 1, ŷ = 1) the loss (1 − w₁w₂)² has g = 0 at the "
        "origin, and H = [[0, −2], [−2, 0]] has eigenvalues −2 and +2: a saddle, not a "
        "minimum. Plain gradient descent started exactly there never moves, while a little "
        "gradient noise is enough to fall off along ±(1, 1) onto the valley w₁w₂ = 1. Try "
        "“Step along the escape direction” below.",
        scenario=SurfaceScenario(
            surface="w1w2_saddle",
            start=(0.0, 0.0),
            steps=300,
            log_scale=False,
            inspect=(0.0, 0.0),
            runs=(
                Run("sgd", {"learning_rate": 0.05}, color=0, label="sgd"),
                Run(
                    "sgd", {"learning_rate": 0.05}, color=1, label="sgd + noise", noise=0.1, seed=1
                ),
            ),
        ),
    ),
    Lesson(
        id="escape-direction",
        section="1.2",
        title="Escaping a saddle along a negative-curvature eigenvector",
        summary="One step along the Hessian's eigenvector of eigenvalue −2 lowers the loss, "
        "and descent then runs to a minimum.",
        explanation="Near a critical point θ′ the Taylor model is L(θ′ + u) ≈ L(θ′) + ½uᵀHu, "
        "and for an eigenvector u of H with eigenvalue λ < 0 that is L(θ′) + ½λ‖u‖² < L(θ′). "
        "At the origin of (1 − w₁w₂)² the eigenvalue −2 has u ∝ (1, 1): the run starts one "
        "such step away, at (0.1, 0.1), where the model predicts 1 − 0.02 = 0.98 and the "
        "loss is 0.9801. From there plain gradient descent (η = 0.05) runs to the minimum "
        "(1, 1) within 100 steps. Real networks rarely escape this way: their H is far too "
        "large to decompose.",
        scenario=SurfaceScenario(
            surface="w1w2_saddle",
            start=(0.1, 0.1),
            steps=300,
            log_scale=False,
            inspect=(0.0, 0.0),
            runs=(Run("sgd", {"learning_rate": 0.05}, color=0),),
        ),
    ),
    Lesson(
        id="minimum-ratio",
        section="1.3",
        title="Critical points of small networks are saddles",
        summary="Networks polished to a zero gradient land on saddles: their minimum ratio "
        "stays below 1.",
        explanation="The minimum ratio is (number of positive Hessian eigenvalues) / (number "
        "of eigenvalues): 1 at a local minimum, less at a saddle. This trains twelve small "
        "tanh networks on moons (22 and 32 parameters) for 0 to 100 epochs, polishes each "
        "until ‖∇L‖ < 10⁻⁸ (L plus a small weight penalty) and reads every eigenvalue "
        "there. Every one is a saddle: the ratios lie between 0.8 and 0.97 and none reaches "
        "1. The lecture's larger networks cluster lower, around 0.5–0.6; either way, "
        "local minima are rare.",
        scenario=NetworkScenario(
            experiment="minimum_ratio",
            params={"widths": [[4], [6]], "seeds": 6, "polish_steps": 300},
            setup=NetworkSetup(
                n_samples=200, widths=(4,), learning_rate=0.03, batch_size=32, epochs=100
            ),
        ),
    ),
    # --- 2. Batch -----------------------------------------------------------------------
    Lesson(
        id="noise-sharp-minimum",
        section="2.1",
        title="Gradient noise shakes a run out of a sharp minimum",
        summary="Minibatch-like gradient noise carries runs out of a narrow minimum into a "
        "wide one, where plain descent stays put.",
        explanation="A small batch's gradient is the full gradient plus noise; here it is "
        "Gaussian noise of size σ = 6 added to every gradient (η = 0.01). Started in the "
        "narrow minimum at (−1.00, 0), plain gradient descent stays exactly there (g = 0). "
        "Both noisy runs are shaken out of it within about 260 steps, and over 90% of their "
        "last 200 steps (of 1,000) lie in the wide minimum near (1.43, 0): the same noise "
        "that emptied the sharp minimum does not empty the flat one.",
        scenario=SurfaceScenario(
            surface="sharp_flat",
            start=SHARP_MINIMUM,
            steps=1000,
            speed=10,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 0.01}, color=0, label="sgd"),
                Run(
                    "sgd",
                    {"learning_rate": 0.01},
                    color=1,
                    label="noise, seed 35",
                    noise=6.0,
                    seed=35,
                ),
                Run(
                    "sgd",
                    {"learning_rate": 0.01},
                    color=2,
                    label="noise, seed 63",
                    noise=6.0,
                    seed=63,
                ),
            ),
        ),
    ),
    Lesson(
        id="small-vs-large-batch",
        section="2.2",
        title="Small batch vs large batch",
        summary="The same network trained with batches of 1 to the full set: noisier "
        "updates train and generalize better here, but whether they land flatter depends on "
        "how sharpness is measured.",
        explanation="An epoch sees every batch once, reshuffled each time, so with n samples "
        "a batch of b makes n/b updates per epoch. The lecture's point on speed: with parallel "
        "hardware one update on a large batch takes barely longer than on a small one, so an "
        "epoch of large batches is quicker; the lab times both on the machine it runs on, so "
        "see whether that holds there. Trained for 30 epochs with "
        "plain SGD (η = 0.1), the batch-1 run's gradient is the noisiest, and it reaches the "
        "best training and test accuracy (93% and 95%, against 84% and 88% for the full "
        "batch). Its top Hessian eigenvalue is the smallest, about 0.7 against the full "
        "batch's 2.3, but that is as far as “large batch, sharp minimum” goes on this small "
        "problem: the sharpest run is batch 8 (3.6), not the full batch, and the 1-D slices "
        "say the opposite of the eigenvalues, batch 1's rising more steeply (by 1.35 at ±1 "
        "against the full batch's 0.74). A slice steps each filter by a fraction of its own "
        "norm, and batch 1's 9,000 updates grew its weights to more than twice the full "
        "batch's norm (11.3 against 4.8), so the same step moves it further; and with 30 "
        "updates the full batch has not reached a minimum at all (training loss 0.36 against "
        "0.18). Over init seeds 0–7 this holds every time: batch 1 has the smallest top "
        "eigenvalue (0.6–1.1 against 1.5–3.0) and yet the steeper slice.",
        scenario=NetworkScenario(
            experiment="batch_size",
            params={"batch_sizes": [1, 8, 64, "full"]},
            setup=NetworkSetup(noise=0.3, optimizer="sgd", learning_rate=0.1, epochs=30),
        ),
    ),
    # --- 3. Momentum --------------------------------------------------------------------
    Lesson(
        id="momentum-saddle",
        section="3.1",
        title="Momentum rolls off a saddle",
        summary="On x² − y², plain descent creeps into the saddle while momentum rolls off it.",
        explanation="Momentum keeps a running sum of past steps, m ← λm − ηg, θ ← θ + m. On "
        "x² − y², started a hair above the x-axis, plain gradient descent slides toward the "
        "saddle at the origin and is still creeping there at step 500, because the gradient "
        "vanishes near it. Momentum keeps the speed it gathered on the way down, overshoots, "
        "and rolls off along y within about 170 steps (x² − y² has no bottom, so the lab "
        "marks the run “diverged” once it is far off the map).",
        scenario=SurfaceScenario(
            surface="saddle",
            start=(1.5, 0.001),
            steps=500,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 0.003}, color=0),
                Run("momentum", {"learning_rate": 0.003, "momentum": 0.9}, color=1),
            ),
        ),
    ),
    Lesson(
        id="momentum-bump",
        section="3.2",
        title="Momentum rolls over a bump",
        summary="Momentum carries a run over the ridge between a shallow and a deep minimum.",
        explanation="Styblinski–Tang has a shallow local minimum at (2.75, 2.75) and the "
        "global one at (−2.90, −2.90), with a ridge between them. With the same η = 0.007, "
        "plain gradient descent stops in the first dip; momentum (0.9) carries enough speed "
        "over the bump to reach the global minimum.",
        scenario=SurfaceScenario(
            surface="styblinski_tang",
            start=(4.5, 4.5),
            steps=300,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 0.007}, color=0),
                Run("momentum", {"learning_rate": 0.007, "momentum": 0.9}, color=1),
            ),
        ),
    ),
    Lesson(
        id="momentum-stability",
        section="3.3",
        title="Where momentum converges: Polyak's stability region",
        summary="A map of 64 × 64 heavy-ball runs shows the learning rates and momenta that "
        "converge on the valley: the edge is the line ηλ = 2(1 + μ).",
        explanation="On x² + 100y² the steep direction has curvature λ = 200. Plain descent is "
        "stable only while ηλ < 2, so at η = 0.015 (ηλ = 3) it diverges within 5 steps. "
        "Heavy-ball momentum (m ← μm + g, θ ← θ − ηm) is stable while ηλ < 2(1 + μ) "
        "(Polyak): with μ = 0.9 the same η converges (loss 306 → 0.03 by step 100), with "
        "μ = 0.3 (limit η < 0.013) it diverges at step 8. The map beside the surface runs "
        "every (η, μ) of a 64 × 64 grid at once: grey cells diverged, and the grey region "
        "starts at η = (1 + μ)/100, from 0.01 at μ = 0 to 0.02 at μ → 1 (Distill's "
        "stability region). Click a cell to race that run.",
        scenario=SurfaceScenario(
            surface="elongated_quadratic",
            params=ELONGATED_VALLEY,
            steps=500,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 0.015}, color=0, label="sgd"),
                Run(
                    "momentum",
                    {"learning_rate": 0.015, "momentum": 0.9},
                    color=1,
                    label="momentum 0.9",
                ),
                Run(
                    "momentum",
                    {"learning_rate": 0.015, "momentum": 0.3},
                    color=4,
                    label="momentum 0.3",
                ),
            ),
            hyper_map=HyperMapSetting(
                run=1,
                x=MapAxisSetting("learning_rate", 1e-4, 1.0, 64, "log"),
                y=MapAxisSetting("momentum", 0.0, 0.9999, 64),
            ),
        ),
    ),
    Lesson(
        id="eigen-directions",
        section="3.4",
        title="Which direction converges: the loss per eigendirection",
        summary="On a quadratic valley the loss is one part per Hessian eigendirection; descent "
        "removes the steep part and crawls along the flat one, momentum takes both down.",
        explanation="On x² + 100y² the loss is the sum of two parts, one per eigendirection of "
        "the Hessian: x² (λ = 2, along the valley) and 100y² (λ = 200, across). The fourth "
        "chart shows them (solid: along, dashed: across). Plain descent multiplies each part "
        "by (1 − ηλ)² per step: at η = 0.005 = 1/200 the across part is gone after one step, "
        "while the along part keeps 98 % per step (81 → 10.9 by step 100). At η = 0.0099, just "
        "under the stability limit, the run flips across the valley every step and both "
        "parts shrink by 0.96 per step. Momentum with Polyak's best settings for κ = 100 "
        "(η = 0.0165, μ = 0.67) first overshoots across (225 → 1,190 at step 1), then takes "
        "both parts down together, by about μ per step: its loss is below 10⁻⁶ at step 61, "
        "while neither descent gets below 10⁻³ in 300 steps.",
        scenario=SurfaceScenario(
            surface="elongated_quadratic",
            params=ELONGATED_VALLEY,
            steps=300,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 0.005}, color=0, label="sgd 0.005"),
                Run("sgd", {"learning_rate": 0.0099}, color=2, label="sgd 0.0099"),
                Run(
                    "momentum",
                    {"learning_rate": 0.0165, "momentum": 0.67},
                    color=1,
                    label="momentum",
                ),
            ),
        ),
    ),
    # --- 4. Learning rate ---------------------------------------------------------------
    Lesson(
        id="elongated-valley",
        section="4.1",
        title="No single η fits an elongated valley",
        summary="On x² + 100y² one learning rate bounces between the walls and a smaller one "
        "crawls.",
        explanation="x² + 100y²: with η = 10⁻² the y-step factor is 1 − 2·100·η = −1, so the "
        "run bounces between the walls forever; the loss flattens at 225 while ‖∇f‖ stays "
        "at 300. With η = 10⁻⁷ it barely moves (loss 306 → 289 in 2,000 steps). Compare "
        "loss and gradient norm in the charts: the loss stopped decreasing, the gradient "
        "did not become small.",
        scenario=SurfaceScenario(
            surface="elongated_quadratic",
            params=ELONGATED_VALLEY,
            steps=2000,
            speed=10,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 1e-2}, color=0, label="η = 1e-2"),
                Run("sgd", {"learning_rate": 1e-7}, color=1, label="η = 1e-7"),
            ),
        ),
    ),
    Lesson(
        id="adaptive-rates",
        section="4.2",
        title="A rate per parameter fits the valley",
        summary="Adagrad divides each coordinate's step by its own gradient history and "
        "reaches the minimum that plain descent bounces around.",
        explanation="Per-parameter rates θᵢ ← θᵢ − (η/σᵢ)gᵢ: Adagrad's σᵢ is the root of "
        "the sum of θᵢ's past squared gradients (optax's form). On x² + 100y² the first "
        "gradient is (−18, 300), so σ_y is about 17 times σ_x from the start: the steep "
        "direction gets small steps, the flat one large ones. With η = 1 Adagrad's loss falls "
        "from 306 below 0.02 in 100 steps and to 10⁻¹⁵ by step 500, while plain descent at "
        "η = 10⁻² still bounces at 225. The Adagrad run's card shows (σ_x, σ_y) at each step.",
        scenario=SurfaceScenario(
            surface="elongated_quadratic",
            params=ELONGATED_VALLEY,
            steps=500,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 1e-2}, color=0, label="sgd"),
                Run("adagrad", {"learning_rate": 1.0}, color=3, label="adagrad"),
            ),
        ),
    ),
    Lesson(
        id="adaptive-blowup",
        section="4.3",
        title="Per-parameter rates blow up and come back; decay fixes it",
        summary="The lecture's Adagrad divides by the root mean square of past gradients: "
        "after many small ones σ shrinks and the steps explode, again and again; a decaying η "
        "removes the explosions.",
        explanation="The lecture's Adagrad (adagrad_rms) divides by σᵢ, the root MEAN square of "
        "θᵢ's past gradients. On x² + 100y² with η = 0.5 the run reaches the valley floor at "
        "step 27; there the y-gradients are tiny, so σ_y keeps shrinking (31.7 at step 150, "
        "29.7 at step 170). Once σ_y is below η·λ_y/2 = 50 the step η/σ_y is past stability "
        "and the tiny wobble across the valley grows until the loss is back at about 530 "
        "(step 175). The large gradients push σ_y back up, the run settles, and the small "
        "ones pull it down again: the loss blows up to about 392, 328, 284 and 254 (steps "
        "478, 870, 1,336, 1,867). Halving η every 200 steps (exponential decay) keeps η/σ_y "
        "below the limit: after the floor the loss never rises above 1 again. optax's "
        "adagrad divides by the root of the SUM, which never shrinks, so it cannot do this; "
        "RMSProp with a long memory (decay 0.998) shows the same effect more mildly (about "
        "50, 26, 16).",
        scenario=SurfaceScenario(
            surface="elongated_quadratic",
            params=ELONGATED_VALLEY,
            steps=2000,
            speed=10,
            log_scale=False,
            runs=(
                Run("adagrad_rms", {"learning_rate": 0.5}, color=4, label="adagrad (lecture)"),
                Run(
                    "adagrad_rms",
                    {"learning_rate": 0.5},
                    color=2,
                    label="adagrad (lecture) + decay",
                    schedule={
                        "name": "exponential_decay",
                        "transition_steps": 200,
                        "decay_rate": 0.5,
                        "transition_begin": 0,
                    },
                ),
                Run("rmsprop", {"learning_rate": 0.1, "decay": 0.998}, color=3, label="rmsprop"),
            ),
        ),
    ),
    Lesson(
        id="warmup",
        section="4.4",
        title="Warm-up avoids bad early steps",
        summary="Growing η over the first 100 steps keeps RMSProp's first step from jumping "
        "out of Rosenbrock's valley.",
        explanation="RMSProp (decay 0.999) starts with σ = 0, so after one gradient σ is only "
        "√0.001·|g| and the first step is about 32η per coordinate: on Rosenbrock it jumps "
        "out of the valley and the loss goes 24 → 357. Warming η up over 100 steps lets σ "
        "settle first; both then follow a cosine decay and end level (loss ≈ 1.1 at step "
        "500).",
        scenario=SurfaceScenario(
            surface="rosenbrock",
            steps=500,
            log_scale=True,
            runs=(
                Run(
                    "rmsprop",
                    {"learning_rate": 0.03, "decay": 0.999},
                    color=4,
                    label="no warm-up",
                    schedule={**COSINE_DECAY, "decay_steps": 500},
                ),
                Run(
                    "rmsprop",
                    {"learning_rate": 0.03, "decay": 0.999},
                    color=2,
                    label="warm-up",
                    schedule={
                        "name": "warmup",
                        "warmup_steps": 100,
                        "init_value": 0.0,
                        "then": {**COSINE_DECAY, "decay_steps": 400},
                    },
                ),
            ),
        ),
    ),
    Lesson(
        id="condition-number",
        section="4.5",
        title="κ decides how hard the valley is",
        summary="A map of the steps each (η, μ) needs on x² + κy²: drag κ and watch plain "
        "descent's best grow like κ and momentum's like √κ.",
        explanation="κ, the ratio of the valley's two curvatures, decides how hard it is. The "
        "map beside the surface counts, for every (η, μ) of heavy ball, the steps until the "
        "loss is within 10⁻³ of the minimum (grey: diverged; blank: not within 2,000 steps). "
        "At κ = 100 the best cell needs 36 steps (η ≈ 0.015, μ ≈ 0.7), the best plain descent "
        "(the bottom row, μ = 0) 325: the two runs show both (36 and 326 steps). Drag κ: at "
        "κ = 10 the best cell needs 8 steps and plain descent 34; at κ = 1000 the best cell "
        "needs 123, and no plain descent gets there in 2,000 steps. Plain descent's steps "
        "grow like κ, momentum's about like √κ, and the fast region moves to smaller η and "
        "larger μ.",
        scenario=SurfaceScenario(
            surface="elongated_quadratic",
            params=ELONGATED_VALLEY,
            steps=2000,
            speed=10,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 0.0086}, color=0, label="sgd"),
                Run("momentum", {"learning_rate": 0.015, "momentum": 0.7}, color=1),
            ),
            hyper_map=HyperMapSetting(
                run=1,
                x=MapAxisSetting("learning_rate", 1e-5, 1.0, 64, "log"),
                y=MapAxisSetting("momentum", 0.0, 0.9999, 64),
                metric="steps_to_tolerance",
            ),
        ),
    ),
    # --- 5. Classification --------------------------------------------------------------
    Lesson(
        id="mse-plateau",
        section="5.1",
        title="MSE on softmax stalls where cross-entropy descends",
        summary="Under MSE on softmax outputs the wrong-answer corner is a plateau: huge "
        "loss, almost no gradient.",
        explanation="Over two logits (y₃ held low, target class 1), start in the wrong-answer "
        "corner (−8, 8). Under MSE on the softmax outputs, e = Σᵢ(ŷᵢ − yᵢ′)², this is a "
        "plateau: the loss is almost 2 and the gradient about 6·10⁻⁷, so gradient descent "
        "with η = 1 moves 0.0002 in 300 steps. Adam's per-parameter scaling rescues even the "
        "MSE run, after some 50 flat steps; the next lesson runs the same start on "
        "cross-entropy.",
        scenario=SurfaceScenario(
            surface="logits_mse",
            start=(-8.0, 8.0),
            steps=300,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 1.0}, color=0),
                Run("adam", {"learning_rate": 0.1}, color=1),
            ),
        ),
    ),
    Lesson(
        id="cross-entropy-slope",
        section="5.2",
        title="Cross-entropy keeps a slope where the answer is wrong",
        summary="From the same wrong-answer corner, cross-entropy's gradient carries plain "
        "descent to the right answer in a few steps.",
        explanation="Softmax turns logits into probabilities, yᵢ′ = exp(yᵢ)/Σⱼexp(yⱼ): "
        "(3, 1, −3) → (0.88, 0.12, 0.00). Cross-entropy, e = −Σᵢ ŷᵢ ln yᵢ′ = −ln y₁′ for "
        "target class 1, grows without bound where the answer is wrong instead of "
        "flattening. From the corner (−8, 8) where MSE stalls, the loss is 16 and the "
        "gradient has norm 1.4, so the same gradient descent (η = 1) brings the loss below "
        "0.25 in 10 steps and to 0.002 by step 300. Changing the loss function changed the "
        "difficulty of optimization.",
        scenario=SurfaceScenario(
            surface="logits_cross_entropy",
            start=(-8.0, 8.0),
            steps=300,
            log_scale=False,
            runs=(
                Run("sgd", {"learning_rate": 1.0}, color=0),
                Run("adam", {"learning_rate": 0.1}, color=1),
            ),
        ),
    ),
    Lesson(
        id="loss-comparison",
        section="5.3",
        title="Cross-entropy vs MSE, side by side",
        summary="Both error surfaces over two logits with the same run on each: MSE stalls, "
        "cross-entropy descends.",
        explanation="A 3-class problem's loss over two logits y₁ and y₂ after softmax, with "
        "the third logit held very low and class 1 the answer. Mean squared error has a huge "
        "flat plateau where the answer is wrong: the loss is large but the gradient tiny, so "
        "training gets stuck. Cross-entropy keeps a slope there. Same start (−8, 8), same "
        "optimizer (gradient descent, η = 1, 300 steps): the MSE run ends where it started, "
        "at loss 2.0, the cross-entropy run at 0.002.",
        scenario=NetworkScenario(
            experiment="loss_comparison",
            params={
                "y3": -20.0,
                "start": [-8.0, 8.0],
                "optimizer": "sgd",
                "learning_rate": 1.0,
                "steps": 300,
                "resolution": 101,
            },
        ),
    ),
    # --- 6. Normalization ---------------------------------------------------------------
    Lesson(
        id="feature-scaling",
        section="6.1",
        title="Feature scaling turns a valley into a bowl",
        summary="A linear model on features of very different scales has an elongated error "
        "surface; standardizing them makes it round.",
        explanation="The model ŷ = w₁x₁ + w₂x₂ with MSE, where x₂ spreads 10 times as wide as "
        "x₁: w₂ moves the loss far more than w₁, and the error surface is a valley with "
        "condition number 106 (the ratio of the Hessian's eigenvalues). Standardizing each "
        "feature, x ← (x − μ)/σ, makes it a bowl (condition number 1.1). The same gradient "
        "descent (η = 1.9/λ_max of the scaled case, 100 steps) zig-zags across the valley "
        "and is still 10% above the minimum loss, while on the standardized features it "
        "reaches the minimum.",
        scenario=NORMALIZATION,
    ),
    Lesson(
        id="batch-norm",
        section="6.2",
        title="Batch normalization smooths the landscape",
        summary="The same ReLU network with and without batch norm at the same learning "
        "rates: batch norm trains faster, flatter and survives a large η.",
        explanation="Batch normalization standardizes each layer's inputs over the batch "
        "(with moving averages μ̄, σ̄ at test time). The same network, plain SGD on moons, "
        "with and without it: at η = 0.1 batch norm reaches a lower training loss (0.09 vs "
        "0.26 after 30 epochs) in a smoother place, with a top Hessian eigenvalue of 1.3 "
        "against 12.7. At η = 3 the plain network collapses to chance (50% test accuracy) "
        "while batch norm trains on (97%). The 2-D slices show both landscapes around the η = 0.1 "
        "solutions.",
        scenario=NORMALIZATION,
    ),
    Lesson(
        id="skip-connections",
        section="6.3",
        title="Skip connections at depth 20: not yet Li et al.'s picture",
        summary="The same 20-layer convolutional network with and without skip connections "
        "on handwritten digits: the skips train better in two seeds of three, and the slices "
        "around both solutions look alike.",
        explanation="Li et al. (2018) found that deep networks without skip connections have "
        "chaotic landscapes while ResNets stay smooth, and that the difference grows with depth "
        "(ResNet-56 and -110 on CIFAR-10). Here a ResNet-style network of depth 20 (8 channels) "
        "is trained on the 8 × 8 digits with and without its skips, three seeds, 12 epochs of "
        "Adam each, and each solution's filter-normalized slice is measured: at this depth "
        "nothing separates the two in every seed. With skips the network reaches a training "
        "loss of 0.25 and 0.46 and 92% and 82% test accuracy in two seeds, where the plain "
        "network lags at 0.57 and 0.67 (74% and 69%); in the third the plain network is the "
        "better one (0.38 and 85% against 0.94 and 72%). The slices curve down less with skips "
        "in two seeds, the plain network's has an extra local minimum in one, and the skip "
        "networks' minima are the sharper ones in two seeds (λ_max 176–597 against 228–455). "
        "How fragile 12 epochs at this depth are, the lab saw itself: a change in the order "
        "the engine adds its floating-point terms moved one seed from one side to the other, "
        "so Li et al.'s picture needs more depth, data and training than a 2-core lesson has.",
        scenario=NetworkScenario(
            experiment="skip_connections",
            params={"seeds": 3},
            setup=SKIP_CONNECTIONS_SETUP,
        ),
    ),
    Lesson(
        id="input-features",
        section="6.4",
        title="The right features make a line enough",
        summary="A network without hidden layers cannot separate two rings on (x₁, x₂); on "
        "(x₁², x₂²) the same model does it in three epochs.",
        explanation="A network without hidden layers draws a straight boundary: "
        "w₁f₁ + w₂f₂ + b = 0 in whatever features f it reads. Two rings around the origin are "
        "not split by any line in (x₁, x₂), but they are in (x₁², x₂²): there the boundary "
        "w₁x₁² + w₂x₂² = −b is an ellipse. Trained on the circles (noise 0.1) for 40 epochs of "
        "Adam (η = 0.05), the model on x₁, x₂ stays at the loss of guessing, ln 2 ≈ 0.69, and "
        "47–56% training accuracy (three seeds); the same model on x₁², x₂² passes 95% within "
        "three epochs and ends at 97–100% on the test points. TensorFlow Playground's lesson: "
        "the right features do what hidden layers would otherwise have to learn. Untick x₁² "
        "and x₂², tick x₁ and x₂, and press Play to watch the line fail.",
        scenario=NetworkScenario(
            experiment="train",
            params={},
            setup=INPUT_FEATURES_SETUP,
        ),
    ),
)

BY_ID: Mapping[str, Lesson] = {lesson.id: lesson for lesson in LESSONS}


def get_lesson(lesson_id: str) -> Lesson:
    """The lesson with this id; ``KeyError`` otherwise."""
    return BY_ID[lesson_id]
