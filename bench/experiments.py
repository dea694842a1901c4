"""The network experiments' default runs, in process: cold (first, compiling) and warm.

The issue's target is for ``minimum_ratio``'s defaults (≥ 20 networks): ≤ 30 s. The other
kinds are listed so a reader sees what the lab's "Run" buttons cost on this machine.
"""

import time
from collections.abc import Callable
from typing import Any

from descentlab.core.experiments import (
    batch_size,
    hessian,
    landscape,
    minimum_ratio,
    normalization,
    train,
)

DEFAULTS: dict[str, Callable[[], Any]] = {
    "train": lambda: train.run(train.NetworkSetup(), lambda *_: None),
    "landscape": lambda: landscape.run(landscape.LandscapeParams(), lambda *_: None),
    "hessian": lambda: hessian.run(hessian.HessianParams(), lambda *_: None),
    "minimum_ratio": lambda: minimum_ratio.run(minimum_ratio.MinimumRatioParams(), lambda *_: None),
    "batch_size": lambda: batch_size.run(batch_size.BatchSizeParams(), lambda *_: None),
    "normalization": lambda: normalization.run(
        normalization.NormalizationParams(), lambda *_: None
    ),
}


def _seconds(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run() -> dict[str, dict[str, float]]:
    """{kind: {"cold_s", "warm_s"}}; warm is the faster of two further runs."""
    return {
        kind: {"cold_s": _seconds(call), "warm_s": min(_seconds(call), _seconds(call))}
        for kind, call in DEFAULTS.items()
    }


if __name__ == "__main__":
    for kind, figures in run().items():
        print(f"{kind}: cold {figures['cold_s']:.2f} s, warm {figures['warm_s']:.2f} s")
