"""A quadratic surface in its eigenbasis: found by checking, and its parts add up to the loss.

For gradient descent on a quadratic each eigendirection evolves on its own: the part
½λᵢ(uᵢ·(θ − θ*))² is multiplied by (1 − ηλᵢ)² every step. That is the independent check
of the parts here (Distill's "milestones"), beside the analytic eigenpairs of each surface.
"""

from typing import Any

import numpy as np
import pytest

from descentlab.core.expressions import compile_expression
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.programs import Kernel
from descentlab.core.quadratic import quadratic_of
from descentlab.core.surfaces import SURFACES, get_surface
from descentlab.core.trajectory import RunConfig, run_trajectories
from descentlab.core.warmup import FIRST_VISIT

QUADRATIC_SURFACES = {  # id: (θ*, f(θ*), eigenvalues ascending), worked out by hand
    "elongated_quadratic": ((0.0, 0.0), 0.0, (2.0, 200.0)),  # x² + 100y²
    "booth": ((1.0, 3.0), 0.0, (2.0, 18.0)),  # H = [[10, 8], [8, 10]]
    "matyas": ((0.0, 0.0), 0.0, (0.04, 1.0)),  # H = [[0.52, −0.48], [−0.48, 0.52]]
    "saddle": ((0.0, 0.0), 0.0, (-2.0, 2.0)),  # x² − y²
}


@pytest.mark.parametrize("surface_id", list(SURFACES))
def test_exactly_the_quadratic_surfaces_are_found_with_their_eigenpairs(surface_id: str) -> None:
    quadratic = quadratic_of(Objective.from_surface(get_surface(surface_id)))
    if surface_id not in QUADRATIC_SURFACES:
        assert quadratic is None  # Rosenbrock, the monkey saddle, the logits surfaces, ...
        return
    assert quadratic is not None
    minimum, value, eigenvalues = QUADRATIC_SURFACES[surface_id]
    np.testing.assert_allclose(quadratic.minimum, minimum, atol=1e-12)
    assert quadratic.value == pytest.approx(value, abs=1e-12)
    np.testing.assert_allclose(quadratic.eigenvalues, eigenvalues, rtol=1e-12)


def test_a_typed_quadratic_is_one_and_a_nearly_quadratic_one_is_not() -> None:
    typed = compile_expression("3*x^2 + x*y + y^2 - x + 2")
    quadratic = quadratic_of(
        Objective.typed(typed.instructions, typed.constants, ((-5, 5), (-5, 5)))
    )
    assert quadratic is not None
    # ∇f = (6x + y − 1, x + 2y) = 0 at (2/11, −1/11); H = [[6, 1], [1, 2]]: λ = 4 ∓ √5
    np.testing.assert_allclose(quadratic.minimum, (2 / 11, -1 / 11), rtol=1e-12)
    np.testing.assert_allclose(quadratic.eigenvalues, (4 - 5**0.5, 4 + 5**0.5), rtol=1e-12)
    almost = compile_expression("x^2 + y^2 + 0.000001*x^3")
    assert (
        quadratic_of(Objective.typed(almost.instructions, almost.constants, ((-5, 5),) * 2)) is None
    )
    flat = compile_expression("x^2")  # H singular: a line of minima, no single θ*
    assert quadratic_of(Objective.typed(flat.instructions, flat.constants, ((-5, 5),) * 2)) is None


def test_the_parts_add_up_to_the_loss_and_shrink_by_one_minus_eta_lambda_squared() -> None:
    objective = Objective.from_surface(get_surface("booth"))
    quadratic = quadratic_of(objective)
    assert quadratic is not None
    eta = 0.05
    (run,) = run_trajectories(
        objective, 40, [RunConfig(OPTIMIZERS["sgd"], (-8.0, 6.0), {"learning_rate": eta})]
    )
    parts = quadratic.components(run.points)
    # (to the fit's rounding: 1e-12 of the surface's size)
    atol = 1e-12 * run.loss[0]
    np.testing.assert_allclose(parts.sum(axis=1), run.loss - quadratic.value, rtol=1e-12, atol=atol)
    expected = parts[0] * (1 - eta * quadratic.eigenvalues) ** (2 * np.arange(41))[:, None]
    # (to rounding: θ − θ* loses digits near θ*, ~1e-16 of the start)
    np.testing.assert_allclose(parts, expected, rtol=1e-9, atol=1e-12 * parts[0].max())
    # (1 − 0.05·18)² = 0.01 per step across, (1 − 0.1)² = 0.81 along: one is gone, one is not
    assert parts[10, 1] < 1e-18 * parts[0, 1] and parts[10, 0] > 0.1 * parts[0, 0]


def test_the_check_runs_on_the_first_visits_programs_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The race route asks for the quadratic on a new surface's first race: it must need no
    program beyond those compiled before the server listens (warmup.FIRST_VISIT), or that
    race would wait for a compile (measured: 3.7 s instead of 35 ms, before this check)."""
    called: list[str] = []
    original = Kernel.__call__

    def spy(self: Kernel, shape: Any, *args: Any) -> Any:
        called.append(self.name)
        return original(self, shape, *args)

    monkeypatch.setattr(Kernel, "__call__", spy)
    quadratic_of.cache_clear()
    assert quadratic_of(Objective.from_surface(get_surface("matyas"))) is not None
    assert called and set(called) <= {kernel.name for kernel, _ in FIRST_VISIT}
