"""Fast, strict JSON responses for arrays."""

from typing import Any

import numpy as np
import orjson
from fastapi.responses import JSONResponse


class ArrayJSONResponse(JSONResponse):
    """Serializes NumPy arrays directly with orjson.

    orjson writes NaN and ±Infinity as ``null``, so a response is always strict JSON, and
    it is about ten times faster than the standard library on large float arrays.
    """

    def render(self, content: Any) -> bytes:
        return encode(content)


def encode(content: Any) -> bytes:
    """Strict JSON bytes for ``content``, NumPy arrays included."""
    return orjson.dumps(content, default=_fallback, option=orjson.OPT_SERIALIZE_NUMPY)


def _fallback(value: Any) -> Any:
    """Transposed or sliced arrays and NumPy scalars, which orjson leaves to us."""
    if isinstance(value, np.ndarray):
        return np.ascontiguousarray(value)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot serialize {type(value).__name__}")
