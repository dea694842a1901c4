"""Figures of the lecture's experiments, one module per ``core/experiments`` module.

Each module has ``figure(result)``, a pure builder that draws a finished result (from
``core.experiments.<kind>.run``, or the ``result`` of an API job, JSON lists and all), and
a function named for what it shows that runs the experiment first: its keyword arguments
are the experiment's params (``setup`` a dict of ``NetworkSetup`` fields to change).
"""

from collections.abc import Callable, Mapping
from typing import Any

from descentlab.core.precision import use_engine_precision
from descentlab.figures.inputs import SetupSpec, experiment_params

Result = Mapping[str, Any]


def _quiet(fraction: float, partial: Any = None, /) -> None:
    del fraction, partial


def result_of(
    run: Callable[[Any, Any], dict[str, Any]],
    kind: type,
    result: Result | None,
    setup: SetupSpec,
    params: Mapping[str, Any],
) -> Result:
    """``result`` as given, or the experiment run with ``params`` (never both); running it
    switches JAX to the engine's float64 (``core/precision.py``)."""
    if result is not None:
        if setup is not None or params:
            raise ValueError("give a finished result or the experiment's params, not both")
        return result
    use_engine_precision()
    return run(experiment_params(kind, setup, params), _quiet)
