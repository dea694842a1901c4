"""The 2-D test surfaces, as data: a formula, a domain, a start and the known minima.

Every surface is a pure function ``f(point, params) -> value`` where ``point`` is a
``(2,)`` array and ``params`` a vector of the surface's own constants (read from its
front; the kernels pass a fixed-length vector). The constants are traced, so changing one
(the valley's condition number, say) never recompiles, and ``surface_kernels`` selects
the function itself by a traced index.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
from jax import Array

from descentlab.core.base import Parameter

SurfaceFn = Callable[[Array, Array], Array]  # (point (2,), params (k,)) -> scalar value
Interval = tuple[float, float]


@dataclass(frozen=True)
class Minimum:
    """A known local or global minimum: where it is and the value there."""

    x: float
    y: float
    value: float


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface f(x, y) and what a learner needs to read it."""

    id: str
    name: str
    latex: str
    fn: SurfaceFn
    domain: tuple[Interval, Interval]
    default_start: tuple[float, float]
    minima: tuple[Minimum, ...]
    description: str
    parameters: tuple[Parameter, ...] = field(default=())
    # Values spanning orders of magnitude: the map opens on a log colour scale, whether
    # the surface is picked from the list or named in a link.
    log_colour: bool = False

    def default_params(self) -> tuple[float, ...]:
        return tuple(p.default for p in self.parameters)

    def params_from(self, values: Mapping[str, float] | None) -> tuple[float, ...]:
        """The parameter vector for ``values`` (missing names take their defaults)."""
        values = values or {}
        unknown = set(values) - {p.name for p in self.parameters}
        if unknown:
            raise ValueError(f"surface {self.id!r} has no parameter {sorted(unknown)[0]!r}")
        return tuple(float(values.get(p.name, p.default)) for p in self.parameters)


def _safe_sqrt(s: Array) -> Array:
    """sqrt with a zero (not NaN) gradient at 0, so kinks like Ackley's stay finite."""
    positive = s > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, s, 1.0)), 0.0)


def rosenbrock(p: Array, theta: Array) -> Array:
    del theta
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def beale(p: Array, theta: Array) -> Array:
    del theta
    x, y = p[0], p[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def himmelblau(p: Array, theta: Array) -> Array:
    del theta
    x, y = p[0], p[1]
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def rastrigin(p: Array, theta: Array) -> Array:
    del theta
    return 20.0 + jnp.sum(p**2 - 10.0 * jnp.cos(2.0 * jnp.pi * p))


def ackley(p: Array, theta: Array) -> Array:
    del theta
    x, y = p[0], p[1]
    radius = _safe_sqrt(0.5 * (x**2 + y**2))
    waves = 0.5 * (jnp.cos(2.0 * jnp.pi * x) + jnp.cos(2.0 * jnp.pi * y))
    return -20.0 * jnp.exp(-0.2 * radius) - jnp.exp(waves) + jnp.e + 20.0


def booth(p: Array, theta: Array) -> Array:
    del theta
    x, y = p[0], p[1]
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def goldstein_price(p: Array, theta: Array) -> Array:
    del theta
    x, y = p[0], p[1]
    first = 1.0 + (x + y + 1.0) ** 2 * (
        19.0 - 14.0 * x + 3.0 * x**2 - 14.0 * y + 6.0 * x * y + 3.0 * y**2
    )
    second = 30.0 + (2.0 * x - 3.0 * y) ** 2 * (
        18.0 - 32.0 * x + 12.0 * x**2 + 48.0 * y - 36.0 * x * y + 27.0 * y**2
    )
    return first * second


def six_hump_camel(p: Array, theta: Array) -> Array:
    del theta
    x, y = p[0], p[1]
    return (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2


def styblinski_tang(p: Array, theta: Array) -> Array:
    del theta
    return 0.5 * jnp.sum(p**4 - 16.0 * p**2 + 5.0 * p)


def matyas(p: Array, theta: Array) -> Array:
    del theta
    x, y = p[0], p[1]
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def saddle(p: Array, theta: Array) -> Array:
    del theta
    return p[0] ** 2 - p[1] ** 2


def monkey_saddle(p: Array, theta: Array) -> Array:
    del theta
    x, y = p[0], p[1]
    return x**3 - 3.0 * x * y**2


def elongated_quadratic(p: Array, theta: Array) -> Array:
    condition = theta[0]
    return p[0] ** 2 + condition * p[1] ** 2


def w1w2_saddle(p: Array, theta: Array) -> Array:
    # The lecture's y = w1 * w2 * x with one sample x = 1, target 1, squared error.
    del theta
    return (1.0 - p[0] * p[1]) ** 2


def _three_logits(p: Array, theta: Array) -> Array:
    # The lecture's 3-class error surface: logits (y₁, y₂) free, y₃ held low.
    return jnp.stack([p[0], p[1], theta[0]])


def logits_cross_entropy(p: Array, theta: Array) -> Array:
    """−ln softmax(y)₁: the target is class 1, ŷ = (1, 0, 0)."""
    return -jax.nn.log_softmax(_three_logits(p, theta))[0]


def logits_mse(p: Array, theta: Array) -> Array:
    """Σᵢ (ŷᵢ − softmax(y)ᵢ)² with ŷ = (1, 0, 0)."""
    probabilities = jax.nn.softmax(_three_logits(p, theta))
    return jnp.sum((jnp.array([1.0, 0.0, 0.0]) - probabilities) ** 2)


def quadratic_form(p: Array, theta: Array) -> Array:
    """L* + ½ (p − w*)ᵀ H (p − w*), theta = (H₁₁, H₁₂, H₂₂, w₁*, w₂*, L*).

    Not in the catalogue: the exact error surface of a linear model with MSE (the
    normalization experiment), and any quadratic a test needs.
    """
    d1, d2 = p[0] - theta[3], p[1] - theta[4]
    return 0.5 * (theta[0] * d1 * d1 + 2.0 * theta[1] * d1 * d2 + theta[2] * d2 * d2) + theta[5]


def _gaussian_well(p: Array, cx: float, width: float) -> Array:
    return jnp.exp(-((p[0] - cx) ** 2 + p[1] ** 2) / (2.0 * width**2))


def sharp_flat(p: Array, theta: Array) -> Array:
    del theta
    bowl = 0.05 * (p[0] ** 2 + p[1] ** 2)
    return bowl - _gaussian_well(p, -1.0, 0.15) - _gaussian_well(p, 1.5, 0.7)


_SURFACE_LIST: tuple[Surface, ...] = (
    Surface(
        id="rosenbrock",
        log_colour=True,
        name="Rosenbrock",
        latex=r"(1 - x)^2 + 100\,(y - x^2)^2",
        fn=rosenbrock,
        domain=((-2.0, 2.0), (-1.0, 3.0)),
        default_start=(-1.2, 1.0),
        minima=(Minimum(1.0, 1.0, 0.0),),
        description=(
            "A long, curved, nearly flat valley: easy to find, slow to follow. "
            "Use the log colour scale to see the valley floor."
        ),
    ),
    Surface(
        id="beale",
        log_colour=True,
        name="Beale",
        latex=r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        fn=beale,
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        default_start=(1.0, 1.5),
        minima=(Minimum(3.0, 0.5, 0.0),),
        description="Flat plateaus and steep ridges near the corners; one minimum at (3, 0.5).",
    ),
    Surface(
        id="himmelblau",
        name="Himmelblau",
        latex=r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        fn=himmelblau,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        default_start=(-0.5, 0.5),
        minima=(
            Minimum(3.0, 2.0, 0.0),
            Minimum(-2.805118086952745, 3.131312518250573, 0.0),
            Minimum(-3.779310253377747, -3.283185991286169, 0.0),
            Minimum(3.5844283403304917, -1.8481265269644034, 0.0),
        ),
        description=(
            "Four equal minima, a local maximum near (-0.2708, -0.9230) and four saddles: "
            "where a run ends depends on where it starts."
        ),
    ),
    Surface(
        id="rastrigin",
        name="Rastrigin",
        latex=r"20 + \sum_{i} \left(x_i^2 - 10\cos(2\pi x_i)\right)",
        fn=rastrigin,
        domain=((-5.12, 5.12), (-5.12, 5.12)),
        default_start=(3.3, -2.6),
        minima=(Minimum(0.0, 0.0, 0.0),),
        description="A bowl covered in a regular grid of local minima that trap plain descent.",
    ),
    Surface(
        id="ackley",
        name="Ackley",
        latex=(r"-20\,e^{-0.2\sqrt{(x^2+y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20"),
        fn=ackley,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        default_start=(3.2, 2.4),
        minima=(Minimum(0.0, 0.0, 0.0),),
        description=(
            "An almost flat outer region full of ripples around one deep funnel at the "
            "origin (a kink: the gradient there is taken as 0)."
        ),
    ),
    Surface(
        id="booth",
        name="Booth",
        latex=r"(x + 2y - 7)^2 + (2x + y - 5)^2",
        fn=booth,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        default_start=(-6.0, -8.0),
        minima=(Minimum(1.0, 3.0, 0.0),),
        description="A tilted convex quadratic bowl: every method should find (1, 3).",
    ),
    Surface(
        id="goldstein_price",
        log_colour=True,
        name="Goldstein–Price",
        latex=(
            r"\left[1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
            r"\left[30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"
        ),
        fn=goldstein_price,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(-1.0, 1.5),
        minima=(Minimum(0.0, -1.0, 3.0),),
        description=(
            "Values span six orders of magnitude (use the log colour scale); "
            "several local minima around a global one of value 3 at (0, -1)."
        ),
    ),
    Surface(
        id="six_hump_camel",
        name="Six-hump camel",
        latex=r"\left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2",
        fn=six_hump_camel,
        domain=((-3.0, 3.0), (-2.0, 2.0)),
        default_start=(-1.5, -1.0),
        minima=(
            Minimum(0.08984201310031806, -0.7126564030207396, -1.0316284534898774),
            Minimum(-0.08984201310031806, 0.7126564030207396, -1.0316284534898774),
        ),
        description="Six local minima, two of them global and mirror images of each other.",
    ),
    Surface(
        id="styblinski_tang",
        name="Styblinski–Tang",
        latex=r"\tfrac{1}{2}\sum_{i} \left(x_i^4 - 16x_i^2 + 5x_i\right)",
        fn=styblinski_tang,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        default_start=(4.0, 4.5),
        minima=(Minimum(-2.903534027771177, -2.903534027771177, -78.33233140754282),),
        description="Four basins of different depth; the deepest is at x = y ≈ -2.9035.",
    ),
    Surface(
        id="matyas",
        name="Matyas",
        latex=r"0.26\,(x^2 + y^2) - 0.48\,xy",
        fn=matyas,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        default_start=(8.0, -6.0),
        minima=(Minimum(0.0, 0.0, 0.0),),
        description="A shallow convex bowl stretched along the diagonal (condition number 25).",
    ),
    Surface(
        id="saddle",
        name="Saddle",
        latex=r"x^2 - y^2",
        fn=saddle,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(1.5, 0.001),
        minima=(),
        description=(
            "The plain saddle: up along x, down along y. Gradient descent started on the "
            "x-axis walks into the saddle point and stops there."
        ),
    ),
    Surface(
        id="monkey_saddle",
        name="Monkey saddle",
        latex=r"x^3 - 3xy^2",
        fn=monkey_saddle,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(1.5, 0.2),
        minima=(),
        description=(
            "Three valleys meet at the origin, where the Hessian is zero: the second-order "
            "test is inconclusive there."
        ),
    ),
    Surface(
        id="elongated_quadratic",
        name="Elongated valley",
        latex=r"x^2 + \kappa\, y^2",
        fn=elongated_quadratic,
        domain=((-10.0, 10.0), (-2.0, 2.0)),
        default_start=(-9.0, 1.5),
        minima=(Minimum(0.0, 0.0, 0.0),),
        description=(
            "The lecture's convex valley, κ times steeper across than along. With "
            "η = 10⁻² (κ = 100) plain descent bounces between the walls forever; with "
            "η = 10⁻⁷ it crawls. No single learning rate works."
        ),
        parameters=(
            Parameter(
                "condition",
                100.0,
                1.0,
                1.0e4,
                "κ, the ratio of the Hessian's eigenvalues (2κ across, 2 along the valley)",
                log_scale=True,
            ),
        ),
    ),
    Surface(
        id="w1w2_saddle",
        name="Lecture saddle (1 − w₁w₂)²",
        latex=r"(1 - w_1 w_2)^2",
        fn=w1w2_saddle,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(1.5, -1.4),
        minima=(Minimum(1.0, 1.0, 0.0), Minimum(-1.0, -1.0, 0.0)),
        description=(
            "The lecture's model y = w₁w₂x with one sample x = 1, ŷ = 1. The origin is a "
            "saddle with H = [[0, −2], [−2, 0]]; every point of the hyperbola w₁w₂ = 1 is "
            "a minimum (two are listed)."
        ),
    ),
    Surface(
        id="sharp_flat",
        name="Sharp and flat minima",
        latex=(
            r"0.05\,(x^2+y^2) - e^{-\frac{(x+1)^2+y^2}{2\cdot 0.15^2}}"
            r" - e^{-\frac{(x-1.5)^2+y^2}{2\cdot 0.7^2}}"
        ),
        fn=sharp_flat,
        domain=((-3.0, 3.5), (-2.5, 2.5)),
        default_start=(0.2, 1.2),
        minima=(
            Minimum(-0.997557849227381, 0.0, -0.9518319643821338),
            Minimum(1.429594645875739, 0.0, -0.8927676525497296),
        ),
        description=(
            "A narrow, slightly deeper minimum at x ≈ -1 and a wide one at x ≈ 1.43. "
            "Gradient noise shakes a run out of the sharp one; shift the surface a little "
            "and the sharp minimum's loss rises far more."
        ),
    ),
)

_LOGIT_DESCRIPTION = (
    "The lecture's 3-class error surface over two logits y₁, y₂ (y₃ held low), target "
    "class 1. {what} Start in the wrong-answer corner and race the same optimizer on both."
)
_LOSS_SURFACES: tuple[Surface, ...] = (
    Surface(
        id="logits_cross_entropy",
        name="Cross-entropy over two logits",
        latex=r"-\ln \mathrm{softmax}(y_1, y_2, y_3)_1",
        fn=logits_cross_entropy,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        default_start=(-8.0, 8.0),
        minima=(),
        description=_LOGIT_DESCRIPTION.format(
            what="Cross-entropy keeps a slope where the answer is wrong, so training moves."
        ),
        parameters=(Parameter("y3", -20.0, -50.0, 10.0, "the third logit, held fixed (low)"),),
    ),
    Surface(
        id="logits_mse",
        name="Softmax MSE over two logits",
        latex=r"\sum_i \left(\hat{y}_i - \mathrm{softmax}(y_1, y_2, y_3)_i\right)^2",
        fn=logits_mse,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        default_start=(-8.0, 8.0),
        minima=(),
        description=_LOGIT_DESCRIPTION.format(
            what="MSE on softmax outputs is a flat plateau there (large loss, tiny gradient)."
        ),
        parameters=(Parameter("y3", -20.0, -50.0, 10.0, "the third logit, held fixed (low)"),),
    ),
)

SURFACES: Mapping[str, Surface] = {
    surface.id: surface for surface in (*_SURFACE_LIST, *_LOSS_SURFACES)
}


def get_surface(surface_id: str) -> Surface:
    """The surface with this id; ``KeyError`` names the known ids."""
    try:
        return SURFACES[surface_id]
    except KeyError:
        known = ", ".join(SURFACES)
        raise KeyError(f"unknown surface {surface_id!r}; known: {known}") from None
