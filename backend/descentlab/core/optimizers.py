"""The optimizers a run can use: optax transforms, their hyperparameters, and what to draw.

Each entry is data: the optax factory, every numeric hyperparameter under optax's own
keyword name with optax's default, and a *view* of the optimizer state that is worth
drawing (the momentum vector and the per-parameter scale σ of θᵢ ← θᵢ − (η/σᵢ)·mᵢ).
Boolean switches (Nesterov, AMSGrad) are separate entries, so that every entry has one
fixed structure and compiles once.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, NamedTuple, TypeAlias

import jax
import jax.numpy as jnp
import optax
from jax import Array
from optax import tree_utils

from descentlab.core.base import OneOf, Parameter

State: TypeAlias = Any  # an optax state: a pytree of NamedTuples
Hyper = Mapping[str, Array]
# (state before an update, state after it, hyperparameters) -> named per-parameter vectors
StateView = Callable[[State, State, Hyper], dict[str, Array]]


@dataclass(frozen=True, eq=False)
class OptimizerSpec:
    """An optimizer kind. Hashed by identity: it is a static argument of the jitted scan."""

    name: str
    title: str
    factory: Callable[..., optax.GradientTransformation]
    learning_rate: Parameter
    hyperparameters: tuple[Parameter, ...]
    state_view: StateView
    reference: str
    # What σ divides in θ ← θ − (η/σ)·v: the momentum m (Adam and kin) or the gradient g
    # itself (Adagrad, RMSProp, Adadelta, whose "momentum", if any, is a trace of whole steps).
    sigma_divides: Literal["momentum", "gradient"] = "momentum"

    @property
    def hyperparameter_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hyperparameters)


def _learning_rate(default: float = 1e-3) -> Parameter:
    return Parameter(
        "learning_rate",
        default,
        0.0,
        1e3,
        "η, the step size (the base value a schedule shapes)",
        log_scale=True,
    )


def _beta(name: str, default: float, what: str) -> Parameter:
    return Parameter(name, default, 0.0, 0.9999999, what)


def _eps(name: str, default: float, where: str) -> Parameter:
    return Parameter(name, default, 0.0, 1.0, f"ε {where}", log_scale=True)


def _weight_decay(default: float) -> Parameter:
    return Parameter("weight_decay", default, 0.0, 10.0, "decoupled weight decay λ", log_scale=True)


def _get(state: optax.OptState, key: str) -> Array:
    return tree_utils.tree_get(state, key)


def _bias_corrected(moment: Array, decay: Array, count: Array) -> Array:
    return moment / (1.0 - decay ** count.astype(moment.dtype))


def _no_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    del before, after, hyper
    return {}


def _trace_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    del before, hyper
    return {"momentum": _get(after, "trace")}


def _adagrad_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    del before
    return {"sigma": jnp.sqrt(_get(after, "sum_of_squares") + hyper["eps"])}


def _root_mean_square_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    del before
    return {"sigma": jnp.sqrt(_get(after, "mean_of_squares")) + hyper["eps"]}


def _rmsprop_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    del before
    return {
        "momentum": _get(after, "trace"),
        "sigma": jnp.sqrt(_get(after, "nu") + hyper["eps"]),
    }


def _adam_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    del before
    count = _get(after, "count")
    nu_hat = _bias_corrected(_get(after, "nu"), hyper["b2"], count)
    return {
        "momentum": _bias_corrected(_get(after, "mu"), hyper["b1"], count),
        "sigma": jnp.sqrt(nu_hat + hyper["eps_root"]) + hyper["eps"],
    }


def _belief_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    # optax adds eps_root to the stored belief s itself, so σ = √ŝ + ε.
    del before
    count = _get(after, "count")
    return {
        "momentum": _bias_corrected(_get(after, "mu"), hyper["b1"], count),
        "sigma": jnp.sqrt(_bias_corrected(_get(after, "nu"), hyper["b2"], count)) + hyper["eps"],
    }


def _amsgrad_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    del before
    count = _get(after, "count")
    return {
        "momentum": _bias_corrected(_get(after, "mu"), hyper["b1"], count),
        "sigma": jnp.sqrt(_get(after, "nu_max") + hyper["eps_root"]) + hyper["eps"],
    }


def _adamax_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    del before
    count = _get(after, "count")
    return {
        "momentum": _bias_corrected(_get(after, "mu"), hyper["b1"], count),
        "sigma": _get(after, "nu"),
    }


def _lion_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    del before, hyper
    return {"momentum": _get(after, "mu")}


def _adadelta_view(before: State, after: State, hyper: Hyper) -> dict[str, Array]:
    # The step is g·√(E[Δx²]+ε)/√(E[g²]+ε) with E[g²] already updated and E[Δx²] not
    # yet: σ, the ratio that divides g, needs the state from before the update too.
    eps = hyper["eps"]
    return {"sigma": jnp.sqrt(_get(after, "e_g") + eps) / jnp.sqrt(_get(before, "e_x") + eps)}


class ScaleByRootMeanSquareState(NamedTuple):
    """How many gradients were seen, and the mean of their squares."""

    seen: Array  # int32: how many gradients
    mean_of_squares: optax.Updates


def scale_by_root_mean_square(eps: float = 1e-7) -> optax.GradientTransformation:
    """g ↦ g / (√(mean of all past g², this one included) + ε), per coordinate.

    The lecture's Adagrad σ: a root *mean* square, so σ shrinks again after a run of small
    gradients, which optax's root of the *sum* never does. The mean is kept as a running
    mean (m ← m + (g² − m)/t), equal to the sum over t without the sum growing.
    """

    def init_fn(params: optax.Params) -> ScaleByRootMeanSquareState:
        return ScaleByRootMeanSquareState(
            seen=jnp.zeros([], jnp.int32), mean_of_squares=jax.tree.map(jnp.zeros_like, params)
        )

    def update_fn(
        updates: optax.Updates, state: ScaleByRootMeanSquareState, params: Any = None
    ) -> tuple[optax.Updates, ScaleByRootMeanSquareState]:
        del params
        seen = optax.safe_increment(state.seen)
        mean = jax.tree.map(
            lambda m, g: m + (g * g - m) / seen.astype(m.dtype), state.mean_of_squares, updates
        )
        scaled = jax.tree.map(lambda g, m: g / (jnp.sqrt(m) + eps), updates, mean)
        return scaled, ScaleByRootMeanSquareState(seen, mean)

    return optax.GradientTransformation(init_fn, update_fn)


def adagrad_rms(learning_rate: float, eps: float = 1e-7) -> optax.GradientTransformation:
    """The lecture's Adagrad: θ ← θ − η·g/σ, σ = √(mean of past g²) + ε."""
    return optax.chain(scale_by_root_mean_square(eps), optax.scale_by_learning_rate(learning_rate))


def _momentum(learning_rate: float, momentum: float) -> optax.GradientTransformation:
    return optax.sgd(learning_rate, momentum=momentum)


def _nesterov(learning_rate: float, momentum: float) -> optax.GradientTransformation:
    return optax.sgd(learning_rate, momentum=momentum, nesterov=True)


def _rmsprop(
    learning_rate: float, decay: float, eps: float, initial_scale: float, momentum: float
) -> optax.GradientTransformation:
    # optax's default momentum=None means "no trace"; a trace with decay 0 is the same
    # update and keeps one compiled structure for every momentum value.
    return optax.rmsprop(
        learning_rate, decay=decay, eps=eps, initial_scale=initial_scale, momentum=momentum
    )


_ADAM_MOMENTS = (
    _beta("b1", 0.9, "β₁, decay of the first moment (momentum)"),
    _beta("b2", 0.999, "β₂, decay of the second moment"),
    _eps("eps", 1e-8, "added to √v̂ in the denominator"),
    _eps("eps_root", 0.0, "added to v̂ inside the square root"),
)
_MOMENTUM = _beta("momentum", 0.9, "μ, decay of the momentum buffer")

_OPTIMIZER_LIST: tuple[OptimizerSpec, ...] = (
    OptimizerSpec(
        "sgd",
        "SGD",
        optax.sgd,
        _learning_rate(),
        (),
        _no_view,
        "Robbins & Monro 1951: θ ← θ − η g",
    ),
    OptimizerSpec(
        "momentum",
        "Momentum",
        _momentum,
        _learning_rate(),
        (_MOMENTUM,),
        _trace_view,
        "Polyak 1964 (heavy ball): m ← μ m + g, θ ← θ − η m (optax.sgd with momentum; "
        "optax's default is no momentum, here μ = 0.9)",
    ),
    OptimizerSpec(
        "nesterov",
        "Nesterov",
        _nesterov,
        _learning_rate(),
        (_MOMENTUM,),
        _trace_view,
        "Nesterov 1983, in Sutskever et al. 2013's form: m ← μ m + g, θ ← θ − η (g + μ m)",
    ),
    OptimizerSpec(
        "adagrad",
        "Adagrad",
        optax.adagrad,
        _learning_rate(1e-1),
        (
            Parameter(
                "initial_accumulator_value",
                0.1,
                0.0,
                1e3,
                "starting value of the sum of squared gradients",
                log_scale=True,
            ),
            _eps("eps", 1e-7, "added to the sum inside the square root"),
        ),
        _adagrad_view,
        "Duchi, Hazan & Singer 2011: s ← s + g², θ ← θ − η g / √(s + ε)",
        sigma_divides="gradient",
    ),
    OptimizerSpec(
        "adagrad_rms",
        "Adagrad (the lecture's, root mean square)",
        adagrad_rms,
        _learning_rate(1e-1),
        (_eps("eps", 1e-7, "added to the root mean square"),),
        _root_mean_square_view,
        "The lecture's Adagrad: σ = √(mean of all past g²) + ε, θ ← θ − η g / σ. Unlike "
        "optax's root of the sum, σ shrinks again after small gradients, so the run can "
        "blow up and come back",
        sigma_divides="gradient",
    ),
    OptimizerSpec(
        "rmsprop",
        "RMSProp",
        _rmsprop,
        _learning_rate(1e-2),
        (
            _beta("decay", 0.9, "α, decay of the mean square"),
            _eps("eps", 1e-8, "added inside the square root"),
            Parameter("initial_scale", 0.0, 0.0, 1e3, "starting value of the mean square"),
            Parameter(
                "momentum",
                0.0,
                0.0,
                0.9999999,
                "μ, optional momentum on the scaled step (0 = none, optax's default)",
            ),
        ),
        _rmsprop_view,
        "Tieleman & Hinton 2012: v ← α v + (1−α) g², θ ← θ − η g / √(v + ε)",
        sigma_divides="gradient",
    ),
    OptimizerSpec(
        "adam",
        "Adam",
        optax.adam,
        _learning_rate(),
        _ADAM_MOMENTS,
        _adam_view,
        "Kingma & Ba 2015: bias-corrected m̂, v̂; θ ← θ − η m̂ / (√v̂ + ε)",
    ),
    OptimizerSpec(
        "adamw",
        "AdamW",
        optax.adamw,
        _learning_rate(),
        (*_ADAM_MOMENTS, _weight_decay(1e-4)),
        _adam_view,
        "Loshchilov & Hutter 2019: Adam with decoupled weight decay, "
        "θ ← θ − η (m̂ / (√v̂ + ε) + λ θ)",
    ),
    OptimizerSpec(
        "radam",
        "RAdam",
        optax.radam,
        _learning_rate(),
        (
            *_ADAM_MOMENTS,
            Parameter(
                "threshold",
                5.0,
                4.0,
                1e3,
                "ρ threshold above which the rectified adaptive step is used",
            ),
        ),
        _adam_view,
        "Liu et al. 2020: Adam whose adaptive step is rectified (or skipped) while the "
        "variance of v̂ is large, which is what warm-up works around",
    ),
    OptimizerSpec(
        "nadam",
        "NAdam",
        optax.nadam,
        _learning_rate(),
        _ADAM_MOMENTS,
        _adam_view,
        "Dozat 2016: Adam with Nesterov momentum",
    ),
    OptimizerSpec(
        "amsgrad",
        "AMSGrad",
        optax.amsgrad,
        _learning_rate(),
        _ADAM_MOMENTS,
        _amsgrad_view,
        "Reddi, Kale & Kumar 2018: Adam whose denominator uses the running maximum of v̂",
    ),
    OptimizerSpec(
        "adamax",
        "Adamax",
        optax.adamax,
        _learning_rate(2e-3),
        (
            _beta("b1", 0.9, "β₁, decay of the first moment (momentum)"),
            _beta("b2", 0.999, "β₂, decay of the infinity norm"),
            _eps("eps", 1e-8, "added to |g| in the infinity norm"),
        ),
        _adamax_view,
        "Kingma & Ba 2015, §7.1: Adam with the infinity norm, u ← max(β₂u, |g|)",
    ),
    OptimizerSpec(
        "adabelief",
        "AdaBelief",
        optax.adabelief,
        _learning_rate(),
        (
            _beta("b1", 0.9, "β₁, decay of the first moment (momentum)"),
            _beta("b2", 0.999, "β₂, decay of the belief (g − m)²"),
            _eps("eps", 1e-16, "added to √ŝ in the denominator"),
            _eps("eps_root", 1e-16, "added to ŝ inside the square root"),
        ),
        _belief_view,
        "Zhuang et al. 2020: Adam whose second moment tracks (g − m)²",
    ),
    OptimizerSpec(
        "lion",
        "Lion",
        optax.lion,
        _learning_rate(1e-4),
        (
            _beta("b1", 0.9, "β₁, interpolation used for the sign step"),
            _beta("b2", 0.99, "β₂, decay of the momentum"),
            _weight_decay(1e-3),
        ),
        _lion_view,
        "Chen et al. 2023: θ ← θ − η (sign(β₁m + (1−β₁)g) + λθ), m ← β₂m + (1−β₂)g",
    ),
    OptimizerSpec(
        "adadelta",
        "Adadelta",
        optax.adadelta,
        _learning_rate(1.0),
        (
            _beta("rho", 0.9, "ρ, decay of both running averages"),
            _eps("eps", 1e-6, "added inside both square roots"),
            Parameter("weight_decay", 0.0, 0.0, 10.0, "weight decay λ", log_scale=True),
        ),
        _adadelta_view,
        "Zeiler 2012: step g·√(E[Δx²]+ε)/√(E[g²]+ε), scaled by η (η = 1 is the paper)",
        sigma_divides="gradient",
    ),
)

OPTIMIZERS: Mapping[str, OptimizerSpec] = {spec.name: spec for spec in _OPTIMIZER_LIST}


# A request's optimizer: one of the table's names.
OptimizerName = Annotated[str, OneOf(tuple(OPTIMIZERS), name="Optimizer")]


def get_optimizer(name: str) -> OptimizerSpec:
    """The optimizer kind called ``name``; ``KeyError`` names the known ones."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        known = ", ".join(OPTIMIZERS)
        raise KeyError(f"unknown optimizer {name!r}; known: {known}") from None


@cache
def state_keys(spec: OptimizerSpec) -> tuple[str, ...]:
    """The names in the optimizer's state view (traced abstractly, never run)."""
    names = spec.hyperparameter_names

    def view_of_first_state() -> dict[str, Array]:
        hyper = {
            name: jnp.asarray(h.default)
            for name, h in zip(names, spec.hyperparameters, strict=True)
        }
        optimizer = spec.factory(learning_rate=spec.learning_rate.default, **hyper)
        params = jnp.zeros(2)
        before = optimizer.init(params)
        _, after = optimizer.update(params, before, params)
        return spec.state_view(before, after, hyper)

    return tuple(jax.eval_shape(view_of_first_state))
