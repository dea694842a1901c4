"""The public JSON of each resource, built once: the routes serve it and the standalone
export inlines it, so neither shapes it for the other (and export never calls a route).

Values may hold NumPy arrays: ``api.responses.encode`` writes them, as the routes do.
"""

from typing import Any

import numpy as np

from descentlab.api.convert import objective_for, run_config
from descentlab.api.schemas.analysis import AnalyzeRequest
from descentlab.api.schemas.common import DomainModel, ParameterPublic
from descentlab.api.schemas.experiments import ExperimentKindPublic, field_table
from descentlab.api.schemas.grid import GridRequest
from descentlab.api.schemas.maps import MapRequest
from descentlab.api.schemas.optimizers import OptimizerPublic
from descentlab.api.schemas.schedules import SchedulePublic
from descentlab.api.schemas.surfaces import MinimumPublic, SurfacePublic
from descentlab.api.schemas.trajectories import TrajectoryRequest
from descentlab.core import hyperparameter_maps
from descentlab.core.analysis import analyze_point
from descentlab.core.experiments.registry import EXPERIMENTS
from descentlab.core.grid import evaluate_grid
from descentlab.core.optimizers import OPTIMIZERS, state_keys
from descentlab.core.quadratic import Quadratic, quadratic_of
from descentlab.core.schedules import SCHEDULES, WARMUP_PARAMETERS
from descentlab.core.surfaces import SURFACES
from descentlab.core.trajectory import run_trajectories

Json = dict[str, Any]


def surfaces() -> list[SurfacePublic]:
    return [
        SurfacePublic(
            id=s.id,
            name=s.name,
            latex=s.latex,
            domain=DomainModel(x=s.domain[0], y=s.domain[1]),
            default_start=s.default_start,
            minima=[MinimumPublic(x=m.x, y=m.y, value=m.value) for m in s.minima],
            description=s.description,
            parameters=[ParameterPublic(**p.__dict__) for p in s.parameters],
            log_scale=s.log_colour,
        )
        for s in SURFACES.values()
    ]


def optimizers() -> list[OptimizerPublic]:
    return [
        OptimizerPublic(
            name=spec.name,
            title=spec.title,
            reference=spec.reference,
            hyperparameters=[
                ParameterPublic(**h.__dict__) for h in (spec.learning_rate, *spec.hyperparameters)
            ],
            state=list(state_keys(spec)),
            sigma_divides=spec.sigma_divides,
        )
        for spec in OPTIMIZERS.values()
    ]


def schedules() -> list[SchedulePublic]:
    plain = [
        SchedulePublic(
            name=spec.name,
            title=spec.title,
            formula=spec.formula,
            parameters=[ParameterPublic(**p.__dict__) for p in spec.parameters],
        )
        for spec in SCHEDULES.values()
    ]
    warmup = SchedulePublic(
        name="warmup",
        title="Linear warm-up, then another schedule",
        formula=(
            r"\eta_t = \eta\,(a + (1-a)\,t/w)\ \text{for}\ t < w,"
            r"\ \text{then}\ \eta^{\text{then}}_{t-w}"
        ),
        parameters=[ParameterPublic(**p.__dict__) for p in WARMUP_PARAMETERS],
    )
    return [*plain, warmup]


def experiment_kinds() -> list[ExperimentKindPublic]:
    """Each experiment's settings with defaults and bounds: the lab builds its controls
    and checks its input from these, so it cannot drift from what the API accepts."""
    return [
        ExperimentKindPublic(
            kind=e.kind,
            summary=e.summary,
            fields=field_table(e.params),
            limits=dict(e.limits),
            per_run=dict(e.per_run),
        )
        for e in EXPERIMENTS.values()
    ]


def analysis(request: AnalyzeRequest) -> Json:
    """Gradient, Hessian, eigenpairs, and the second-order test at a point."""
    result = analyze_point(
        objective_for(request.surface),
        request.point,
        request.gradient_tolerance,
        request.eigenvalue_tolerance,
    )
    taylor = result.taylor
    return {
        "point": result.point,
        "value": result.value,
        "gradient": result.gradient,
        "gradient_norm": result.gradient_norm,
        "hessian": result.hessian,
        "eigenvalues": result.eigenvalues,
        "eigenvectors": result.eigenvectors,
        "critical": result.critical,
        "kind": result.kind,
        "escape_direction": result.escape_direction,
        "gradient_tolerance": result.gradient_tolerance,
        "eigenvalue_tolerance": result.eigenvalue_tolerance,
        "taylor": {
            "center": taylor.center,
            "value": taylor.value,
            "gradient": taylor.gradient,
            "hessian": taylor.hessian,
            "polynomial": taylor.polynomial,
        },
    }


def grid(request: GridRequest) -> Json:
    """Values on a resolution × resolution grid, ``z[j][i] = f(x[i], y[j])``."""
    objective = objective_for(request.surface, request.domain)
    result = evaluate_grid(objective, request.resolution, with_gradient=request.gradients)
    body: Json = {"x": result.x, "y": result.y, "z": result.z}
    if result.gradient is not None:
        body |= {"dz_dx": result.gradient[..., 0], "dz_dy": result.gradient[..., 1]}
    return body


def trajectories(request: TrajectoryRequest) -> Json:
    """Race the runs from their starts; each reports where it diverged, if it did."""
    configs = [
        run_config(r.optimizer, r.schedule, r.start, r.gradient_noise, r.seed) for r in request.runs
    ]
    objective = objective_for(request.surface)
    results = run_trajectories(objective, request.steps, configs)
    quadratic = quadratic_of(objective)
    runs = [
        {
            "label": r.label or config.optimizer.name,
            "optimizer": config.optimizer.name,
            "points": result.points,
            "loss": result.loss,
            "gradient": result.gradient,
            "grad_norm": result.grad_norm,
            "learning_rate": result.learning_rate,
            "state": result.state,
            "diverged_at": result.diverged_at,
            "eigen_components": None if quadratic is None else quadratic.components(result.points),
        }
        for r, config, result in zip(request.runs, configs, results, strict=True)
    ]
    return {"steps": request.steps, "runs": runs, "quadratic": _quadratic(quadratic)}


def _quadratic(quadratic: Quadratic | None) -> Json | None:
    if quadratic is None:
        return None
    return {
        "minimum": quadratic.minimum,
        "value": quadratic.value,
        "eigenvalues": quadratic.eigenvalues,
        "eigenvectors": quadratic.eigenvectors,
    }


def hyperparameter_map(request: MapRequest) -> Json:
    """One run per cell, ``z[j][i]`` and ``diverged[j][i]`` for ``x[i]``, ``y[j]`` (as the
    grid lays out ``z``)."""
    template = run_config(
        request.optimizer, request.schedule, request.start, request.gradient_noise, request.seed
    )
    x, y = (
        hyperparameter_maps.MapAxis.spaced(a.param, a.min, a.max, a.count, a.scale)
        for a in (request.x, request.y)
    )
    target = request.target() if request.metric == "steps_to_tolerance" else -np.inf
    result = hyperparameter_maps.hyperparameter_map(
        objective_for(request.surface), request.steps, template, x, y, target
    )
    return {
        "x": x.values,
        "y": y.values,
        "x_param": x.param,
        "y_param": y.param,
        "metric": request.metric,
        "steps": request.steps,
        "z": result.metric(request.metric),
        "diverged": result.diverged,
    }
