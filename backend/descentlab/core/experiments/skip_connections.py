"""What skip connections do to a deep network's landscape (the ``skip_connections``
experiment; Li et al. 2018, §5 and Fig. 5: ResNets and their "noshort" twins).

The same ResNet-style network (``models.ConvSpec``) is trained twice per seed from the same
initial weights, once with its skip connections and once without, on image data. Each
trained network's training loss is then sliced along two filter-normalized random
directions drawn from the same noise (the two networks have the same parameter shapes,
so only the normalization differs, as it must), and each slice is measured
(``landscape.slice_shape``: negative curvature, non-convex share, local minima), with the
sharpness at the trained weights and Li et al.'s |λmin/λmax| there (Lanczos). The result
says, measure by measure, in how many seeds the network with skips was the smoother one:
on 8 × 8 digits and the depths two cores afford, that is a finding to check, not a given
(Li et al. saw the difference grow from ResNet-20 to ResNet-56 and -110 on CIFAR-10).

The slices average the loss over a fixed sample of the training set (``slice_samples``,
the same rows for every slice): a 31 × 31 slice is 961 passes over it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Annotated, Any

import jax
import jax.numpy as jnp
import numpy as np
from annotated_types import Ge, Gt, Le
from jax.flatten_util import ravel_pytree

from descentlab.core.base import Doc, Result
from descentlab.core.experiments.train import (
    MAX_SAMPLE_EPOCHS,
    NetworkSetup,
    check,
    flat_objective,
    objective_data,
    sample_count,
    train_setup,
)
from descentlab.core.nets import hessian, landscape
from descentlab.core.nets.models import count_params
from descentlab.core.nets.network_losses import network_loss

# Smaller is smoother for every measure compared; each is read per network.
MEASURES: tuple[str, ...] = (
    "negative_curvature",
    "nonconvex_share",
    "local_minima",
    "sharpness",
    "centre_ratio",
)


def _default_setup() -> NetworkSetup:
    """ResNet-20's depth at 8 channels on the digits; Adam at 0.003 trains both variants."""
    return NetworkSetup(
        dataset="digits",
        architecture="cnn",
        depth=20,
        channels=8,
        activation="relu",
        optimizer="adam",
        learning_rate=0.003,
        batch_size=64,
        epochs=12,
    )


@dataclass(frozen=True)
class SkipConnectionsParams:
    """A deep network trained with and without skip connections: both landscapes, measured."""

    setup: NetworkSetup = field(default_factory=_default_setup)
    seeds: Annotated[int, Ge(1), Le(5), Doc("pairs of networks, seeds seed … seed + seeds − 1")] = 1
    resolution: Annotated[int, Ge(5), Le(51)] = 31
    span: Annotated[float, Gt(0), Le(2), Doc("α, β ∈ [−span, span] (filter-normalized)")] = 1.0
    slice_samples: Annotated[
        int, Ge(32), Le(2048), Doc("training samples each slice's loss averages (at most all)")
    ] = 256
    iterations: Annotated[int, Ge(8), Le(100), Doc("Lanczos steps at each trained network")] = 24


def check_params(params: SkipConnectionsParams) -> None:
    """Raise ValueError for what cannot run (told to the user as a 422)."""
    check(params.setup)
    if params.setup.architecture != "cnn":
        raise ValueError("skip connections are a convolutional network's: set architecture cnn")
    runs = 2 * params.seeds
    if sample_count(params.setup) * params.setup.epochs * runs > 2 * MAX_SAMPLE_EPOCHS:
        raise ValueError(
            f"samples × epochs × {runs} networks exceeds {2 * MAX_SAMPLE_EPOCHS}: "
            "lower epochs or seeds"
        )


def _compare(networks: list[dict[str, Any]], seeds: list[int]) -> list[dict[str, Any]]:
    """Per measure: both variants' values by seed, and in how many seeds skips were lower."""
    rows = []
    for name in MEASURES:
        by = {
            skip: [
                next(n for n in networks if n["seed"] == s and n["skip_connections"] == skip)[
                    "measures"
                ][name]
                for s in seeds
            ]
            for skip in (True, False)
        }
        lower = sum(
            int(a < b) for a, b in zip(by[True], by[False], strict=True) if np.isfinite(a + b)
        )
        rows.append(
            {
                "measure": name,
                "with_skips": by[True],
                "without_skips": by[False],
                "lower_with_skips": lower,
                "seeds": len(seeds),
            }
        )
    return rows


def run(params: SkipConnectionsParams, progress: Callable[[float], None]) -> Result:
    seeds = [params.setup.seed + index for index in range(params.seeds)]
    total = 2 * len(seeds)
    axis = np.linspace(-params.span, params.span, params.resolution)
    networks: list[dict[str, Any]] = []
    for seed in seeds:
        for skip in (True, False):
            done = len(networks) / total

            def report(fraction: float, done: float = done) -> None:
                progress(done + fraction / total)

            setup = replace(params.setup, seed=seed, skip_connections=skip)
            dataset, spec, trained = train_setup(setup, lambda f: report(0.3 * f))
            rows = min(params.slice_samples, len(dataset.x_train))
            x, y = jnp.asarray(dataset.x_train[:rows]), jnp.asarray(dataset.y_train[:rows])
            # The same noise for both variants: their parameter shapes are the same.
            key = jax.random.key(seed)
            d1 = landscape.random_direction(trained.params, jax.random.fold_in(key, 1))
            d2 = landscape.random_direction(trained.params, jax.random.fold_in(key, 2))
            grid = landscape.slice_2d(
                network_loss(spec, setup.loss),
                trained.params,
                d1,
                d2,
                axis,
                axis,
                objective_data(setup, trained.batch_stats, x, y),
                between=partial(report, 0.3),
            )
            report(0.85)
            theta, _ = ravel_pytree(trained.params)
            bound = flat_objective(spec, setup, trained.batch_stats, x, y)
            ritz = hessian.lanczos(
                bound, theta, params.iterations, key, between=partial(report, 0.85)
            )
            values = np.linalg.eigvalsh(ritz.tridiagonal())
            top, bottom = float(values[-1]), float(values[0])
            shape = landscape.slice_shape(grid["x"], grid["y"], grid["z"])
            networks.append(
                {
                    "seed": seed,
                    "skip_connections": skip,
                    "parameters": count_params(spec),
                    "train_loss": float(trained.history["train_loss"][-1]),
                    "test_accuracy": float(trained.history["test_accuracy"][-1]),
                    "history": trained.history,
                    "x": grid["x"],
                    "y": grid["y"],
                    "z": grid["z"],
                    "centre": grid["centre"],
                    "measures": {
                        **shape,
                        "sharpness": top,
                        "lowest_eigenvalue": bottom,
                        "centre_ratio": abs(bottom / top) if top > 0 else float("nan"),
                    },
                }
            )
            report(1.0)
    values = np.concatenate([np.ravel(n["z"]) for n in networks])
    finite = values[np.isfinite(values)]
    return {
        "slice_samples": min(params.slice_samples, sample_count(params.setup)),
        "z_range": [float(finite.min()), float(finite.max())] if finite.size else [None, None],
        "networks": networks,
        "comparison": _compare(networks, seeds),
        "setup": params.setup.__dict__,
    }
