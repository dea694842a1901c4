"""The skip-connection experiment: both variants from the same start, their slices measured
and compared seed by seed, refused for what cannot run."""

from dataclasses import replace

import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree
from jax.tree_util import Partial

from descentlab.core.experiments.skip_connections import (
    MEASURES,
    SkipConnectionsParams,
    check_params,
    run,
)
from descentlab.core.experiments.train import NetworkSetup, train_setup
from descentlab.core.nets import hessian, landscape
from descentlab.core.nets.network_losses import flat_loss

SMALL = NetworkSetup(
    dataset="digits",
    architecture="cnn",
    depth=6,
    channels=3,
    activation="relu",
    optimizer="adam",
    learning_rate=0.003,
    batch_size=64,
    epochs=2,
)


def test_both_variants_are_trained_sliced_and_compared_per_seed() -> None:
    params = SkipConnectionsParams(
        setup=SMALL, seeds=2, resolution=7, span=0.5, slice_samples=64, iterations=40
    )
    reports: list[float] = []
    result = run(params, lambda fraction, *_: reports.append(fraction))
    assert reports == sorted(reports) and reports[-1] == pytest.approx(1.0)
    networks = result["networks"]
    assert [(n["seed"], n["skip_connections"]) for n in networks] == [
        (0, True),
        (0, False),
        (1, True),
        (1, False),
    ]
    for network in networks:
        setup = replace(SMALL, seed=network["seed"], skip_connections=network["skip_connections"])
        dataset, spec, trained = train_setup(setup)  # the same training again: the same loss
        assert network["train_loss"] == pytest.approx(trained.history["train_loss"][-1])
        # The sharpness is the top eigenvalue of the dense Hessian of the slice's own loss.
        theta, _ = ravel_pytree(trained.params)
        rows = (jnp.asarray(dataset.x_train[:64]), jnp.asarray(dataset.y_train[:64]))
        bound = Partial(flat_loss(spec, setup.loss), trained.batch_stats, *rows)
        spectrum = hessian.full_spectrum(bound, theta).eigenvalues
        assert network["measures"]["sharpness"] == pytest.approx(spectrum[-1], rel=1e-4)
        assert network["centre"]["matches"]
        z = np.asarray(network["z"])
        assert z.shape == (7, 7) and result["z_range"][0] <= z.min() <= z.max()
        assert z.max() <= result["z_range"][1]
        shape = landscape.slice_shape(np.asarray(network["x"]), np.asarray(network["y"]), z)
        assert {k: network["measures"][k] for k in shape} == shape
        measures = network["measures"]
        # Ritz values lie within the spectrum (to float32 rounding of the products).
        slack = 1e-6 * abs(spectrum[-1])
        assert spectrum[0] - slack <= measures["lowest_eigenvalue"] <= measures["sharpness"]
        assert measures["centre_ratio"] == pytest.approx(
            abs(measures["lowest_eigenvalue"] / measures["sharpness"])
        )
    # The two variants of a seed differ (the skips change the function, not the start).
    assert networks[0]["train_loss"] != networks[1]["train_loss"]
    assert [row["measure"] for row in result["comparison"]] == list(MEASURES)
    for row in result["comparison"]:
        pairs = zip(row["with_skips"], row["without_skips"], strict=True)
        assert row["lower_with_skips"] == sum(a < b for a, b in pairs)
        assert row["seeds"] == 2
    assert result["slice_samples"] == 64


def test_what_cannot_run_is_refused() -> None:
    with pytest.raises(ValueError, match="architecture cnn"):
        check_params(SkipConnectionsParams(setup=NetworkSetup(dataset="digits")))
    with pytest.raises(ValueError, match="needs images"):
        check_params(SkipConnectionsParams(setup=NetworkSetup(dataset="moons", architecture="cnn")))
    with pytest.raises(ValueError, match="lower epochs or seeds"):
        check_params(
            SkipConnectionsParams(setup=NetworkSetup(**{**SMALL.__dict__, "epochs": 60}), seeds=5)
        )
