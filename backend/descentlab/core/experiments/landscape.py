"""A trained network's loss landscape (the ``landscape`` experiment; Li et al. 2018).

Trains the setup, then evaluates the training loss on a 2-D slice through the trained
weights: along two random filter-normalized directions, along the top two PCA
directions of the training trajectory with the projected path drawn on top, or along the
Hessian's top two eigenvectors there (unit vectors: the sharpest plane through the point).
The sanity checks travel with the result: the slice's centre against the model's own loss, and how
much of the path the PCA plane captures.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, Literal

import jax
import numpy as np
from annotated_types import Ge, Gt, Le
from jax.flatten_util import ravel_pytree

from descentlab.core.base import Doc, Result
from descentlab.core.experiments.train import (
    NetworkSetup,
    check,
    flat_objective,
    objective_data,
    train_setup,
)
from descentlab.core.nets import hessian, landscape
from descentlab.core.nets.network_losses import network_loss

# The trajectory's PCA plane, random directions, or the Hessian's top two eigenvectors.
Directions = Literal["pca", "random", "hessian"]


@dataclass(frozen=True)
class LandscapeParams:
    """A training setup, then a 2-D slice of its training loss around the trained weights."""

    setup: NetworkSetup = field(default_factory=NetworkSetup)
    directions: Annotated[
        Directions,
        Doc(
            "filter-normalized random directions, the trajectory's PCA plane, or the "
            "Hessian's top two eigenvectors"
        ),
    ] = "pca"
    resolution: Annotated[int, Ge(5), Le(61)] = 31
    span: Annotated[
        float,
        Gt(0),
        Le(10),
        Doc("random, hessian: α, β ∈ [−span, span] (weight norms; unit lengths for hessian)"),
    ] = 1.0
    margin: Annotated[
        float, Ge(0), Le(2), Doc("PCA: the path's extent, widened by this fraction each side")
    ] = 0.25


def check_params(params: LandscapeParams) -> None:
    """Raise ValueError for what cannot run (told to the user as a 422)."""
    check(params.setup)


def _axis(lo: float, hi: float, margin: float, resolution: int) -> np.ndarray:
    width = max(hi - lo, 1e-3)
    return np.linspace(lo - margin * width, hi + margin * width, resolution)


def run(params: LandscapeParams, progress: Callable[[float], None]) -> Result:
    dataset, spec, trained = train_setup(params.setup, lambda f: progress(0.5 * f))
    loss = network_loss(spec, params.setup.loss)
    data = objective_data(params.setup, trained.batch_stats, dataset.x_train, dataset.y_train)
    result: dict[str, Any] = {"directions": params.directions}
    if params.directions == "pca":
        pca = landscape.pca_directions(trained.snapshots, landscape.flatten(trained.params))
        d1, d2 = landscape.pca_direction_trees(trained.params, pca)
        alphas = _axis(pca.path[:, 0].min(), pca.path[:, 0].max(), params.margin, params.resolution)
        betas = _axis(pca.path[:, 1].min(), pca.path[:, 1].max(), params.margin, params.resolution)
        result |= {
            "path": pca.path,
            "path_epochs": trained.snapshot_epochs,
            "explained_variance_ratio": pca.explained_variance_ratio,
            "path_captured": pca.captured,
        }
    elif params.directions == "hessian":
        theta, _ = ravel_pytree(trained.params)
        bound = flat_objective(
            spec, params.setup, trained.batch_stats, dataset.x_train, dataset.y_train
        )
        top = hessian.top_eigenvalues(
            bound,
            theta,
            2,
            hessian.DEFAULT_ITERATIONS,
            jax.random.key(params.setup.seed),
            vectors=True,
            between=partial(progress, 0.5),
        )
        assert top.vectors is not None  # asked for
        d1, d2 = (landscape.unflatten(trained.params, vector) for vector in top.vectors)
        alphas = betas = np.linspace(-params.span, params.span, params.resolution)
        result["eigenvalues"] = top.values
    else:
        key = jax.random.key(params.setup.seed)
        d1 = landscape.random_direction(trained.params, jax.random.fold_in(key, 1))
        d2 = landscape.random_direction(trained.params, jax.random.fold_in(key, 2))
        alphas = betas = np.linspace(-params.span, params.span, params.resolution)
    progress(0.6)
    grid = landscape.slice_2d(
        loss, trained.params, d1, d2, alphas, betas, data, between=partial(progress, 0.6)
    )
    progress(1.0)
    return result | {"x": grid["x"], "y": grid["y"], "z": grid["z"], "centre": grid["centre"]}
