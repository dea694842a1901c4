"""Plain Python values (what a notebook user types) turned into the engine's objects.

A run is a flat dict, ``{"optimizer": "momentum", "learning_rate": 0.01, "momentum": 0.9}``
with optional ``schedule`` (as the API takes it: ``{"name": "warmup", "warmup_steps": 50,
"then": {"name": "cosine_decay", "decay_steps": 250}}``), ``gradient_noise``, ``seed``,
``label`` and ``start``; every other key is one of the optimizer's hyperparameters. A
network setup is a ``NetworkSetup`` or a dict of the fields to change. Unknown names raise
``ValueError`` naming what is known, as the API's 422s do.
"""

from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any, TypeVar

from descentlab.core.experiments.train import NetworkSetup
from descentlab.core.objective import Objective
from descentlab.core.surfaces import Surface, get_surface
from descentlab.core.trajectory import RunConfig

RunSpec = Mapping[str, Any]
SetupSpec = NetworkSetup | Mapping[str, Any] | None
P = TypeVar("P")

# The lab's first scenario: four classic optimizers from Rosenbrock's default start.
DEFAULT_RUNS: tuple[RunSpec, ...] = (
    {"optimizer": "sgd", "learning_rate": 0.001},
    {"optimizer": "momentum", "learning_rate": 0.001, "momentum": 0.9},
    {"optimizer": "rmsprop", "learning_rate": 0.01},
    {"optimizer": "adam", "learning_rate": 0.05},
)
_RUN_KEYS = {"optimizer", "schedule", "gradient_noise", "seed", "label", "start"}


def surface_setup(
    surface: str, params: Mapping[str, float] | None, start: Sequence[float] | None
) -> tuple[Surface, Objective, tuple[float, float]]:
    """The surface named ``surface`` with its constants changed by ``params``, and the runs'
    start (the surface's default when None); unknown names raise ValueError."""
    try:
        spec = get_surface(surface)
        constants = spec.params_from(params)
    except KeyError as error:
        raise ValueError(error.args[0]) from None
    begin = spec.default_start if start is None else (float(start[0]), float(start[1]))
    return spec, Objective.from_surface(spec, constants), begin


def run_config(run: RunSpec, start: Sequence[float]) -> RunConfig:
    """One run from its dict; ``start`` unless the run has its own."""
    if "optimizer" not in run:
        raise ValueError(f"a run needs an optimizer, e.g. {{'optimizer': 'adam'}}; got {run!r}")
    hyperparameters = {k: v for k, v in run.items() if k not in _RUN_KEYS}
    return RunConfig.from_mapping(
        {
            "optimizer": {"name": run["optimizer"], **hyperparameters},
            "start": run.get("start", start),
            "schedule": run.get("schedule"),
            "gradient_noise": run.get("gradient_noise", 0.0),
            "seed": run.get("seed", 0),
        }
    )


def network_setup(setup: SetupSpec, default: NetworkSetup) -> NetworkSetup:
    """``setup`` itself, or ``default`` with a dict's fields changed."""
    if setup is None:
        return default
    if isinstance(setup, NetworkSetup):
        return setup
    return replace(default, **_fields_of(NetworkSetup, setup))


def experiment_params(kind: type[P], setup: SetupSpec, overrides: Mapping[str, Any]) -> P:
    """An experiment's params dataclass: its defaults, then ``overrides``, then ``setup``
    (a dict changes the experiment's own default setup, not ``NetworkSetup()``)."""
    default: Any = kind()
    values = _fields_of(kind, overrides)
    if setup is not None:
        values["setup"] = network_setup(setup, default.setup)
    result: P = replace(default, **values)
    return result


def _fields_of(kind: type, values: Mapping[str, Any]) -> dict[str, Any]:
    known = [f.name for f in fields(kind)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{kind.__name__} has no field {unknown[0]!r}; it has: {', '.join(known)}")
    # JSON and hand-typed lists become the tuples the dataclasses hold.
    return {k: _tuples(v) for k, v in values.items()}


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value
