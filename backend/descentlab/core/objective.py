"""What the engine optimizes: a surface, its constants and the domain it is drawn on."""

from dataclasses import dataclass

import numpy as np

from descentlab.core.interpreter import Instructions, program_of
from descentlab.core.surface_kernels import (
    PARAMS_LENGTH,
    TYPED,
    SurfaceArgs,
    kernel_index,
)
from descentlab.core.surfaces import Interval, Surface, SurfaceFn

# A run that leaves its domain by this many widths has diverged, whatever its values say.
ESCAPE_WIDTHS = 10.0


@dataclass(frozen=True)
class Objective:
    """A loss f(point, params) with its constant vector and the domain it is drawn on.

    All of it is data for the kernels (``args``): ``kernel`` picks a built-in surface
    function (or the typed-surface interpreter, with ``instructions``), and ``params``
    are its constants. A new surface, new constants or a new expression compile nothing.
    """

    kernel: int
    params: tuple[float, ...]
    domain: tuple[Interval, Interval]
    instructions: Instructions = ()

    def __post_init__(self) -> None:
        if len(self.params) > PARAMS_LENGTH:
            raise ValueError(f"at most {PARAMS_LENGTH} constants, got {len(self.params)}")

    @classmethod
    def from_surface(
        cls,
        surface: Surface,
        params: tuple[float, ...] | None = None,
        domain: tuple[Interval, Interval] | None = None,
    ) -> "Objective":
        return cls.from_function(
            surface.fn,
            surface.default_params() if params is None else params,
            surface.domain if domain is None else domain,
        )

    @classmethod
    def from_function(
        cls, fn: SurfaceFn, params: tuple[float, ...], domain: tuple[Interval, Interval]
    ) -> "Objective":
        """One of ``surface_kernels.KERNEL_FUNCTIONS`` (a built-in, or ``quadratic_form``)."""
        return cls(kernel_index(fn), tuple(params), domain)

    @classmethod
    def typed(
        cls,
        instructions: Instructions,
        constants: tuple[float, ...],
        domain: tuple[Interval, Interval],
    ) -> "Objective":
        """A typed surface: its program (see ``expressions``) and the numbers it pushes."""
        return cls(TYPED, tuple(constants), domain, instructions)

    @property
    def is_typed(self) -> bool:
        return self.kernel == TYPED

    def params_array(self) -> np.ndarray:
        params = np.zeros(PARAMS_LENGTH, dtype=np.float64)
        params[: len(self.params)] = self.params
        return params

    def args(self) -> SurfaceArgs:
        """The surface as the kernels take it."""
        return SurfaceArgs(
            np.int32(self.kernel), self.params_array(), program_of(self.instructions)
        )

    def escape_box(self) -> np.ndarray:
        """``[[x_lo, y_lo], [x_hi, y_hi]]``: leaving it counts as divergence."""
        (x_lo, x_hi), (y_lo, y_hi) = self.domain
        x_pad, y_pad = ESCAPE_WIDTHS * (x_hi - x_lo), ESCAPE_WIDTHS * (y_hi - y_lo)
        return np.array([[x_lo - x_pad, y_lo - y_pad], [x_hi + x_pad, y_hi + y_pad]])
