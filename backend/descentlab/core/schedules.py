"""Learning-rate schedules: η_t as a function of the step, shaped around the base rate η.

Every schedule starts from the optimizer's ``learning_rate`` η and shapes it over time, so
the learning-rate slider keeps meaning "how big the steps are" whatever the schedule.
Schedules are evaluated outside the jit, into a vector η_0 … η_{T−1} that the jitted loop
reads as a traced array: a new schedule, or new values, never recompile the loop. (The
evaluation itself runs optax's jnp code eagerly, always at one length, ``SERIES_LENGTH``:
the first use of a schedule kind builds a few tiny kernels, ~30 ms each;
``warm_schedule_kernels`` builds them at start-up, and new values reuse them.)
The shapes come from optax where optax has them; 1/√t and the Transformer schedule are
written out here (optax has neither).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array

from descentlab.core.base import Parameter
from descentlab.core.device import cpu_device

ScheduleBuilder = Callable[[float, Mapping[str, float]], optax.Schedule]


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule kind: how to build η_t from the base rate η and its settings."""

    name: str
    title: str
    formula: str
    parameters: tuple[Parameter, ...]
    build: ScheduleBuilder


@dataclass(frozen=True)
class ScheduleConfig:
    """A chosen schedule. ``then`` is what follows a warm-up (``None``: constant η).

    ``values`` is a tuple of (name, value) pairs so that a config is hashable: the shape
    of a schedule is computed once per distinct config and reused for every η.
    """

    name: str
    values: tuple[tuple[str, float], ...] = ()
    then: "ScheduleConfig | None" = None

    @classmethod
    def of(
        cls, name: str, then: "ScheduleConfig | None" = None, **values: float
    ) -> "ScheduleConfig":
        return cls(name, tuple(sorted(values.items())), then)

    @classmethod
    def from_mapping(cls, schedule: Mapping[str, Any] | None) -> "ScheduleConfig | None":
        """A schedule in the API's form, ``{"name", ...settings, "then"?}`` (a request's
        JSON, a lesson's, a notebook's dict), or None for none. Unknown names and settings
        raise ValueError naming what is known; settings left out take their defaults."""
        if schedule is None:
            return None
        values = dict(schedule)
        name = values.pop("name", None)
        then = cls.from_mapping(values.pop("then", None))
        if name == "warmup":
            parameters = WARMUP_PARAMETERS
        elif name in SCHEDULES:
            parameters = SCHEDULES[name].parameters
            if then is not None:
                raise ValueError(f"only a warmup has a 'then'; {name!r} does not")
        else:
            raise ValueError(f"unknown schedule {name!r}; known: warmup, {', '.join(SCHEDULES)}")
        known = [p.name for p in parameters]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"{name} has no setting {unknown[0]!r}; it has: {', '.join(known)}")
        return cls.of(name, then=then, **{k: float(v) for k, v in values.items()})


MAX_STEPS = 1_000_000.0  # bound of the step-valued settings (T, t₀, warm-up steps, ...)
SERIES_LENGTH = 20_000  # η_t is computed for t < this: the longest run the engine makes


def _steps(name: str, default: float, description: str, lower: float = 1.0) -> Parameter:
    return Parameter(name, default, lower, MAX_STEPS, description, integer=True)


def _constant(eta: float, v: Mapping[str, float]) -> optax.Schedule:
    del v
    return optax.constant_schedule(eta)


def _exponential(eta: float, v: Mapping[str, float]) -> optax.Schedule:
    return optax.exponential_decay(
        init_value=eta,
        transition_steps=int(v["transition_steps"]),
        decay_rate=v["decay_rate"],
        transition_begin=int(v["transition_begin"]),
    )


def _step(eta: float, v: Mapping[str, float]) -> optax.Schedule:
    # Step decay is optax's exponential decay in staircase mode: η·γ^⌊t/s⌋.
    return optax.exponential_decay(
        init_value=eta, transition_steps=int(v["step_size"]), decay_rate=v["gamma"], staircase=True
    )


def _cosine(eta: float, v: Mapping[str, float]) -> optax.Schedule:
    return optax.cosine_decay_schedule(
        init_value=eta,
        decay_steps=int(v["decay_steps"]),
        alpha=v["alpha"],
        exponent=v["exponent"],
    )


def _inverse_sqrt(eta: float, v: Mapping[str, float]) -> optax.Schedule:
    timescale = v["timescale"]

    def schedule(count: Array) -> Array:
        return eta / jnp.sqrt(1.0 + count / timescale)

    return schedule


def _transformer(eta: float, v: Mapping[str, float]) -> optax.Schedule:
    d_model, warmup = v["d_model"], v["warmup_steps"]

    def schedule(count: Array) -> Array:
        t = count + 1.0  # the paper counts steps from 1
        return eta * d_model**-0.5 * jnp.minimum(t**-0.5, t * warmup**-1.5)

    return schedule


SCHEDULES: Mapping[str, ScheduleSpec] = {
    spec.name: spec
    for spec in (
        ScheduleSpec("constant", "Constant", r"\eta_t = \eta", (), _constant),
        ScheduleSpec(
            "exponential_decay",
            "Exponential decay",
            r"\eta_t = \eta\,\gamma^{(t - t_0)/T}",
            (
                _steps("transition_steps", 100, "T, steps per factor of γ"),
                Parameter("decay_rate", 0.5, 1e-6, 1.0, "γ, the decay factor per T"),
                _steps("transition_begin", 0, "t₀, steps at η before decay starts", 0.0),
            ),
            _exponential,
        ),
        ScheduleSpec(
            "step",
            "Step decay",
            r"\eta_t = \eta\,\gamma^{\lfloor t / s \rfloor}",
            (
                _steps("step_size", 100, "s, steps between drops"),
                Parameter("gamma", 0.1, 1e-6, 1.0, "γ, factor at each drop"),
            ),
            _step,
        ),
        ScheduleSpec(
            "cosine_decay",
            "Cosine decay",
            r"\eta_t = \eta\left[(1-\alpha)\tfrac{1}{2}"
            r"(1+\cos\tfrac{\pi t}{T})^{p} + \alpha\right]",
            (
                _steps("decay_steps", 1000, "T, steps to reach the floor"),
                Parameter("alpha", 0.0, 0.0, 1.0, "α, the floor as a fraction of η"),
                Parameter("exponent", 1.0, 0.1, 10.0, "p, the cosine's exponent"),
            ),
            _cosine,
        ),
        ScheduleSpec(
            "inverse_sqrt",
            "1/√t decay",
            r"\eta_t = \eta / \sqrt{1 + t/\tau}",
            (Parameter("timescale", 1.0, 1e-3, MAX_STEPS, "τ, in steps"),),
            _inverse_sqrt,
        ),
        ScheduleSpec(
            "transformer",
            "Transformer (Vaswani et al. 2017)",
            r"\eta_t = \eta\, d^{-0.5} \min(t^{-0.5},\ t\, w^{-1.5})",
            (
                _steps("d_model", 512, "d, the model width"),
                _steps("warmup_steps", 4000, "w, warm-up steps"),
            ),
            _transformer,
        ),
    )
}

WARMUP_PARAMETERS: tuple[Parameter, ...] = (
    _steps("warmup_steps", 100, "steps of linear warm-up"),
    Parameter("init_value", 0.0, 0.0, 1.0, "starting rate as a fraction of η"),
)


def _with_defaults(
    parameters: tuple[Parameter, ...], values: tuple[tuple[str, float], ...]
) -> dict[str, float]:
    given = dict(values)
    return {p.name: float(given.get(p.name, p.default)) for p in parameters}


def build_schedule(eta: float, config: ScheduleConfig | None) -> optax.Schedule:
    """The optax schedule for ``config`` around base rate ``eta`` (``None``: constant)."""
    if config is None:
        return optax.constant_schedule(eta)
    if config.name == "warmup":
        values = _with_defaults(WARMUP_PARAMETERS, config.values)
        warmup = int(values["warmup_steps"])
        ramp = optax.linear_schedule(values["init_value"] * eta, eta, warmup)
        return optax.join_schedules([ramp, build_schedule(eta, config.then)], [warmup])
    spec = SCHEDULES[config.name]
    return spec.build(eta, _with_defaults(spec.parameters, config.values))


def _evaluate(config: ScheduleConfig | None, length: int) -> np.ndarray:
    """s_0 … s_{length−1} for η = 1, as read-only float64 computed on the CPU."""
    schedule = build_schedule(1.0, config)
    with jax.default_device(cpu_device()):
        counts = jnp.arange(length, dtype=jnp.float64)
        series = np.array(jnp.broadcast_to(schedule(counts), (length,)), dtype=np.float64)
    series.flags.writeable = False
    return series


@lru_cache(maxsize=256)
def schedule_shape(config: ScheduleConfig | None) -> np.ndarray:
    """s_0 … s_{SERIES_LENGTH−1} for η = 1: what every 2-D run and sweep reads from.

    Every schedule here is proportional to η, so η_t = η·s_t: one evaluation serves every
    learning rate of a sweep, and every run length (one length: one set of eager kernels).
    """
    return _evaluate(config, SERIES_LENGTH)


def learning_rate_series(eta: float, config: ScheduleConfig | None, length: int) -> np.ndarray:
    """η_0 … η_{length−1}: the base rate times the schedule's shape.

    Beyond ``SERIES_LENGTH`` (a network trained for many minibatch steps, as a job) the
    shape is evaluated at that length, uncached.
    """
    if length <= SERIES_LENGTH:
        return eta * schedule_shape(config)[:length]
    return eta * _evaluate(config, length)


def _one_of_each_kind() -> list[ScheduleConfig | None]:
    plain: list[ScheduleConfig | None] = [None, *(ScheduleConfig(name) for name in SCHEDULES)]
    return [*plain, *(ScheduleConfig("warmup", then=then) for then in plain)]


def warm_schedule_kernels() -> None:
    """Build the eager kernels every schedule kind needs (they depend on the length only),
    keeping each kind's default shape."""
    for config in _one_of_each_kind():
        schedule_shape(config)
