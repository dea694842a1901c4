"""Shared fixtures for the experiment tests."""

from collections.abc import Callable

import pytest

from descentlab.core.nets import chunks


class CancelledError(Exception):
    """What the fake progress report raises, as a job's does on a cancel."""


@pytest.fixture
def cancel_at_third_report_of(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[float], tuple[Callable[..., None], list[float]]]:
    """``progress`` that raises ``CancelledError`` the third time it reports ``fraction``
    (every piece of long work its own piece), and the list of what it reported."""
    monkeypatch.setattr(chunks, "CHECK_INTERVAL_S", 0.0)

    def make(fraction: float) -> tuple[Callable[..., None], list[float]]:
        reports: list[float] = []

        def progress(value: float, *_: object) -> None:
            reports.append(value)
            if reports.count(fraction) == 3:
                raise CancelledError

        return progress, reports

    return make
