"""The lecture's experiments, each a pure function ``run(params, progress) -> result``.

``progress(fraction, partial=None)`` reports how far the work is (0…1) and, optionally, a
partial result to show while it runs (the ``train`` experiment sends its curves so far);
the job runner may raise from it to cancel. Results are plain dicts of numbers and NumPy
arrays (Plotly-ready).
"""

from typing import Any, Protocol


class Progress(Protocol):
    """How an experiment reports: the finished fraction, and what it has to show so far."""

    def __call__(self, fraction: float, partial: Any = None, /) -> None: ...
