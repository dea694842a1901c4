"""The surface lab's three views: optimizers racing across a 2-D surface (the contour map
with their paths), their loss, ‖∇f‖ and η against the step, and the 3-D surface.

Each function takes the scenario the lab's URL describes (a surface, runs, a start, a step
count) and draws what ``plots/map.js`` and ``plots/charts.js`` draw from the API's answer,
computed here by the same engine calls the API makes (``run_trajectories``,
``evaluate_grid``).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from descentlab.core.grid import LAB_RESOLUTION, Grid, evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.precision import use_engine_precision
from descentlab.core.quadratic import quadratic_of
from descentlab.core.surfaces import Surface
from descentlab.core.trajectory import RunResult, run_labels, run_trajectories
from descentlab.figures.inputs import DEFAULT_RUNS, RunSpec, run_config, surface_setup
from descentlab.figures.style import (
    ARROW_FRACTION,
    ARROW_OPACITY,
    ARROWS_NOTE,
    MAP_COLORSCALE,
    MAP_CONTOUR_LINE,
    SIGMA_BOX_FRACTION,
    SIGMA_NOTE,
    STAR,
    STEP_PART_COLOURS,
    base_layout,
    color,
    halo_for,
    plotly_text,
)


@dataclass(frozen=True)
class Race:
    """A computed scenario: the runs' results in order, with their labels and colours."""

    surface: Surface
    objective: Objective
    start: tuple[float, float]
    steps: int
    labels: list[str]
    colours: list[str]
    results: list[RunResult]
    grid: Grid | None  # None when not asked for (the charts need none)

    def surface_grid(self) -> Grid:
        if self.grid is None:
            raise ValueError("this race was computed without a grid (resolution=None)")
        return self.grid


def compute_race(
    surface: str = "rosenbrock",
    runs: Sequence[RunSpec] | None = None,
    *,
    start: Sequence[float] | None = None,
    steps: int = 500,
    params: Mapping[str, float] | None = None,
    resolution: int | None = LAB_RESOLUTION,
) -> Race:
    """Run the race and evaluate the grid (see ``figures.inputs`` for what a run is);
    switches JAX to the engine's float64 (``core/precision.py``)."""
    use_engine_precision()
    spec, objective, begin = surface_setup(surface, params, start)
    chosen = list(DEFAULT_RUNS if runs is None else runs)
    configs = [run_config(run, begin) for run in chosen]
    return Race(
        surface=spec,
        objective=objective,
        start=begin,
        steps=steps,
        labels=run_labels(chosen),
        colours=[color(i) for i in range(len(chosen))],
        results=run_trajectories(objective, steps, configs),
        grid=None if resolution is None else evaluate_grid(objective, resolution),
    )


def height_scale(z: np.ndarray, log_scale: bool) -> Callable[[np.ndarray], np.ndarray]:
    """Heights as drawn: as they are, or log₁₀ of the height above the grid's minimum (with
    a floor), so a valley floor like Rosenbrock's shows its shape (``plots/map.js``)."""
    if not log_scale:
        return lambda v: np.asarray(v, dtype=np.float64)
    finite = z[np.isfinite(z)]
    lo, hi = float(finite.min()), float(finite.max())
    floor = max((hi - lo) * 1e-7, 1e-12)
    return lambda v: np.log10(np.maximum(np.asarray(v, dtype=np.float64) - lo, 0.0) + floor)


def _log_scale(race: Race, log_scale: bool | None) -> bool:
    return race.surface.log_colour if log_scale is None else log_scale


def _cursor(result: RunResult, step: int | None) -> int:
    """Row of a run's record at the cursor (a diverged run stops at its last point)."""
    last = len(result.points) - 1
    return last if step is None else max(0, min(step, last))


def _arrow(
    point: np.ndarray, direction: np.ndarray | None, length: float, colour: str, name: str
) -> go.Scatter:
    """A segment from ``point`` along ``direction`` with an arrowhead (empty when zero)."""
    norm = 0.0 if direction is None else float(np.hypot(*direction))
    tip = point + direction / norm * length if direction is not None and norm > 0 else None
    # Thinner than a path, dotted, translucent and with a head: never mistaken for a run.
    return go.Scatter(
        x=[] if tip is None else [point[0], tip[0]],
        y=[] if tip is None else [point[1], tip[1]],
        mode="lines+markers",
        name=name,
        showlegend=False,
        hoverinfo="skip",
        opacity=ARROW_OPACITY,
        line={"color": colour, "width": 1.5, "dash": "dot"},
        marker={"symbol": "arrow", "angleref": "previous", "size": [0, 10], "color": colour},
    )


def _translucent(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def sigma_box_halves(result: RunResult, k: int, span: float) -> np.ndarray | None:
    """The σ box's half sides at row ``k`` (plots/map.js ``sigmaBox``): in the ratio of the
    η/σᵢ of the update that led there, the longer side ``SIGMA_BOX_FRACTION`` of ``span``;
    None without σ or before the first update."""
    sigmas = result.state.get("sigma")
    if sigmas is None or len(sigmas) == 0 or k < 1:
        return None
    row = min(k, len(sigmas)) - 1
    scales = np.abs(result.learning_rate[min(k, len(result.learning_rate)) - 1] / sigmas[row])
    if not np.all(np.isfinite(scales)) or scales.max() <= 0:
        return None
    halves: np.ndarray = scales / scales.max() * SIGMA_BOX_FRACTION * span / 2
    return halves


def _sigma_boxes(race: Race, step: int | None) -> list[dict[str, Any]]:
    """Per run that reports σ: a dashed box at its point (``sigma_box_halves``)."""
    (x_lo, x_hi), (y_lo, y_hi) = race.objective.domain
    span = min(x_hi - x_lo, y_hi - y_lo)
    boxes = []
    for colour, result in zip(race.colours, race.results, strict=True):
        k = _cursor(result, step)
        half = sigma_box_halves(result, k, span)
        if half is None:
            continue
        (x, y) = result.points[k]
        boxes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": x - half[0],
                "x1": x + half[0],
                "y0": y - half[1],
                "y1": y + half[1],
                "line": {"color": colour, "width": 1.5, "dash": "dash"},  # opaque: see map.js
                "fillcolor": _translucent(colour, 0.15),
                "layer": "above",
            }
        )
    return boxes


def _run_traces(race: Race, step: int | None) -> list[go.Scatter]:
    """Per run: its halo and path up to the cursor, its point there, −∇f and momentum
    arrows (as the lab draws them, plots/map.js ``runTraces``)."""
    (x_lo, x_hi), (y_lo, y_hi) = race.objective.domain
    length = ARROW_FRACTION * min(x_hi - x_lo, y_hi - y_lo)
    traces: list[go.Scatter] = []
    for raw_label, colour, result in zip(race.labels, race.colours, race.results, strict=True):
        label = plotly_text(raw_label)
        k = _cursor(result, step)
        shown = result.points[: k + 1]
        momenta = result.state.get("momentum")
        momentum = momenta[min(k, len(momenta)) - 1] if momenta is not None and k > 0 else None
        halo = halo_for(colour)
        traces += [
            go.Scatter(
                x=shown[:, 0],
                y=shown[:, 1],
                mode="lines",
                name=f"{label} outline",
                showlegend=False,
                line={"color": halo, "width": 5},
                hoverinfo="skip",
            ),
            go.Scatter(
                x=shown[:, 0],
                y=shown[:, 1],
                mode="lines",
                name=label,
                legendgroup=label,
                line={"color": colour, "width": 2.5},
                hoverinfo="skip",
            ),
            go.Scatter(
                x=shown[-1:, 0],
                y=shown[-1:, 1],
                mode="markers",
                name=label,
                legendgroup=label,
                showlegend=False,
                marker={"color": colour, "size": 11, "line": {"color": halo, "width": 1.5}},
                hovertemplate=f"{label}, step {k}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
            ),
            _arrow(shown[-1], -result.gradient[k], length, colour, f"{label} −∇f"),
            _arrow(
                shown[-1],
                None if momentum is None else -momentum,
                0.7 * length,
                colour,
                f"{label} momentum",
            ),
        ]
    return traces


def race(
    surface: str = "rosenbrock",
    runs: Sequence[RunSpec] | None = None,
    *,
    start: Sequence[float] | None = None,
    steps: int = 500,
    params: Mapping[str, float] | None = None,
    log_scale: bool | None = None,
    step: int | None = None,
    resolution: int = LAB_RESOLUTION,
) -> go.Figure:
    """The lab's map: the surface's contour, its known minima, the start, and every run's
    path up to ``step`` (None: the end) with its −∇f and momentum arrows there.

    ``runs`` are dicts such as ``{"optimizer": "adam", "learning_rate": 0.05}`` (None: the
    lab's four); ``log_scale`` None picks the lab's choice for the surface.
    """
    scenario = compute_race(
        surface, runs, start=start, steps=steps, params=params, resolution=resolution
    )
    grid, spec = scenario.surface_grid(), scenario.surface
    z = height_scale(grid.z, _log_scale(scenario, log_scale))(grid.z)
    data = [
        go.Contour(
            x=grid.x,
            y=grid.y,
            z=z,
            name=spec.name,
            showscale=False,
            colorscale=MAP_COLORSCALE,
            ncontours=30,
            line=MAP_CONTOUR_LINE,
            hoverinfo="skip",
        ),
        go.Scatter(
            x=[m.x for m in spec.minima],
            y=[m.y for m in spec.minima],
            mode="markers",
            name="known minima",
            marker=STAR | {"line": {"color": "#333", "width": 1}},
        ),
        go.Scatter(
            x=[scenario.start[0]],
            y=[scenario.start[1]],
            mode="markers",
            name="start",
            marker={"symbol": "circle-open", "size": 14, "color": "#111", "line": {"width": 2}},
        ),
        *_run_traces(scenario, step),
        # The legend's key for the arrows: what their length means (nothing).
        go.Scatter(
            x=[None],  # no point to draw, but a legend entry (Plotly drops empty traces)
            y=[None],
            mode="lines+markers",
            name=ARROWS_NOTE,
            opacity=ARROW_OPACITY,
            line={"color": "#5b6475", "width": 1.5, "dash": "dot"},
            marker={"symbol": "arrow", "size": 10, "color": "#5b6475"},
            hoverinfo="skip",
        ),
    ]
    boxes = _sigma_boxes(scenario, step)
    if boxes:  # the legend's key for the σ boxes: their shape is to scale, their size not
        data.append(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=SIGMA_NOTE,
                marker={"symbol": "square-open", "size": 10, "color": "#5b6475"},
                hoverinfo="skip",
            )
        )
    (x_lo, x_hi), (y_lo, y_hi) = scenario.objective.domain
    # Equal scales, as in the lab: angles (a gradient against a contour, two eigenvectors)
    # are true. The legend sits under the plot, off the data.
    layout = base_layout(
        title={"text": f"{spec.name}: {scenario.steps} steps"},
        xaxis={
            "range": [x_lo, x_hi],
            "title": {"text": "x"},
            "showgrid": False,
            "zeroline": False,
            "constrain": "domain",
        },
        yaxis={
            "range": [y_lo, y_hi],
            "title": {"text": "y"},
            "showgrid": False,
            "zeroline": False,
            "scaleanchor": "x",
            "scaleratio": 1,
            "constrain": "domain",
        },
        margin={"l": 60, "r": 20, "t": 50, "b": 130},  # room for two rows of legend
        legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
        shapes=boxes,
    )
    return go.Figure(data=data, layout=layout)


def _divergence_notes(race: Race) -> list[str]:
    return [
        f"{label} diverged at step {result.diverged_at}"
        for label, result in zip(race.labels, race.results, strict=True)
        if result.diverged_at is not None
    ]


def loss_curves(
    surface: str = "rosenbrock",
    runs: Sequence[RunSpec] | None = None,
    *,
    start: Sequence[float] | None = None,
    steps: int = 500,
    params: Mapping[str, float] | None = None,
    log_loss: bool = True,
) -> go.Figure:
    """Loss, ‖∇f‖ and η against the step, one row each (the lab's charts beside the map).

    The loss axis is logarithmic when ``log_loss`` and every loss is positive.
    """
    scenario = compute_race(surface, runs, start=start, steps=steps, params=params, resolution=None)
    rows = (("loss", "loss"), ("grad_norm", "‖∇f‖"), ("learning_rate", "η"))
    figure = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.05)
    for raw_label, colour, result in zip(
        scenario.labels, scenario.colours, scenario.results, strict=True
    ):
        label = plotly_text(raw_label)
        for row, (key, title) in enumerate(rows, start=1):
            series = getattr(result, key)
            figure.add_trace(
                go.Scatter(
                    x=np.arange(len(series)),
                    y=series,
                    mode="lines",
                    name=label,
                    legendgroup=label,
                    showlegend=row == 1,
                    line={"color": colour, "width": 1.8},
                    hovertemplate=f"{label} {title} %{{y:.4g}} at step %{{x}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    losses = np.concatenate([r.loss for r in scenario.results])
    log = log_loss and bool(np.all(losses[np.isfinite(losses)] > 0))
    figure.update_layout(
        base_layout(title={"text": f"{scenario.surface.name}: loss, gradient norm and η"}),
        yaxis={
            "title": {"text": "loss"},
            "type": "log" if log else "linear",
            "exponentformat": "power",
        },
        yaxis2={"title": {"text": "‖∇f‖"}, "type": "log", "exponentformat": "power"},
        yaxis3={"title": {"text": "η"}, "type": "log", "exponentformat": "power"},
        xaxis3={"title": {"text": "step"}, "range": [0, scenario.steps]},
        annotations=[
            {
                "text": note,
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 0.98 - 0.07 * k,
                "xanchor": "right",
                "showarrow": False,
                "font": {"color": "#D55E00", "size": 12},
                "bgcolor": "rgba(255,255,255,0.8)",
            }
            for k, note in enumerate(map(plotly_text, _divergence_notes(scenario)))
        ],
    )
    return figure


@dataclass(frozen=True)
class StepParts:
    """One update taken apart as the lab's "step parts" do (step_anatomy.js): vectors from
    ``point`` at true scale, each ``(key, label, vector)``; ``other`` is what the summary
    θ − (η/σ)·v leaves out of the step taken, or None."""

    k: int
    point: np.ndarray
    parts: list[tuple[str, str, np.ndarray]]
    step: np.ndarray
    other: np.ndarray | None


def step_parts(result: RunResult, k: int, sigma_divides: str = "momentum") -> StepParts:
    """Update ``k`` of ``result``: −η∇f, −η·m (with momentum), −(η/σ)·v (with σ; v is m, or
    ∇f where σ divides the gradient), and the step taken."""
    if not 0 <= k < len(result.points) - 1:
        raise ValueError(f"no update {k}: the run has {len(result.points) - 1}")
    eta = result.learning_rate[k]
    sampled = result.state.get("sampled_gradient")
    gradient = result.gradient[k] if sampled is None else sampled[k]
    momenta = None if sigma_divides == "gradient" else result.state.get("momentum")
    momentum = None if momenta is None else momenta[k]
    sigmas = result.state.get("sigma")
    parts = [("gradient", "−η∇f", -eta * gradient)]
    if momentum is not None:
        parts.append(("momentum", "−η·m", -eta * momentum))
    if sigmas is not None:
        direction, name = (gradient, "∇f") if momentum is None else (momentum, "m")
        parts.append(("scaled", f"−(η/σ)·{name}", -eta * direction / sigmas[k]))
    step = result.points[k + 1] - result.points[k]
    other = step - parts[-1][2]
    # Equal to rounding: relative to the step, and to the points it is the difference of.
    size = max(float(np.hypot(*result.points[k])), float(np.hypot(*result.points[k + 1])))
    relative = 1e-9 * max(float(np.hypot(*step)), float(np.hypot(*parts[-1][2])))
    exact = float(np.hypot(*other)) <= max(relative, 1e-13 * size, 1e-300)
    return StepParts(k, result.points[k], parts, step, None if exact else other)


def step_anatomy(
    surface: str = "elongated_quadratic",
    run: RunSpec | None = None,
    step: int = 10,
    *,
    start: Sequence[float] | None = None,
    params: Mapping[str, float] | None = None,
) -> go.Figure:
    """One update of ``run`` taken apart, zoomed to it (the lab's "step parts"): the path
    around it and, from the point at ``step``, −η∇f, −η·m, −(η/σ)·m and the step taken,
    each an arrow at true scale (one arrow where the last part is the whole step)."""
    run = run or {"optimizer": "momentum", "learning_rate": 0.015, "momentum": 0.9}
    scenario = compute_race(surface, [run], start=start, steps=step + 1, params=params)
    (result,) = scenario.results
    anatomy = step_parts(result, step, run_config(run, scenario.start).optimizer.sigma_divides)
    arrows = list(anatomy.parts)
    if anatomy.other is None:
        key, label, vector = arrows[-1]
        arrows[-1] = (key, f"{label} = step", vector)
    else:
        arrows.append(("step", "step", anatomy.step))
    shown = result.points[: step + 2]
    figure = go.Figure(
        go.Scatter(
            x=shown[:, 0],
            y=shown[:, 1],
            mode="lines+markers",
            name=plotly_text(scenario.labels[0]),
            line={"color": scenario.colours[0], "width": 2},
        )
    )
    (x, y) = anatomy.point
    for key, label, vector in arrows:
        colour = STEP_PART_COLOURS[key]
        figure.add_annotation(
            x=x + vector[0], y=y + vector[1], ax=x, ay=y, xref="x", yref="y", axref="x",
            ayref="y", showarrow=True, arrowhead=2, arrowwidth=2, arrowcolor=colour,
            text=label, font={"color": colour},
        )  # fmt: skip
    points = np.vstack([anatomy.point, *(anatomy.point + v for _, _, v in arrows)])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.25 * max(float((high - low).max()), 1e-12)
    figure.update_layout(
        base_layout(title={"text": f"{scenario.surface.name}: the update from step {step}"}),
        xaxis={"range": [low[0] - pad, high[0] + pad], "title": {"text": "x"}},
        yaxis={
            "range": [low[1] - pad, high[1] + pad],
            "title": {"text": "y"},
            "scaleanchor": "x",
            "scaleratio": 1,
        },
    )
    return figure


def eigen_components(
    surface: str = "elongated_quadratic",
    runs: Sequence[RunSpec] | None = None,
    *,
    start: Sequence[float] | None = None,
    steps: int = 500,
    params: Mapping[str, float] | None = None,
) -> go.Figure:
    """On a quadratic surface, each run's loss above the stationary point split by
    eigendirection, ½λᵢ(uᵢ·(θ − θ*))², against the step: solid along the smaller λ, dashed
    the larger (the lab's fourth chart; Distill's "milestones"). ValueError elsewhere."""
    scenario = compute_race(surface, runs, start=start, steps=steps, params=params, resolution=None)
    quadratic = quadratic_of(scenario.objective)
    if quadratic is None:
        raise ValueError(f"{surface} is not a quadratic surface: its loss has no eigen-parts")
    figure = go.Figure()
    parts = [quadratic.components(result.points) for result in scenario.results]
    for raw_label, colour, run_parts in zip(scenario.labels, scenario.colours, parts, strict=True):
        label = plotly_text(raw_label)
        for direction, dash in enumerate(("solid", "dash")):
            lam = f"λ = {quadratic.eigenvalues[direction]:.3g}"
            figure.add_trace(
                go.Scatter(
                    x=np.arange(len(run_parts)),
                    y=run_parts[:, direction],
                    mode="lines",
                    name=f"{label}, {lam}",
                    legendgroup=label,
                    line={"color": colour, "width": 1.8, "dash": dash},
                    hovertemplate=f"{label}, {lam}: %{{y:.4g}} at step %{{x}}<extra></extra>",
                )
            )
    values = np.concatenate([p.ravel() for p in parts])
    log = bool(np.all(values[np.isfinite(values)] >= 0))
    figure.update_layout(
        base_layout(title={"text": f"{scenario.surface.name}: the loss per eigendirection"}),
        xaxis={"title": {"text": "step"}, "range": [0, scenario.steps]},
        yaxis={
            "title": {"text": "½λᵢ(uᵢ·(θ − θ*))²"},
            "type": "log" if log else "linear",
            "exponentformat": "power",
        },
    )
    return figure


def surface3d(
    surface: str = "rosenbrock",
    runs: Sequence[RunSpec] | None = None,
    *,
    start: Sequence[float] | None = None,
    steps: int = 500,
    params: Mapping[str, float] | None = None,
    log_scale: bool | None = None,
    resolution: int = LAB_RESOLUTION,
) -> go.Figure:
    """The lab's 3-D view: the surface, and every run's path lifted onto it."""
    use_engine_precision()
    scenario = compute_race(
        surface, runs, start=start, steps=steps, params=params, resolution=resolution
    )
    grid = scenario.surface_grid()
    log = _log_scale(scenario, log_scale)
    scale = height_scale(grid.z, log)
    data: list[go.Surface | go.Scatter3d] = [
        go.Surface(
            x=grid.x,
            y=grid.y,
            z=scale(grid.z),
            colorscale=MAP_COLORSCALE,
            showscale=False,
            opacity=0.9,
            name=scenario.surface.name,
        )
    ]
    for label, colour, result in zip(
        scenario.labels, scenario.colours, scenario.results, strict=True
    ):
        data.append(
            go.Scatter3d(
                x=result.points[:, 0],
                y=result.points[:, 1],
                z=scale(result.loss),
                mode="lines+markers",
                name=plotly_text(label),
                line={"color": colour, "width": 5},
                marker={"size": 1.5, "color": colour},
            )
        )
    layout = base_layout(
        title={"text": f"{scenario.surface.name}: {scenario.steps} steps"},
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        legend={"x": 0, "y": 1, "bgcolor": "rgba(255,255,255,0.7)"},
        scene={
            "xaxis": {"title": {"text": "x"}},
            "yaxis": {"title": {"text": "y"}},
            "zaxis": {"title": {"text": "log₁₀(f − min)" if log else "f"}},
        },
    )
    return go.Figure(data=data, layout=layout)
