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
from descentlab.core.optimizers import get_optimizer
from descentlab.core.schedules import SCHEDULES, ScheduleConfig
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


def schedule_config(schedule: Mapping[str, Any] | None) -> ScheduleConfig | None:
    if schedule is None:
        return None
    values = dict(schedule)
    name = values.pop("name", None)
    if name != "warmup" and name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; known: warmup, {', '.join(SCHEDULES)}")
    then = schedule_config(values.pop("then", None))
    return ScheduleConfig.of(name, then=then, **{k: float(v) for k, v in values.items()})


def run_config(run: RunSpec, start: Sequence[float]) -> RunConfig:
    """One run from its dict; ``start`` unless the run has its own."""
    if "optimizer" not in run:
        raise ValueError(f"a run needs an optimizer, e.g. {{'optimizer': 'adam'}}; got {run!r}")
    try:
        spec = get_optimizer(run["optimizer"])
    except KeyError as error:
        raise ValueError(error.args[0]) from None
    hyperparameters = {k: float(v) for k, v in run.items() if k not in _RUN_KEYS}
    known = ("learning_rate", *spec.hyperparameter_names)
    unknown = sorted(set(hyperparameters) - set(known))
    if unknown:
        raise ValueError(
            f"{spec.name} has no hyperparameter {unknown[0]!r}; it has: {', '.join(known)}"
        )
    begin = run.get("start", start)
    return RunConfig(
        optimizer=spec,
        start=(float(begin[0]), float(begin[1])),
        hyperparameters=hyperparameters,
        schedule=schedule_config(run.get("schedule")),
        gradient_noise=float(run.get("gradient_noise", 0.0)),
        seed=int(run.get("seed", 0)),
    )


def run_labels(runs: Sequence[RunSpec]) -> list[str]:
    """Distinct labels as the lab makes them: "adam", then "adam 2" for a second Adam."""
    labels: list[str] = []
    for run in runs:
        base = str(run.get("label") or run["optimizer"])
        label, k = base, 2
        while label in labels:
            label, k = f"{base} {k}", k + 1
        labels.append(label)
    return labels


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
