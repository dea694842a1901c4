"""The optax function behind each optimizer kind: its signature is the source of truth for
hyperparameter names and defaults (written out here, independent of the engine's table).
The lecture's Adagrad has no optax function: its factory is the engine's own optax
``GradientTransformation`` (checked against the NumPy reference in test_optimizers)."""

from collections.abc import Callable, Mapping

import optax

from descentlab.core.optimizers import adagrad_rms

OPTAX_FUNCTIONS: Mapping[str, Callable[..., optax.GradientTransformation]] = {
    "sgd": optax.sgd,
    "momentum": optax.sgd,
    "nesterov": optax.sgd,
    "adagrad": optax.adagrad,
    "adagrad_rms": adagrad_rms,
    "rmsprop": optax.rmsprop,
    "adam": optax.adam,
    "adamw": optax.adamw,
    "radam": optax.radam,
    "nadam": optax.nadam,
    "amsgrad": optax.amsgrad,
    "adamax": optax.adamax,
    "adabelief": optax.adabelief,
    "lion": optax.lion,
    "adadelta": optax.adadelta,
}
