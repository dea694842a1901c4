"""Every experiment the lab runs, in one table.

An entry names its kind, its parameters (a frozen dataclass whose fields carry their
bounds and meaning, see ``core/base.py``), the check across fields that bounds cannot say,
and the run. The API generates its request models, OpenAPI and job table from this table,
and the lab reads each kind's defaults and bounds from the API: a new experiment is one
entry here (and its cost in ``costs.py``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from descentlab.core.base import Result
from descentlab.core.experiments import (
    Progress,
    batch_size,
    hessian,
    landscape,
    loss_comparison,
    minimum_ratio,
    normalization,
    skip_connections,
    train,
)


@dataclass(frozen=True)
class Experiment:
    """One kind of experiment: ``run(check(params) or params, progress)`` is the whole job."""

    kind: str
    params: type  # a frozen dataclass; every field has a default
    check: Callable[[Any], None]  # ValueError naming what does not fit together
    run: Callable[[Any, Progress], Result]
    # Named limits across fields that the lab checks before it sends (``check`` enforces
    # them): the samples × epochs of one training run.
    limits: Mapping[str, float] = field(default_factory=dict)
    # The setup fields the experiment sets per run, so its setup's own value is not what
    # ran: None where a list of its own names the values (``batch_sizes`` replaces
    # ``setup.batch_size``), else what they are, in words ({value}: the setup's value).
    per_run: Mapping[str, str | None] = field(default_factory=dict)
    # The job queue it runs on (with Redis: ``descentlab worker --queue NAME`` takes only
    # that queue's jobs, e.g. a GPU machine the networks). Every kind so far trains networks.
    queue: str = "networks"

    @property
    def summary(self) -> str:
        """The first line of the parameters' docstring: what the experiment shows."""
        return (self.params.__doc__ or self.kind).strip().splitlines()[0]


def queue_of(kind: str) -> str:
    return EXPERIMENTS[kind].queue


EXPERIMENTS: dict[str, Experiment] = {
    e.kind: e
    for e in (
        Experiment(
            "loss_comparison",
            loss_comparison.LossComparisonParams,
            loss_comparison.check_params,
            loss_comparison.run,
        ),
        Experiment(
            "train",
            train.NetworkSetup,
            train.check,
            train.run,
            {"sample_epochs": train.MAX_SAMPLE_EPOCHS},
        ),
        Experiment("hessian", hessian.HessianParams, hessian.check_params, hessian.run),
        Experiment("landscape", landscape.LandscapeParams, landscape.check_params, landscape.run),
        Experiment(
            "batch_size",
            batch_size.BatchSizeParams,
            batch_size.check_params,
            batch_size.run,
            per_run={"batch_size": None},
        ),
        Experiment(
            "normalization",
            normalization.NormalizationParams,
            normalization.check_params,
            normalization.run,
            per_run={"learning_rate": None, "batch_norm": "with and without"},
        ),
        Experiment(
            "minimum_ratio",
            minimum_ratio.MinimumRatioParams,
            minimum_ratio.check_params,
            minimum_ratio.run,
            per_run={"widths": None, "epochs": "0 to {value}, one count per network"},
        ),
        Experiment(
            "skip_connections",
            skip_connections.SkipConnectionsParams,
            skip_connections.check_params,
            skip_connections.run,
            per_run={
                "skip_connections": "with and without",
                "seed": "{value} and the next, one per pair (seeds)",
            },
        ),
    )
}
QUEUES: tuple[str, ...] = tuple(sorted({experiment.queue for experiment in EXPERIMENTS.values()}))
