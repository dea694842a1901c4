"""Cost estimates: every lesson fits the default budget, the costly maximums do not, and
each kind's memory estimate bounds what it takes at the largest parameters a budget admits."""

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from bench.job_costs import KNOBS, MAXIMUMS, core_params, largest_admitted, measure
from descentlab.api.settings import Settings
from descentlab.core.experiments.costs import (
    COMPILE_S,
    KERNEL_BYTES,
    MB,
    Budget,
    Cost,
    OverBudgetError,
    check_budget,
    estimate,
)
from descentlab.export.data import experiment_request
from descentlab.lessons import LESSONS, NetworkScenario

DEFAULTS = Settings()
DEFAULT_BUDGET = Budget(DEFAULTS.experiment_time_limit_s, DEFAULTS.experiment_memory_limit_mb * MB)


def test_every_lessons_experiment_fits_the_default_budget() -> None:
    checked = 0
    for lesson in LESSONS:
        if isinstance(lesson.scenario, NetworkScenario):
            request = experiment_request(lesson.scenario.to_json()["experiment"])
            check_budget(
                estimate(core_params(request.kind, request.params.model_dump())), DEFAULT_BUDGET
            )
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    ("kind", "lower"),
    [("hessian", "probes"), ("normalization", "iterations"), ("minimum_ratio", "polish_steps")],
)
def test_the_costly_maximums_are_refused_naming_what_to_lower(kind: str, lower: str) -> None:
    params = dict(MAXIMUMS)[kind]
    with pytest.raises(OverBudgetError, match=r"limit 5 min") as refused:
        check_budget(estimate(core_params(kind, params)), DEFAULT_BUDGET)
    assert lower in str(refused.value).split("lower", 1)[1]


def test_costs_grow_with_what_drives_them() -> None:
    small = estimate(core_params("hessian", {"iterations": 16, "probes": 4}))
    more_probes = estimate(core_params("hessian", {"iterations": 16, "probes": 32}))
    wider = estimate(  # 4,482 parameters: no full spectrum, and more of everything else
        core_params("hessian", {"iterations": 16, "probes": 4, "setup": {"widths": [64, 64]}})
    )
    assert small.compute_seconds < more_probes.compute_seconds < wider.compute_seconds
    widest = estimate(
        core_params("hessian", {"iterations": 16, "probes": 4, "setup": {"widths": [128, 128]}})
    )
    assert wider.peak_bytes < widest.peak_bytes
    kept = estimate(core_params("train", {"epochs": 400, "widths": [256, 256]}))
    assert kept.kept_bytes >= 401 * (2 * 256 + 257 * 256 + 257 * 2) * 4  # its snapshots


def test_a_kernel_run_many_times_is_compiled_once() -> None:
    one = Cost(1.0, kernels=frozenset({"k"}))
    other = Cost(1.0, kernels=frozenset({"other"}))
    assert one.then(one).seconds == pytest.approx(2.0 + COMPILE_S)
    assert one.then(one).peak_bytes == one.peak_bytes
    assert one.then(other).seconds == pytest.approx(2.0 + 2 * COMPILE_S)
    assert one.then(other).peak_bytes == one.peak_bytes + KERNEL_BYTES


# The largest parameters a small time budget admits (memory keeps the default budget:
# that is what is checked).
TEST_BUDGET = Budget(20.0, DEFAULT_BUDGET.peak_bytes)


Measured = tuple[dict[str, Any], dict[str, float]]


def _largest(kind: str) -> Measured:
    params = largest_admitted(kind, TEST_BUDGET)
    return params, measure(kind, params, timeout_s=300)


@pytest.fixture(scope="module")
def largest_run() -> Iterator[Callable[[str], Measured]]:
    """A kind run at the largest parameters the budget admits, in a process of its own (its
    peak is its own); asked for one kind, it starts the next kind's run too, so two run at
    once and the module's two cores both work (each run spends seconds importing and
    compiling on one of them)."""
    kinds = list(KNOBS)
    runs: dict[str, Future[Measured]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:

        def run(kind: str) -> Measured:
            following = kinds[kinds.index(kind) + 1 : kinds.index(kind) + 2]
            for name in (kind, *following):
                if name not in runs:
                    runs[name] = pool.submit(_largest, name)
            return runs[kind].result()

        yield run


@pytest.mark.parametrize("kind", list(KNOBS))
def test_the_memory_estimate_bounds_the_peak_at_the_largest_admitted_parameters(
    kind: str, largest_run: Callable[[str], Measured]
) -> None:
    params, measured = largest_run(kind)
    assert measured["peak_bytes"] <= measured["estimated_peak_bytes"], (params, measured)
