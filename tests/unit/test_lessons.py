"""Every lesson, run on the engine exactly as it opens, makes the claim its explanation makes.

A 2-D lesson runs ``run_trajectories`` with exactly its runs (``lessons.engine``); a network
lesson runs its experiment with exactly the params its Run button sends, validated and
converted as ``POST /api/experiments`` does. The claim checks live here, one per lesson
id (``CLAIMS``): a lesson without one fails ``test_every_lesson_has_a_claim_check``.
Each check's docstring is the claim. Results are computed once per scenario.
"""

import json
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from descentlab.api.schemas.experiments import ExperimentRequest, core_params
from descentlab.core.analysis import PointAnalysis, analyze_point
from descentlab.core.experiments.normalization import BOUNCE, NormalizationParams, linear_datasets
from descentlab.core.experiments.registry import EXPERIMENTS
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.quadratic import quadratic_of
from descentlab.core.schedules import SCHEDULES, WARMUP_PARAMETERS
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunResult
from descentlab.lessons import LESSONS, SECTIONS, Lesson, NetworkScenario, SurfaceScenario
from descentlab.lessons.catalogue import SHARP_MINIMUM, get_lesson
from descentlab.lessons.engine import map_of, objective_of, run_configs, run_scenario, start_of
from descentlab.lessons.format import setup_fields

PALETTE_SIZE = 8  # frontend/js/state.js PALETTE
MAX_RUNS = 8  # frontend/js/state.js MAX_RUNS
EXPERIMENT_REQUEST: TypeAdapter[Any] = TypeAdapter(ExperimentRequest)
ONE_OR_TWO_SAMPLES = 0.015  # of an accuracy on 100 test (or 300 training) samples


# --- running a lesson ---------------------------------------------------------------------


def surface(lesson: Lesson) -> SurfaceScenario:
    assert isinstance(lesson.scenario, SurfaceScenario), lesson.id
    return lesson.scenario


@cache
def runs_of(lesson_id: str) -> dict[str, RunResult]:
    """The lesson's runs by label (the optimizer's name when unlabelled)."""
    scenario = surface(get_lesson(lesson_id))
    results = run_scenario(scenario)
    return {run.label or run.optimizer: r for run, r in zip(scenario.runs, results, strict=True)}


def inspected(lesson: Lesson) -> PointAnalysis:
    scenario = surface(lesson)
    assert scenario.inspect is not None
    return analyze_point(objective_of(scenario), scenario.inspect)


@cache
def _experiment(body: str) -> Any:
    request = EXPERIMENT_REQUEST.validate_python(json.loads(body))
    return EXPERIMENTS[request.kind].run(core_params(request), lambda *_: None)


def experiment_of(lesson: Lesson) -> Any:
    """The experiment's result for exactly the body the lesson's Run button sends."""
    assert isinstance(lesson.scenario, NetworkScenario), lesson.id
    body = lesson.scenario.to_json()["experiment"]
    return _experiment(json.dumps(body, sort_keys=True))


def by_rate(runs: list[dict[str, Any]], batch_norm: bool, rate: float) -> dict[str, Any]:
    (run,) = [r for r in runs if r["batch_norm"] is batch_norm and r["learning_rate"] == rate]
    return run


# --- the claims, one per lesson -----------------------------------------------------------

CLAIMS: dict[str, Callable[[Lesson], None]] = {}


def claim(lesson_id: str) -> Callable[[Callable[[Lesson], None]], Callable[[Lesson], None]]:
    def register(check: Callable[[Lesson], None]) -> Callable[[Lesson], None]:
        assert lesson_id not in CLAIMS, f"two claim checks for {lesson_id}"
        CLAIMS[lesson_id] = check
        return check

    return register


@claim("w1w2-saddle")
def _w1w2_saddle(lesson: Lesson) -> None:
    """g = 0 and H = [[0, −2], [−2, 0]] at the origin, eigenvalues ∓2: a saddle. Plain GD
    never moves; the noisy run falls off along ±(1, 1) onto the valley w₁w₂ = 1."""
    origin = inspected(lesson)
    assert origin.kind == "saddle"
    np.testing.assert_allclose(origin.gradient, [0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(origin.hessian, [[0.0, -2.0], [-2.0, 0.0]], atol=1e-12)
    np.testing.assert_allclose(origin.eigenvalues, [-2.0, 2.0], atol=1e-12)
    runs = runs_of(lesson.id)
    plain, noisy = runs["sgd"], runs["sgd + noise"]
    assert np.all(plain.points == 0.0) and np.all(plain.loss == 1.0)
    assert noisy.diverged_at is None
    w1, w2 = noisy.points[-1]
    assert abs(w1 * w2 - 1.0) < 0.05 and noisy.loss[-1] < 1e-3
    along = abs(np.dot(noisy.points[-1], [1.0, 1.0])) / (np.linalg.norm(noisy.points[-1]) * 2**0.5)
    assert along > 0.99  # it left along ±(1, 1)


@claim("escape-direction")
def _escape_direction(lesson: Lesson) -> None:
    """λ = −2 with u ∝ (1, 1) at the origin; the start (0.1, 0.1) is a step along u where
    the Taylor model predicts 0.98 and the loss is 0.9801; descent reaches (1, 1) by step 100."""
    origin = inspected(lesson)
    assert origin.escape_direction is not None
    assert origin.eigenvalues[0] == pytest.approx(-2.0)
    u = origin.escape_direction
    np.testing.assert_allclose(np.abs(u), [2**-0.5, 2**-0.5], atol=1e-12)
    start = np.asarray(start_of(surface(lesson)))
    assert abs(np.dot(start, u)) == pytest.approx(np.linalg.norm(start))  # start ∥ u
    predicted = origin.value + 0.5 * origin.eigenvalues[0] * float(start @ start)
    (run,) = runs_of(lesson.id).values()
    assert predicted == pytest.approx(0.98)
    assert run.loss[0] == pytest.approx(0.9801) and run.loss[0] < origin.value
    assert np.linalg.norm(run.points[100] - [1.0, 1.0]) < 1e-6


@claim("skip-connections")
def _skip_connections(lesson: Lesson) -> None:
    """Three seeds at depth 20: skips train better in two seeds (training loss 0.25 and 0.46
    against 0.57 and 0.67; test accuracy 92% and 82% against 74% and 69%), the plain network
    in the third (0.38 and 85% against 0.94 and 72%); the slices curve down less with skips
    in two seeds, the plain one has an extra minimum in one, and the skip networks are the
    sharper ones in two seeds (λ_max 176-597 against 228-455)."""
    result = experiment_of(lesson)
    networks = result["networks"]
    assert len(networks) == 6 and all(n["centre"]["matches"] for n in networks)
    assert {n["parameters"] for n in networks} == {10682}
    by_seed = {(n["seed"], n["skip_connections"]): n for n in networks}
    better = [
        by_seed[seed, True]["train_loss"] < by_seed[seed, False]["train_loss"]
        and by_seed[seed, True]["test_accuracy"] > by_seed[seed, False]["test_accuracy"]
        for seed in (0, 1, 2)
    ]
    assert better == [True, True, False]
    rounded = {key: round(n["train_loss"], 2) for key, n in by_seed.items()}
    assert [rounded[s, True] for s in (0, 1, 2)] == [0.25, 0.46, 0.94]
    assert [rounded[s, False] for s in (0, 1, 2)] == [0.57, 0.67, 0.38]
    accuracy = {key: round(100 * n["test_accuracy"]) for key, n in by_seed.items()}
    assert [accuracy[s, True] for s in (0, 1, 2)] == [92, 82, 72]
    assert [accuracy[s, False] for s in (0, 1, 2)] == [74, 69, 85]
    rows = {row["measure"]: row for row in result["comparison"]}
    assert rows["negative_curvature"]["lower_with_skips"] == 2
    assert rows["local_minima"]["without_skips"].count(2) == 1  # an extra minimum: one seed
    assert rows["local_minima"]["with_skips"] == [1, 1, 1]
    assert rows["sharpness"]["lower_with_skips"] == 1  # the skips' minima: sharper in two
    assert min(rows["sharpness"]["with_skips"]) > 175 and max(rows["sharpness"]["with_skips"]) < 598
    assert (
        min(rows["sharpness"]["without_skips"]) > 227
        and max(rows["sharpness"]["without_skips"]) < 456
    )


@claim("input-features")
def _input_features(lesson: Lesson) -> None:
    """Circles, no hidden layer, 40 epochs: on x₁², x₂² past 95% training accuracy within
    three epochs and 97-100% test accuracy (seeds 0-2); on x₁, x₂ the loss stays at ln 2
    and the training accuracy at 47-56%. The lesson opens on the squares."""
    assert isinstance(lesson.scenario, NetworkScenario) and lesson.scenario.setup is not None
    opened = lesson.scenario.setup
    assert opened.features == ("x1_squared", "x2_squared") and opened.widths == ()
    squares = experiment_of(lesson)["history"]
    assert squares["train_accuracy"][3] >= 0.95 and squares["test_accuracy"][-1] >= 0.97
    for seed in (0, 1, 2):
        for features in (("x1_squared", "x2_squared"), ("x1", "x2")):
            setup = replace(opened, features=features, seed=seed, data_seed=seed)
            history = EXPERIMENTS["train"].run(setup, lambda *_: None)["history"]
            if features == ("x1", "x2"):
                assert history["train_loss"][-1] == pytest.approx(np.log(2), abs=0.005)
                assert 0.46 <= history["train_accuracy"][-1] <= 0.57
            else:
                assert history["train_accuracy"][3] >= 0.95
                assert history["train_accuracy"][-1] >= 0.985
                assert history["test_accuracy"][-1] >= 0.97 - 1e-6  # float32 97%


@claim("minimum-ratio")
def _minimum_ratio(lesson: Lesson) -> None:
    """Twelve networks (22 and 32 parameters), 0–100 epochs, all polished to ‖∇‖ < 1e-8;
    every one a saddle with ratio in [0.8, 0.97], none reaching 1."""
    result = experiment_of(lesson)
    networks = result["networks"]
    assert len(networks) == 12
    assert {n["parameters"] for n in networks} == {22, 32}
    assert min(n["epochs_trained"] for n in networks) == 0
    assert max(n["epochs_trained"] for n in networks) == 100
    for n in networks:
        assert n["converged"] and n["gradient_norm"] < 1e-8
        assert n["positive"] + n["negative"] + n["near_zero"] == n["parameters"]
        assert n["negative"] >= 1 and n["positive"] >= 1  # mixed signs: a saddle
        assert n["minimum_ratio"] == n["positive"] / n["parameters"]
        assert 0.8 <= n["minimum_ratio"] <= 0.97
    assert result["summary"]["reached_one"] == 0


@claim("noise-sharp-minimum")
def _noise_sharp_minimum(lesson: Lesson) -> None:
    """The start is the narrow minimum; plain GD stays there; both noisy runs leave it
    within 470 steps and spend ≥ 90% of the last 200 steps in the wide one."""
    objective = objective_of(surface(lesson))
    sharp, flat = (np.array([m.x, m.y]) for m in get_surface("sharp_flat").minima)
    assert tuple(sharp) == SHARP_MINIMUM
    narrow, wide = analyze_point(objective, tuple(sharp)), analyze_point(objective, tuple(flat))
    assert narrow.kind == wide.kind == "minimum"
    assert narrow.eigenvalues[-1] > 10 * wide.eigenvalues[-1]  # sharp vs flat
    runs = runs_of(lesson.id)
    assert np.max(np.linalg.norm(runs["sgd"].points - sharp, axis=1)) < 1e-6
    for label in ("noise, seed 35", "noise, seed 63"):
        run = runs[label]
        away = np.linalg.norm(run.points - sharp, axis=1) > 0.45
        assert away.any() and int(np.argmax(away)) < 470, label
        near_wide = np.linalg.norm(run.points[-200:] - flat, axis=1) < 0.7
        assert np.mean(near_wide) >= 0.9, label


def slice_rise(piece: dict[str, Any]) -> float:
    """How far a 1-D slice's training loss rises from its centre to its two ends (mean)."""
    x, train = np.asarray(piece["x"]), np.asarray(piece["train"])
    (centre,) = np.flatnonzero(x == 0.0)
    return float((train[0] + train[-1]) / 2 - train[centre])


@claim("small-vs-large-batch")
def _small_vs_large_batch(lesson: Lesson) -> None:
    """Batch 1's gradient is the noisiest (0 at the full batch); it trains and generalizes
    better (93%/95% vs 84%/88%) and has the smallest top eigenvalue (≈ 0.7 vs 2.3), but the
    sharpest run is batch 8 (3.6), and the slices drawn say the opposite of the eigenvalues:
    batch 1's rises by 1.35 at ±1, the full batch's by 0.74, its weights being larger (11.3
    vs 4.8); the full batch ends at training loss 0.36, batch 1 at 0.18."""
    result = experiment_of(lesson)
    runs = result["runs"]
    assert [r["batch_size"] for r in runs] == [1, 8, 64, 300]
    noise = [r["gradient_noise"] for r in runs]
    assert noise == sorted(noise, reverse=True) and len(set(noise)) == 4 and noise[-1] == 0.0
    small, full = runs[0], runs[-1]
    # Networks train in float32: a sample or two (an accuracy's last digit) may differ by device.
    assert small["train_accuracy"] == pytest.approx(0.93, abs=ONE_OR_TWO_SAMPLES)
    assert small["test_accuracy"] == pytest.approx(0.95, abs=ONE_OR_TWO_SAMPLES)
    assert full["train_accuracy"] == pytest.approx(0.84, abs=ONE_OR_TWO_SAMPLES)
    assert full["test_accuracy"] == pytest.approx(0.88, abs=ONE_OR_TWO_SAMPLES)
    assert small["train_loss"] == pytest.approx(0.18, abs=0.01)
    assert full["train_loss"] == pytest.approx(0.36, abs=0.01)
    sharpness = [r["sharpness"] for r in runs]
    assert small["sharpness"] == pytest.approx(0.7, rel=0.1) and min(sharpness) == sharpness[0]
    assert full["sharpness"] == pytest.approx(2.3, rel=0.1)
    assert max(sharpness) == runs[1]["sharpness"] == pytest.approx(3.6, rel=0.1)  # batch 8
    assert small["weight_norm"] == pytest.approx(11.3, rel=0.05)
    assert full["weight_norm"] == pytest.approx(4.8, rel=0.05)

    # The figure's slices (batch 1, then the full batch): the steeper one is batch 1's.
    slices = result["slices"]
    assert [s["batch_size"] for s in slices] == [1, 300]
    assert [s["x"][0] for s in slices] == [-1.0, -1.0] and [s["x"][-1] for s in slices] == [1, 1]
    small_rise, full_rise = slice_rise(slices[0]), slice_rise(slices[1])
    assert small_rise == pytest.approx(1.35, rel=0.05)
    assert full_rise == pytest.approx(0.74, rel=0.05)

    # The table's words (batch 1 against the full batch; −1: batch 1's number is lower):
    # better optimization and generalization, a flatter minimum, a noisier gradient.
    orders = result["comparison"]["orders"]
    assert (orders["train_accuracy"], orders["test_accuracy"]) == (1, 1)
    assert orders["sharpness"] == -1
    assert orders["gradient_noise"] == 1


@claim("momentum-saddle")
def _momentum_saddle(lesson: Lesson) -> None:
    """Plain GD is within 0.1 of the saddle at step 500; momentum is past |y| = 1 by step
    170 and leaves the map (diverged)."""
    runs = runs_of(lesson.id)
    plain, momentum = runs["sgd"], runs["momentum"]
    assert plain.diverged_at is None and np.linalg.norm(plain.points[500]) < 0.1
    assert abs(momentum.points[170][1]) > 1.0
    assert momentum.diverged_at is not None and momentum.diverged_at < 300


@claim("momentum-bump")
def _momentum_bump(lesson: Lesson) -> None:
    """Plain GD stops in the shallow minimum near (2.75, 2.75); momentum reaches the global
    one at (−2.90, −2.90)."""
    scenario = surface(lesson)
    runs = runs_of(lesson.id)
    end = runs["sgd"].points[-1]
    np.testing.assert_allclose(end, [2.7468, 2.7468], atol=1e-3)
    local = analyze_point(objective_of(scenario), tuple(end))
    assert local.kind == "minimum"
    (best,) = get_surface(scenario.surface).minima
    assert local.value > best.value + 20  # a shallow dip, not the global minimum
    np.testing.assert_allclose(runs["momentum"].points[-1], [best.x, best.y], atol=1e-3)


def _alternates(values: np.ndarray) -> bool:
    return bool(np.all(np.sign(values[1:]) == -np.sign(values[:-1])))


@claim("elongated-valley")
def _elongated_valley(lesson: Lesson) -> None:
    """η = 1e-2 bounces between the walls: loss flat at 225, ‖∇f‖ at 300; η = 1e-7 crawls,
    306 → 289 in 2,000 steps."""
    runs = runs_of(lesson.id)
    bouncing, crawling = runs["η = 1e-2"], runs["η = 1e-7"]
    assert _alternates(bouncing.points[:, 1])
    assert bouncing.loss[-1] == pytest.approx(225.0, rel=1e-9)
    assert np.ptp(bouncing.loss[1500:]) < 1e-6
    np.testing.assert_allclose(bouncing.grad_norm[1500:], 300.0, rtol=1e-9)
    assert crawling.loss[0] == pytest.approx(306.0)
    assert crawling.loss[-1] == pytest.approx(289.0, abs=0.5)
    assert np.all(np.diff(crawling.loss) < 0)


@claim("adaptive-rates")
def _adaptive_rates(lesson: Lesson) -> None:
    """The first gradient is (−18, 300) and Adagrad's σ_y ≈ 17 σ_x; Adagrad (η = 1) is
    below 0.02 by step 100 and 1e-15 by 500 while sgd (η = 1e-2) bounces at 225."""
    runs = runs_of(lesson.id)
    adagrad = runs["adagrad"]
    np.testing.assert_allclose(adagrad.gradient[0], [-18.0, 300.0])
    sigma = adagrad.state["sigma"][0]
    assert sigma[1] / sigma[0] == pytest.approx(17, abs=0.5)
    assert adagrad.loss[0] == pytest.approx(306.0)
    assert adagrad.loss[100] < 0.02 and adagrad.loss[500] < 1e-14
    assert runs["sgd"].loss[-1] == pytest.approx(225.0, rel=1e-6)


def _peaks_after_the_floor(loss: np.ndarray) -> list[float]:
    """The loss's local maxima above 1 after it first fell below 1."""
    floor = int(np.argmax(loss < 1.0))
    later = loss[floor:]
    inner = (later[1:-1] > later[:-2]) & (later[1:-1] >= later[2:]) & (later[1:-1] > 1.0)
    return [float(v) for v in later[1:-1][inner]]


@claim("momentum-stability")
def _momentum_stability(lesson: Lesson) -> None:
    """At η = 0.015 on λ = 200 plain descent diverges within 5 steps, momentum 0.9 converges
    (306 → 0.03 by step 100), momentum 0.3 diverges at step 8; the map's grey cells are
    exactly those with ηλ ≥ 2(1 + μ), its edge from η = 0.01 (μ = 0) to 0.02 (μ → 1)."""
    runs = runs_of(lesson.id)
    assert runs["sgd"].diverged_at is not None and runs["sgd"].diverged_at <= 5
    assert runs["momentum 0.3"].diverged_at == 8
    heavy = runs["momentum 0.9"]
    assert heavy.diverged_at is None
    assert heavy.loss[0] == pytest.approx(306) and heavy.loss[100] == pytest.approx(0.03, abs=0.005)
    result = map_of(surface(lesson))
    eta, mu = result.x.values, result.y.values
    unstable = eta[None, :] * 200.0 >= 2.0 * (1.0 + mu[:, None])
    near = np.abs(np.log(eta[None, :] * 200.0 / (2.0 * (1.0 + mu[:, None])))) < np.log(1.2)
    np.testing.assert_array_equal(result.diverged[~near], unstable[~near])
    # The largest stable η on each row sits just under (1 + μ)/100, within one grid step.
    grid_step = eta[1] / eta[0]
    for j in (0, len(mu) - 1):
        largest = eta[~result.diverged[j]].max()
        assert (1 + mu[j]) / 100 / grid_step <= largest < (1 + mu[j]) / 100
    assert mu[0] == 0.0 and mu[-1] == pytest.approx(1.0, abs=1e-3)


@claim("eigen-directions")
def _eigen_directions(lesson: Lesson) -> None:
    """Each part shrinks by (1 − ηλ)² per step under descent: at η = 1/200 the across part
    is gone after one step, the along part keeps 98 % (81 → 10.9 by step 100); at 0.0099 both
    shrink by 0.96; momentum overshoots across (225 → 1,190), then its loss is below 10⁻⁶ at
    step 61 while neither descent gets below 10⁻³ in 300 steps."""
    quadratic = quadratic_of(objective_of(surface(lesson)))
    assert quadratic is not None
    np.testing.assert_allclose(quadratic.eigenvalues, (2.0, 200.0))
    runs = runs_of(lesson.id)
    parts = {label: quadratic.components(run.points) for label, run in runs.items()}
    t = np.arange(301)
    exact = parts["sgd 0.005"]
    assert exact[1, 1] < 1e-20 * exact[0, 1]
    np.testing.assert_allclose(exact[:, 0], 81.0 * 0.99 ** (2 * t), rtol=1e-9)
    assert exact[100, 0] == pytest.approx(10.9, abs=0.05)
    near = parts["sgd 0.0099"]
    np.testing.assert_allclose(near[:, 1], 225.0 * (1 - 0.0099 * 200) ** (2 * t), rtol=1e-6)
    np.testing.assert_allclose(near[:, 0], 81.0 * (1 - 0.0099 * 2) ** (2 * t), rtol=1e-9)
    assert near[11, 1] / near[10, 1] == pytest.approx(0.96, abs=0.001)  # "by 0.96 per step"
    heavy = runs["momentum"]
    assert parts["momentum"][1, 1] == pytest.approx(1190.25)
    assert int(np.argmax(heavy.loss < 1e-6)) == 61
    assert runs["sgd 0.005"].loss.min() > 1e-3 and runs["sgd 0.0099"].loss.min() > 1e-3


@claim("condition-number")
def _condition_number(lesson: Lesson) -> None:
    """The map's best cell needs 8, 36 and 123 steps at κ = 10, 100, 1000; its μ = 0 row 34,
    325 and never within 2,000 steps; the best at κ = 100 is near η = 0.015, μ = 0.7; the
    runs get within 10⁻³ at steps 326 (descent) and 36 (momentum)."""
    scenario = surface(lesson)
    best, descent = {}, {}
    for kappa in (10.0, 100.0, 1000.0):
        reached = map_of(replace(scenario, params={"condition": kappa})).reached_at
        best[kappa] = np.nanmin(reached)
        descent[kappa] = np.nanmin(reached[0]) if np.isfinite(reached[0]).any() else None
        if kappa == 100.0:
            result = map_of(scenario)
            j, i = np.unravel_index(np.nanargmin(result.reached_at), result.reached_at.shape)
            assert result.x.values[i] == pytest.approx(0.015, rel=0.05)
            assert result.y.values[j] == pytest.approx(0.7, abs=0.01)
            assert result.y.values[0] == 0.0 and result.steps == 2000
    assert best == {10.0: 8, 100.0: 36, 1000.0: 123}
    assert descent == {10.0: 34, 100.0: 325, 1000.0: None}
    runs = runs_of(lesson.id)
    assert int(np.argmax(runs["sgd"].loss <= 1e-3)) == 326
    assert int(np.argmax(runs["momentum"].loss <= 1e-3)) == 36


@claim("adaptive-blowup")
def _adaptive_blowup(lesson: Lesson) -> None:
    """The lecture's Adagrad reaches the floor at step 27, then σ_y shrinks below
    η·λ_y/2 = 50 and the loss blows up to ~530, 392, 328, 284, 254 at steps 175, 478, 870,
    1,336, 1,867; with decay it never rises above 1 after the floor; RMSProp (0.998) shoots
    up to ~50, ~26, ~16."""
    runs = runs_of(lesson.id)
    plain, decayed = runs["adagrad (lecture)"], runs["adagrad (lecture) + decay"]
    assert int(np.argmax(plain.loss < 1.0)) == 27
    peaks = _peaks_after_the_floor(plain.loss)
    for peak, stated in zip(peaks, (530, 392, 328, 284, 254), strict=True):
        assert peak == pytest.approx(stated, rel=0.02)
    assert len(peaks) == 5
    assert [int(t) for t in np.flatnonzero(np.isin(plain.loss, peaks))] == [
        175,
        478,
        870,
        1336,
        1867,
    ]
    sigma_y = plain.state["sigma"][:, 1]  # after update t, i.e. at step t + 1
    assert sigma_y[149] == pytest.approx(31.7, abs=0.05) and sigma_y[169] == pytest.approx(
        29.7, abs=0.05
    )
    assert np.all(sigma_y[150:172] < 0.5 * 200 / 2)  # η·λ_y/2: past stability before the blow-up
    assert (decayed.loss < 1.0).any() and _peaks_after_the_floor(decayed.loss) == []
    rmsprop = _peaks_after_the_floor(runs["rmsprop"].loss)
    assert len(rmsprop) == 3
    for peak, stated in zip(rmsprop, (50, 26, 16), strict=True):
        assert peak == pytest.approx(stated, rel=0.1)
    assert all(r.diverged_at is None for r in runs.values())


@claim("warmup")
def _warmup(lesson: Lesson) -> None:
    """RMSProp's first step is ~32η per coordinate and the loss goes 24 → 357; with warm-up
    it never rises above its start; both end at ≈ 1.1."""
    runs = runs_of(lesson.id)
    cold, warm = runs["no warm-up"], runs["warm-up"]
    eta = surface(lesson).runs[0].hyper["learning_rate"]
    first_step = np.abs(cold.points[1] - cold.points[0]) / eta
    np.testing.assert_allclose(first_step, 1 / np.sqrt(0.001), rtol=1e-6)  # ≈ 31.6
    assert cold.loss[0] == pytest.approx(24.2) and cold.loss[1] == pytest.approx(357, abs=0.5)
    assert np.max(warm.loss) == warm.loss[0]
    assert cold.loss[-1] == pytest.approx(1.1, abs=0.1)
    assert warm.loss[-1] == pytest.approx(1.1, abs=0.1)


@claim("mse-plateau")
def _mse_plateau(lesson: Lesson) -> None:
    """At (−8, 8) the MSE is almost 2 with a gradient ≈ 6·10⁻⁷; η = 1 moves 0.0002 in 300
    steps; Adam is still flat at step 50 and then descends."""
    runs = runs_of(lesson.id)
    sgd, adam = runs["sgd"], runs["adam"]
    assert 1.99 < sgd.loss[0] < 2.0
    assert sgd.grad_norm[0] == pytest.approx(6e-7, rel=0.1)
    moved = np.linalg.norm(sgd.points[-1] - sgd.points[0])
    assert moved == pytest.approx(2e-4, rel=0.1)
    assert adam.loss[50] > 1.9 and adam.loss[-1] < 1e-3


@claim("cross-entropy-slope")
def _cross_entropy_slope(lesson: Lesson) -> None:
    """softmax(3, 1, −3) = (0.88, 0.12, 0.00); at (−8, 8) the loss is 16 with ‖g‖ ≈ 1.4;
    η = 1 is below 0.25 in 10 steps and at 0.002 by step 300."""
    logits = np.array([3.0, 1.0, -3.0])
    probabilities = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_array_equal(np.round(probabilities, 2), [0.88, 0.12, 0.0])
    sgd = runs_of(lesson.id)["sgd"]
    assert sgd.loss[0] == pytest.approx(16.0, abs=1e-6)
    assert sgd.grad_norm[0] == pytest.approx(2**0.5, rel=1e-3)
    assert sgd.loss[10] < 0.25
    assert sgd.loss[-1] == pytest.approx(0.002, abs=5e-4)


@claim("loss-comparison")
def _loss_comparison(lesson: Lesson) -> None:
    """Same start (−8, 8), same η = 1, 300 steps: MSE ends where it started, at 2.0;
    cross-entropy at 0.002."""
    result = experiment_of(lesson)
    mse, ce = (result["losses"][k]["run"] for k in ("mse", "cross_entropy"))
    for run in (mse, ce):
        np.testing.assert_array_equal(run["points"][0], [-8.0, 8.0])
        assert len(run["loss"]) == 301
    assert mse["loss"][-1] == pytest.approx(2.0, abs=1e-3)
    assert np.linalg.norm(mse["points"][-1] - mse["points"][0]) < 3e-4
    assert ce["loss"][-1] == pytest.approx(0.002, abs=5e-4)


def _normalization_params(lesson: Lesson) -> NormalizationParams:
    assert isinstance(lesson.scenario, NetworkScenario)
    request = EXPERIMENT_REQUEST.validate_python(lesson.scenario.to_json()["experiment"])
    params: NormalizationParams = core_params(request)
    return params


@claim("feature-scaling")
def _feature_scaling(lesson: Lesson) -> None:
    """x₂ spreads 10× x₁; condition number 106 scaled, 1.1 standardized; with η = 1.9/λ_max
    the scaled run zig-zags and is still ~10% above the minimum after 100 steps, the
    standardized one reaches it."""
    scaled_data, standardized_data = linear_datasets(_normalization_params(lesson))
    spreads = np.std(scaled_data.x_train, axis=0)
    assert spreads[1] / spreads[0] == pytest.approx(10.0, rel=0.1)
    # cond(XᵀX) = cond(X)², read independently of the experiment's Hessian.
    scaled_condition = np.linalg.cond(scaled_data.x_train.astype(np.float64)) ** 2
    round_condition = np.linalg.cond(standardized_data.x_train.astype(np.float64)) ** 2
    result = experiment_of(lesson)["linear"]
    scaled, standardized = result["cases"]
    assert (scaled["name"], standardized["name"]) == ("scaled", "standardized")
    assert scaled["condition_number"] == pytest.approx(scaled_condition, rel=1e-6)
    assert standardized["condition_number"] == pytest.approx(round_condition, rel=1e-6)
    assert scaled["condition_number"] == pytest.approx(106, abs=1)
    assert standardized["condition_number"] == pytest.approx(1.1, abs=0.05)
    assert result["learning_rate"] == pytest.approx(BOUNCE / scaled["eigenvalues"][1])
    assert result["steps"] == 100
    gap = (scaled["final_loss"] - scaled["minimum_loss"]) / scaled["minimum_loss"]
    assert gap == pytest.approx(0.10, abs=0.02)
    assert standardized["final_loss"] - standardized["minimum_loss"] < 1e-9
    # Zig-zag: the offset from the minimum along the steep eigenvector flips sign each step.
    x = scaled_data.x_train.astype(np.float64)
    _, vectors = np.linalg.eigh(2 * x.T @ x / len(x))
    across = (np.asarray(scaled["path"]) - scaled["minimum"]) @ vectors[:, 1]
    assert _alternates(across[:20])


@claim("batch-norm")
def _batch_norm(lesson: Lesson) -> None:
    """At η = 0.1 batch norm ends lower (0.09 vs 0.26) and flatter (top eigenvalue 1.3 vs
    12.7); at η = 3 the plain network collapses to 50% test accuracy, batch norm gets 97%."""
    result = experiment_of(lesson)["batch_norm"]
    runs = result["runs"]
    plain, normed = by_rate(runs, False, 0.1), by_rate(runs, True, 0.1)
    assert normed["train_loss"] == pytest.approx(0.09, abs=0.01)
    assert plain["train_loss"] == pytest.approx(0.26, abs=0.01)
    assert normed["sharpness"] == pytest.approx(1.3, rel=0.1)
    assert plain["sharpness"] == pytest.approx(12.7, rel=0.1)
    plain, normed = by_rate(runs, False, 3.0), by_rate(runs, True, 3.0)
    assert plain["diverged"] and plain["test_accuracy"] == pytest.approx(0.5, abs=0.005)
    assert not normed["diverged"]
    assert normed["test_accuracy"] == pytest.approx(0.97, abs=ONE_OR_TWO_SAMPLES)
    assert result["slice_learning_rate"] == 0.1
    assert sorted(s["batch_norm"] for s in result["slices"]) == [False, True]


# --- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_the_lesson_makes_its_claim(lesson: Lesson) -> None:
    CLAIMS[lesson.id](lesson)


def test_every_lesson_has_a_claim_check() -> None:
    assert sorted(CLAIMS) == sorted(lesson.id for lesson in LESSONS)


def test_ids_are_unique_slugs() -> None:
    ids = [lesson.id for lesson in LESSONS]
    assert len(set(ids)) == len(ids)
    for lesson_id in ids:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", lesson_id)


def test_lessons_follow_the_curriculum_and_every_section_has_two() -> None:
    places = [(lesson.section_number, lesson.position) for lesson in LESSONS]
    assert places == sorted(places)
    for number in SECTIONS:
        positions = [p for s, p in places if s == number]
        assert positions == list(range(1, len(positions) + 1)), number  # 1, 2, … in order
        assert len(positions) >= 2, number
    assert {s for s, _ in places} == set(SECTIONS) == set(range(1, 7))


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?][”)]*(?=\s|$)", text))


def test_every_lesson_says_what_it_shows() -> None:
    for lesson in LESSONS:
        assert len(lesson.title) > 5 and lesson.title == lesson.title.strip(), lesson.id
        assert _sentences(lesson.summary) == 1, lesson.id
        assert 2 <= _sentences(lesson.explanation) <= 6, lesson.id


def test_a_lesson_id_or_section_that_is_not_well_formed_is_refused() -> None:
    scenario = LESSONS[0].scenario
    for lesson_id, section in (("Momentum", "3.1"), ("a--b", "3.1"), ("ok", "7.1"), ("ok", "3")):
        with pytest.raises(ValueError):
            Lesson(lesson_id, section, "title", "One.", "Two. Three.", scenario)


def test_surface_scenarios_use_what_the_lab_offers() -> None:
    for lesson in LESSONS:
        scenario = lesson.scenario
        if not isinstance(scenario, SurfaceScenario):
            continue
        spec = get_surface(scenario.surface)
        spec.params_from(scenario.params)  # known constants only
        (x_lo, x_hi), (y_lo, y_hi) = spec.domain
        for point in (start_of(scenario), scenario.inspect):
            if point is not None:
                assert x_lo <= point[0] <= x_hi and y_lo <= point[1] <= y_hi, lesson.id
        assert 1 <= len(scenario.runs) <= MAX_RUNS and 1 <= scenario.steps <= 20_000
        names = [run.label or run.optimizer for run in scenario.runs]
        assert len(set(names)) == len(names), lesson.id  # runs tell apart
        for run, config in zip(scenario.runs, run_configs(scenario), strict=True):
            known = {"learning_rate", *config.optimizer.hyperparameter_names}
            assert set(run.hyper) <= known and "learning_rate" in run.hyper, lesson.id
            assert 0 <= run.color < PALETTE_SIZE
            schedule = run.schedule
            while schedule is not None:
                names_known = {p.name for p in WARMUP_PARAMETERS}
                if schedule["name"] != "warmup":
                    names_known = {p.name for p in SCHEDULES[schedule["name"]].parameters}
                assert set(schedule) - {"name", "then"} <= names_known, lesson.id
                schedule = schedule.get("then")
        assert all(run.optimizer in OPTIMIZERS for run in scenario.runs)


def test_network_scenarios_are_requests_the_api_accepts() -> None:
    for lesson in LESSONS:
        scenario = lesson.scenario
        if not isinstance(scenario, NetworkScenario):
            continue
        body = scenario.to_json()
        request = EXPERIMENT_REQUEST.validate_python(body["experiment"])
        assert request.kind == scenario.experiment
        if scenario.setup is not None:  # the page shows the setup the experiment trains
            assert body["state"] == setup_fields(scenario.setup)
            trained = request.params if scenario.experiment == "train" else request.params.setup
            assert trained.model_dump() == scenario.setup.__dict__


def test_the_json_form_is_plain_json_with_the_lab_state_fields() -> None:
    lab_fields = {
        "surface", "params", "view", "logScale", "start", "steps", "speed", "runs", "inspect",
        "hmap",
    }  # fmt: skip
    for lesson in LESSONS:
        body = lesson.to_json()
        assert json.loads(json.dumps(body)) == body  # no tuples, nothing JSON cannot hold
        assert body["url"] == (
            f"/?lesson={lesson.id}"
            if isinstance(lesson.scenario, SurfaceScenario)
            else f"/networks.html?lesson={lesson.id}"
        )
        assert body["section_title"] == SECTIONS[lesson.section_number]
        if body["scenario"]["kind"] == "surface":
            assert set(body["scenario"]["state"]) == lab_fields
            for run in body["scenario"]["state"]["runs"]:
                assert set(run) == {
                    "optimizer",
                    "hyper",
                    "schedule",
                    "noise",
                    "seed",
                    "color",
                    "label",
                }


@pytest.mark.parametrize("seed", [1, 2])
def test_the_batch_size_lessons_measured_pattern_holds_on_other_init_seeds(seed: int) -> None:
    """Lesson 2.2 says its pattern holds over init seeds 0–7; two of them besides the
    lesson's own: batch 1 has the smallest top eigenvalue and yet the steeper slice, and
    generalizes at least as well as the full batch."""
    (lesson,) = [lesson for lesson in LESSONS if lesson.id == "small-vs-large-batch"]
    assert isinstance(lesson.scenario, NetworkScenario)
    body = lesson.scenario.to_json()["experiment"]
    body["params"]["setup"]["seed"] = seed
    result = _experiment(json.dumps(body, sort_keys=True))
    runs = result["runs"]
    sharpness = [r["sharpness"] for r in runs]
    assert min(sharpness) == sharpness[0], sharpness
    small, full = result["slices"]
    assert slice_rise(small) > slice_rise(full)
    assert runs[0]["test_accuracy"] >= runs[-1]["test_accuracy"]
