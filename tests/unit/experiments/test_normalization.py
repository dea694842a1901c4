"""The normalization experiment: exact linear error surfaces, and a network with and without BN."""

from dataclasses import replace
from typing import Any

import jax
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial

from descentlab.core.experiments.normalization import (
    BOUNCE,
    NormalizationParams,
    _directions,
    check_params,
    linear_datasets,
    run,
)
from descentlab.core.experiments.train import NetworkSetup, train_setup
from descentlab.core.nets.hessian import dense_hessian
from descentlab.core.nets.models import MLPSpec, apply, init_params
from descentlab.core.nets.network_losses import flat_loss


def _full_batch_loss(spec: MLPSpec, trained: Any, dataset: Any, unravel: Any) -> Any:
    """The cross-entropy with batch norm in training mode over the whole set, written out."""
    x = jax.numpy.asarray(dataset.x_train, jax.numpy.float64)
    labels = np.asarray(dataset.y_train)

    def loss(theta: Any) -> Any:
        outputs, _ = apply(spec, unravel(theta), trained.batch_stats, x, train=True)
        log_p = jax.nn.log_softmax(outputs.astype(jax.numpy.float64), axis=-1)
        return -jax.numpy.mean(log_p[np.arange(labels.size), labels])

    return loss


def _full_batch_hessian(spec: MLPSpec, trained: Any, dataset: Any) -> np.ndarray:
    theta, unravel = ravel_pytree(trained.params)
    loss = _full_batch_loss(spec, trained, dataset, unravel)
    return np.asarray(jax.hessian(loss)(theta.astype(np.float64)), np.float64)


TINY = NetworkSetup(
    widths=(4,), n_samples=60, epochs=3, batch_size=16, activation="relu", optimizer="sgd"
)
# 0.5 trains; 10⁴ blows the weights up to inf/NaN within an epoch.
PARAMS = NormalizationParams(
    samples=80, setup=TINY, learning_rates=(0.5, 1e4), slice_learning_rate=0.5, slice_resolution=5
)


@pytest.fixture(scope="module")
def reported() -> tuple[dict[str, Any], list[float]]:
    progress: list[float] = []
    return run(PARAMS, progress.append), progress


def _cases(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {case["name"]: case for case in result["linear"]["cases"]}


def _design(params: NormalizationParams) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    scaled, standardized = linear_datasets(params)
    return {
        name: (data.x_train.astype(np.float64), data.y_train.astype(np.float64))
        for name, data in (("scaled", scaled), ("standardized", standardized))
    }


def _no_nan(value: Any) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _no_nan(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_nan(item)
    elif isinstance(value, np.ndarray):
        assert np.all(np.isfinite(value.astype(np.float64)))
    elif isinstance(value, float):
        assert np.isfinite(value)


def test_curvatures_and_minima_are_the_exact_ones(reported: tuple[dict[str, Any], list]) -> None:
    result, _ = reported
    cases = _cases(result)
    for name, (x, y) in _design(PARAMS).items():
        hessian = 2.0 * x.T @ x / len(y)
        case = cases[name]
        assert case["condition_number"] == pytest.approx(np.linalg.cond(hessian), rel=1e-12)
        assert case["eigenvalues"] == pytest.approx(np.linalg.eigvalsh(hessian), rel=1e-12)
        minimum = np.linalg.lstsq(x, y, rcond=None)[0]
        assert case["minimum"] == pytest.approx(minimum, rel=1e-9, abs=1e-12)
    # Independent features: standardizing makes the bowl nearly round, and the scaled
    # valley's curvatures differ by about the square of the spreads' ratio.
    assert cases["standardized"]["condition_number"] < 1.6
    assert 50 < cases["scaled"]["condition_number"] < 200
    assert result["linear"]["feature_scales"] == pytest.approx([10**-0.5, 10**0.5])


def test_the_surfaces_are_the_mean_squared_error(reported: tuple[dict[str, Any], list]) -> None:
    result, _ = reported
    cases = _cases(result)
    for name, (x, y) in _design(PARAMS).items():
        surface = cases[name]["surface"]
        gx, gy, z = (np.asarray(surface[k]) for k in ("x", "y", "z"))
        assert z.shape == (PARAMS.resolution, PARAMS.resolution)
        for i, j in [(0, 0), (3, 50), (30, 30), (60, 7)]:
            direct = np.mean(np.square(y - x @ np.array([gx[i], gy[j]])))
            assert z[j, i] == pytest.approx(direct, rel=1e-9)
        # The window is centred on the minimum and holds the start.
        assert [gx[30], gy[30]] == pytest.approx(cases[name]["minimum"])
        assert gx[0] < 0 < gx[-1] and gy[0] < 0 < gy[-1]
    widths = {name: np.ptp(case["surface"]["x"]) for name, case in cases.items()}
    assert widths["scaled"] == pytest.approx(widths["standardized"])


def test_descent_follows_the_closed_form_and_standardizing_wins(
    reported: tuple[dict[str, Any], list],
) -> None:
    result, _ = reported
    linear = result["linear"]
    cases = _cases(result)
    eta = linear["learning_rate"]
    assert eta == pytest.approx(BOUNCE / cases["scaled"]["eigenvalues"][1])
    start = np.asarray(linear["start"])
    for name, (x, y) in _design(PARAMS).items():
        hessian = 2.0 * x.T @ x / len(y)
        minimum = np.linalg.lstsq(x, y, rcond=None)[0]
        path = np.asarray(cases[name]["path"])
        assert path.shape == (PARAMS.steps + 1, 2)
        step = np.eye(2) - eta * hessian
        for k in (1, 7, PARAMS.steps):
            expected = minimum + np.linalg.matrix_power(step, k) @ (start - minimum)
            assert path[k] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        losses = np.mean(np.square(y[None, :] - path @ x.T), axis=1)
        assert cases[name]["loss"] == pytest.approx(losses, rel=1e-9)
        assert cases[name]["diverged_at"] is None
    scaled, standardized = cases["scaled"], cases["standardized"]
    assert standardized["final_loss"] < scaled["final_loss"]
    # The scaled run zig-zags across its valley: w₂'s steps alternate in sign.
    w2_steps = np.diff(np.asarray(scaled["path"])[:10, 1])
    assert np.all(w2_steps[:-1] * w2_steps[1:] < 0)


def test_a_learning_rate_beyond_the_valley_walls_diverges_without_nan(
    reported: tuple[dict[str, Any], list],
) -> None:
    result, _ = reported
    eta = 2.5 / _cases(result)["scaled"]["eigenvalues"][1]  # stable limit: 2 / λ_max
    cases = _cases(run(replace(PARAMS, learning_rate=eta, learning_rates=(0.5,)), lambda f: None))
    assert cases["scaled"]["diverged_at"] is not None
    assert cases["scaled"]["final_loss"] is None
    assert len(cases["scaled"]["path"]) == cases["scaled"]["diverged_at"]
    assert cases["standardized"]["diverged_at"] is None
    _no_nan(cases)


def test_sharpness_is_the_top_eigenvalue_of_the_dense_hessian(
    reported: tuple[dict[str, Any], list],
) -> None:
    result, _ = reported
    runs = {(r["batch_norm"], r["learning_rate"]): r for r in result["batch_norm"]["runs"]}
    assert set(runs) == {(bn, rate) for bn in (False, True) for rate in PARAMS.learning_rates}
    for bn in (False, True):
        setup = replace(TINY, batch_norm=bn, learning_rate=0.5)
        dataset, spec, trained = train_setup(setup)
        theta, _ = ravel_pytree(trained.params)
        # the landscape training descends: batch norm over the whole training set
        top = float(np.linalg.eigvalsh(_full_batch_hessian(spec, trained, dataset))[-1])
        reported_run = runs[(bn, 0.5)]
        assert reported_run["sharpness"] == pytest.approx(top, rel=1e-3)
        frozen = Partial(
            flat_loss(spec, setup.loss), trained.batch_stats, dataset.x_train, dataset.y_train
        )
        top_frozen = float(np.linalg.eigvalsh(dense_hessian(frozen, theta))[-1])
        if bn:  # with the running averages frozen: another number
            assert reported_run["sharpness_eval"] == pytest.approx(top_frozen, rel=1e-3)
            assert abs(top_frozen - top) > 1e-3 * top
        else:
            assert reported_run["sharpness_eval"] is None
            assert top_frozen == pytest.approx(top, rel=1e-6)
        assert reported_run["train_loss"] == pytest.approx(trained.history["train_loss"][-1])
        assert not reported_run["diverged"]


def test_slices_are_centred_on_the_trained_weights(
    reported: tuple[dict[str, Any], list],
) -> None:
    result, _ = reported
    runs = {(r["batch_norm"], r["learning_rate"]): r for r in result["batch_norm"]["runs"]}
    slices = result["batch_norm"]["slices"]
    assert [(s["batch_norm"], s["learning_rate"]) for s in slices] == [(False, 0.5), (True, 0.5)]
    for piece in slices:
        z = np.asarray(piece["z"])
        assert z.shape == (5, 5) and np.all(np.isfinite(z))
        assert piece["centre"]["matches"]
        setup = replace(TINY, batch_norm=piece["batch_norm"], learning_rate=0.5)
        dataset, spec, trained = train_setup(setup)
        theta, unravel = ravel_pytree(trained.params)
        full_batch = float(_full_batch_loss(spec, trained, dataset, unravel)(theta))
        if not piece["batch_norm"]:  # then the same as the model's own (evaluation) loss
            assert full_batch == pytest.approx(runs[(False, 0.5)]["train_loss"], rel=1e-5)
        assert piece["centre"]["direct"] == pytest.approx(full_batch, rel=1e-5)
        assert z[2, 2] == pytest.approx(full_batch, rel=1e-5)  # α = β = 0 is on the grid


def test_a_diverging_network_is_flagged_and_reported_without_nan(
    reported: tuple[dict[str, Any], list],
) -> None:
    result, progress = reported
    for entry in result["batch_norm"]["runs"]:
        assert entry["diverged"] == (entry["learning_rate"] == 1e4)
    diverged = [r for r in result["batch_norm"]["runs"] if not r["batch_norm"] and r["diverged"]]
    assert diverged[0]["train_loss"] is None  # this one went non-finite
    _no_nan(result)
    assert progress == sorted(progress)
    assert progress[-1] == 1.0


def test_bad_parameters_are_refused_before_any_work() -> None:
    for bad in (
        replace(PARAMS, feature_scale=0.0),
        replace(PARAMS, learning_rates=()),
        replace(PARAMS, learning_rate=-1.0),
    ):
        with pytest.raises(ValueError):
            check_params(bad)
    with pytest.raises(ValueError, match="unknown optimizer"):
        check_params(replace(PARAMS, optimizer="sgdx"))


def test_the_default_lesson_shows_batch_norm_training_where_plain_descent_fails() -> None:
    """The defaults tell the story the docstring promises (seeded, so deterministic)."""
    params = NormalizationParams()
    result = run(replace(params, slice_resolution=3, iterations=8), lambda f: None)
    runs = {(r["batch_norm"], r["learning_rate"]): r for r in result["batch_norm"]["runs"]}
    top = max(params.learning_rates)
    assert runs[(True, top)]["test_accuracy"] > runs[(False, top)]["test_accuracy"] + 0.2
    low = min(params.learning_rates)
    assert runs[(True, low)]["train_loss"] < runs[(False, low)]["train_loss"]
    # batch norm smooths the landscape training descends (12.7 vs 1.3 when measured)
    assert runs[(True, low)]["sharpness"] < 0.5 * runs[(False, low)]["sharpness"]
    assert result["batch_norm"]["slice_learning_rate"] == params.learning_rates[1]


def test_the_same_random_draw_moves_both_networks() -> None:
    """Directions for a BN net and a plain one share their Gaussian numbers, BN leaves zero."""
    key = jax.random.key(3)
    plain = init_params(MLPSpec(2, (4, 3), 2), jax.random.key(0))
    with_bn = init_params(MLPSpec(2, (4, 3), 2, batch_norm=True), jax.random.key(0))
    for d_plain, d_bn in zip(_directions(plain, key), _directions(with_bn, key), strict=True):
        for layer_plain, layer_bn, weights in zip(
            d_plain["layers"], d_bn["layers"], with_bn["layers"], strict=True
        ):
            # Same weights at init (same key), so the same filter-normalized direction.
            assert np.allclose(layer_plain["w"], layer_bn["w"])
            assert np.all(np.asarray(layer_bn["b"]) == 0)
            for leaf in ("scale", "bias"):
                if leaf in weights:
                    assert np.all(np.asarray(layer_bn[leaf]) == 0)
