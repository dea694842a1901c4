"""The lab's hyperparameter map for notebooks: one run per cell over two hyperparameters,
diverged cells in flat grey, the run's own values ringed (as ``plots/hyper_map.js``)."""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from descentlab.core.hyperparameter_maps import (
    DEFAULT_TOLERANCE,
    HyperparameterMap,
    MapAxis,
    MapMetric,
    hyperparameter_map,
    tolerance_target,
)
from descentlab.core.precision import use_engine_precision
from descentlab.core.surfaces import get_surface
from descentlab.figures.inputs import RunSpec, run_config, surface_setup
from descentlab.figures.style import (
    DIVERGED,
    HYPER_MAP_COLORSCALE,
    HYPER_MAP_LOG_DECADES,
    base_layout,
    plotly_text,
)

AxisSpec = Mapping[str, Any]  # {"param", "min", "max", "count"?: 64, "scale"?: "linear"}


def compute_map(
    surface: str,
    run: RunSpec,
    x: AxisSpec,
    y: AxisSpec,
    *,
    start: Sequence[float] | None = None,
    steps: int = 500,
    params: Mapping[str, float] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> HyperparameterMap:
    """Every cell's run (see ``core.hyperparameter_maps``); ``run`` as ``figures.race``
    takes one, its two axis hyperparameters set per cell. ``reached_at`` is all NaN on a
    surface without a known minimum."""
    use_engine_precision()
    spec, objective, begin = surface_setup(surface, params, start)
    x_axis, y_axis = (
        MapAxis.spaced(a["param"], a["min"], a["max"], a.get("count", 64), a.get("scale", "linear"))
        for a in (x, y)
    )
    target = tolerance_target(spec, tolerance) if spec.minima else -np.inf
    return hyperparameter_map(objective, steps, run_config(run, begin), x_axis, y_axis, target)


def _with_gaps(values: np.ndarray) -> np.ndarray:
    """The values with None where they are not finite (a heatmap's gaps)."""
    gaps = values.astype(object)
    gaps[~np.isfinite(values)] = None
    return gaps


def _coordinates(axis: MapAxis, scale: str) -> np.ndarray:
    return np.log10(axis.values) if scale == "log" else axis.values


def _axis(axis: MapAxis, scale: str) -> dict[str, Any]:
    layout: dict[str, Any] = {"title": {"text": plotly_text(axis.param), "standoff": 4}}
    if scale == "log":  # drawn in log₁₀ units, labelled as powers of ten (even bricks)
        lo, hi = np.log10(axis.values[0]), np.log10(axis.values[-1])
        ticks = list(range(int(np.ceil(lo)), int(np.floor(hi)) + 1))
        layout |= {"tickvals": ticks, "ticktext": [f"10<sup>{k}</sup>" for k in ticks]}
    return layout


def hyperparameter_map_figure(
    surface: str = "elongated_quadratic",
    run: RunSpec | None = None,
    x: AxisSpec | None = None,
    y: AxisSpec | None = None,
    *,
    metric: MapMetric = "final_loss",
    start: Sequence[float] | None = None,
    steps: int = 500,
    params: Mapping[str, float] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> go.Figure:
    """A heatmap of ``metric`` over ``x`` × ``y`` (defaults: heavy ball on the valley,
    η from 10⁻⁴ to 1 on a log axis × momentum from 0 to 0.99: Polyak's region)."""
    if metric == "steps_to_tolerance":  # as the API: a 422 there, a ValueError here
        tolerance_target(get_surface(surface), tolerance)
    run = run or {"optimizer": "momentum", "learning_rate": 1e-3, "momentum": 0.9}
    x = x or {"param": "learning_rate", "min": 1e-4, "max": 1.0, "scale": "log"}
    y = y or {"param": "momentum", "min": 0.0, "max": 0.99}
    result = compute_map(
        surface, run, x, y, start=start, steps=steps, params=params, tolerance=tolerance
    )
    scales = (x.get("scale", "linear"), y.get("scale", "linear"))
    xs, ys = _coordinates(result.x, scales[0]), _coordinates(result.y, scales[1])
    z = result.metric(metric)
    losses = metric in ("final_loss", "mean_loss")
    finite = z[np.isfinite(z)]
    log = losses and finite.size > 0 and bool(finite.min() > 0)
    title = metric.replace("_", " ")
    data: list[Any] = []
    if metric != "diverged":
        with np.errstate(divide="ignore", invalid="ignore"):
            shown = np.log10(z) if log else z
        # As the lab: a log scale spans at most HYPER_MAP_LOG_DECADES below the largest.
        top = float(np.nanmax(shown)) if log else None
        low = None if top is None else max(float(np.nanmin(shown)), top - HYPER_MAP_LOG_DECADES)
        data.append(
            go.Heatmap(
                x=xs,
                y=ys,
                z=_with_gaps(shown),
                zmin=low,
                zmax=top,
                name=title,
                colorscale=HYPER_MAP_COLORSCALE,
                colorbar={"title": {"text": f"log₁₀ {title}" if log else title}},
                hoverongaps=False,
            )
        )
    data.append(
        go.Heatmap(
            x=xs,
            y=ys,
            z=_with_gaps(np.where(result.diverged, 1.0, np.nan)),
            name="diverged",
            colorscale=[[0, DIVERGED], [1, DIVERGED]],
            showscale=False,
            hoverongaps=False,
        )
    )
    template = run_config(run, (0.0, 0.0))
    own = [template.value(axis.param) for axis in (result.x, result.y)]
    data.append(
        go.Scatter(
            x=[np.log10(own[0]) if scales[0] == "log" else own[0]],
            y=[np.log10(own[1]) if scales[1] == "log" else own[1]],
            mode="markers",
            name="the run's own values",
            marker={"symbol": "circle-open", "size": 16, "color": "white", "line": {"width": 3}},
        )
    )
    layout = base_layout(
        title={"text": f"{title} after {steps} steps on {surface} · grey: diverged"},
        xaxis=_axis(result.x, scales[0]),
        yaxis=_axis(result.y, scales[1]),
    )
    return go.Figure(data=data, layout=layout)
