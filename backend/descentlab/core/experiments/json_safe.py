"""Results as strict JSON can hold them: a NaN or an infinity (a diverged run) is None."""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def finite_or_none(value: Any) -> float | None:
    """``value`` as a float, or None where it is not finite."""
    number = float(value)
    return number if math.isfinite(number) else None


def finite_list(values: Sequence[float] | np.ndarray) -> list[float | None]:
    """Every value of ``values`` (flattened) through ``finite_or_none``."""
    return [finite_or_none(v) for v in np.asarray(values, np.float64).reshape(-1)]
