"""What the engine optimizes: a surface function bound to its constants and its domain."""

from dataclasses import dataclass

import numpy as np

from descentlab.core.surfaces import Interval, Surface, SurfaceFn

# A run that leaves its domain by this many widths has diverged, whatever its values say.
ESCAPE_WIDTHS = 10.0


@dataclass(frozen=True)
class Objective:
    """A loss f(point, params) with its constant vector and the domain it is drawn on.

    ``fn`` is a static argument of every jitted function (one compile per surface);
    ``params`` travel as a traced array (new values never recompile).
    """

    fn: SurfaceFn
    params: tuple[float, ...]
    domain: tuple[Interval, Interval]

    @classmethod
    def from_surface(
        cls,
        surface: Surface,
        params: tuple[float, ...] | None = None,
        domain: tuple[Interval, Interval] | None = None,
    ) -> "Objective":
        return cls(
            surface.fn,
            surface.default_params() if params is None else params,
            surface.domain if domain is None else domain,
        )

    def params_array(self) -> np.ndarray:
        return np.asarray(self.params, dtype=np.float64)

    def escape_box(self) -> np.ndarray:
        """``[[x_lo, y_lo], [x_hi, y_hi]]``: leaving it counts as divergence."""
        (x_lo, x_hi), (y_lo, y_hi) = self.domain
        x_pad, y_pad = ESCAPE_WIDTHS * (x_hi - x_lo), ESCAPE_WIDTHS * (y_hi - y_lo)
        return np.array([[x_lo - x_pad, y_lo - y_pad], [x_hi + x_pad, y_hi + y_pad]])
