"""A trained network's loss landscape (Li et al. 2018), as ``networks/landscape_view.js``
draws it: the 2-D slice as a contour (or a 3-D surface), log₁₀ heights when every loss is
positive, and on the PCA plane the training path labelled by epoch."""

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go

from descentlab.core.experiments import landscape as experiment
from descentlab.figures.experiments import Result, result_of
from descentlab.figures.inputs import SetupSpec
from descentlab.figures.style import (
    CONTOUR_LINE,
    INK,
    LANDSCAPE_COLORSCALE,
    PATH_COLOR,
    STAR,
    base_layout,
    number,
    percent,
    values,
)

View = Literal["contour", "surface3d"]


def heights(z: Any) -> tuple[bool, np.ndarray]:
    """(log?, heights): log₁₀ of every value when all finite ones are positive."""
    grid = values(z)
    finite = grid[np.isfinite(grid)]
    log = bool(finite.size) and bool(np.all(finite > 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return log, np.log10(grid) if log else grid


def label_indices(length: int, count: int = 6) -> list[int]:
    """At most ``count`` evenly spaced indices, first and last included."""
    if length <= count:
        return list(range(length))
    return sorted({round(k * (length - 1) / (count - 1)) for k in range(count)})


def path_labels(epochs: Sequence[int]) -> list[str]:
    shown = set(label_indices(len(epochs)))
    return [f"epoch {e}" if i in shown else "" for i, e in enumerate(epochs)]


def sample_grid(x: np.ndarray, y: np.ndarray, z: np.ndarray, px: float, py: float) -> float:
    """Bilinear interpolation of ``z[j, i]`` (at ``x[i], y[j]``, ascending) at (px, py)."""

    def cell(axis: np.ndarray, v: float) -> tuple[int, float]:
        i = int(np.clip(np.searchsorted(axis, v) - 1, 0, len(axis) - 2))
        return i, float(np.clip((v - axis[i]) / (axis[i + 1] - axis[i]), 0, 1))

    (i, s), (j, t) = cell(x, px), cell(y, py)
    return float(
        (1 - t) * ((1 - s) * z[j, i] + s * z[j, i + 1])
        + t * ((1 - s) * z[j + 1, i] + s * z[j + 1, i + 1])
    )


def _colorbar(log: bool, z: np.ndarray) -> dict[str, Any]:
    if not log:
        return {"title": {"text": "loss", "side": "right"}, "thickness": 12}
    finite = z[np.isfinite(z)]
    ticks = np.linspace(finite.min(), finite.max(), 5)
    return {
        "title": {"text": "loss (log scale)", "side": "right"},
        "thickness": 12,
        "tickvals": ticks,
        "ticktext": [number(10**v) for v in ticks],
    }


def _title(result: Result) -> str:
    ratio = result.get("explained_variance_ratio")
    if ratio is None:
        return "Training loss on two random filter-normalized directions"
    return (
        f"Training loss on the PCA plane of the path ({percent(ratio[0])} and "
        f"{percent(ratio[1])} of its movement; {percent(result['path_captured'])} captured)"
    )


def figure(result: Result, view: View = "contour") -> go.Figure:
    log, z = heights(result["z"])
    x, y = values(result["x"]), values(result["y"])
    pca = result["directions"] == "pca"
    titles = (
        ("PCA direction 1", "PCA direction 2")
        if pca
        else ("random direction 1 (α)", "random direction 2 (β)")
    )
    height = "log₁₀ loss" if log else "loss"
    path = values(result["path"]) if result.get("path") is not None else None
    given_epochs = result.get("path_epochs")
    epochs = (
        [int(e) for e in given_epochs]
        if given_epochs is not None
        else list(range(0 if path is None else len(path)))
    )
    labels = path_labels(epochs)
    hover = f"(%{{x:.3g}}, %{{y:.3g}}) {height} %{{z:.3g}}<extra></extra>"
    if view == "surface3d":
        finite = z[np.isfinite(z)]
        lift = 0.01 * float(finite.max() - finite.min())
        data: list[Any] = [
            go.Surface(
                x=x,
                y=y,
                z=z,
                name="training loss",
                colorscale=LANDSCAPE_COLORSCALE,
                reversescale=True,
                showscale=False,
                opacity=0.92,
                hovertemplate=hover,
            )
        ]
        if path is not None:
            data.append(
                go.Scatter3d(
                    x=path[:, 0],
                    y=path[:, 1],
                    z=[sample_grid(x, y, z, px, py) + lift for px, py in path],
                    mode="lines+markers+text",
                    name="training path",
                    text=labels,
                    textfont={"size": 11, "color": INK},
                    line={"color": PATH_COLOR, "width": 5},
                    marker={"size": 3, "color": PATH_COLOR},
                )
            )
        scene = {"xaxis": {"title": {"text": titles[0]}}, "yaxis": {"title": {"text": titles[1]}}}
        layout = base_layout(
            title={"text": _title(result)},
            showlegend=False,
            margin={"l": 0, "r": 0, "t": 50, "b": 0},
            scene=scene | {"zaxis": {"title": {"text": height}}},
        )
        return go.Figure(data=data, layout=layout)
    data = [
        go.Contour(
            x=x,
            y=y,
            z=z,
            name="training loss",
            colorscale=LANDSCAPE_COLORSCALE,
            reversescale=True,
            ncontours=25,
            line=CONTOUR_LINE,
            colorbar=_colorbar(log, z),
            hovertemplate=hover,
        )
    ]
    if path is not None:
        data.append(
            go.Scatter(
                x=path[:, 0],
                y=path[:, 1],
                mode="lines+markers+text",
                name="training path",
                text=labels,
                textposition="top right",
                textfont={"size": 11, "color": INK},
                line={"color": PATH_COLOR, "width": 2},
                marker={"size": 5, "color": PATH_COLOR},
                customdata=epochs,
                hovertemplate="epoch %{customdata}<extra></extra>",
            )
        )
    data.append(
        go.Scatter(
            x=[0],
            y=[0],
            mode="markers",
            name="trained weights",
            marker=STAR | {"size": 14},
            hovertemplate="the trained weights<extra></extra>",
        )
    )
    layout = base_layout(
        title={"text": _title(result)},
        showlegend=False,
        xaxis={"title": {"text": titles[0]}},
        yaxis={"title": {"text": titles[1]}},
    )
    return go.Figure(data=data, layout=layout)


def landscape(
    *,
    setup: SetupSpec = None,
    view: View = "contour",
    result: Result | None = None,
    **params: Any,
) -> go.Figure:
    """Train ``setup`` and draw its loss landscape: ``directions`` "pca" (the path's plane,
    the path drawn on it) or "random"; ``resolution``, ``span`` (random) and ``margin``
    (PCA) as in ``LandscapeParams``. ``view``: "contour" or "surface3d"."""
    return figure(
        result_of(experiment.run, experiment.LandscapeParams, result, setup, params), view
    )
