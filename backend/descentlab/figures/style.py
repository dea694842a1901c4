"""The lab's look in Python: its palette, colour scale and the traces every view shares.

The same choices as the front end (``frontend/js/state.js``'s palette, ``plots/map.js``,
``networks/colors.js`` and ``networks/experiments/common.js``), so that a figure drawn in
a notebook looks like the one the lab shows. The layout template is ``"none"``: Plotly's
own defaults, which are plotly.js's, which the lab uses.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

# Okabe–Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
INK = "#1d2433"
# The 2-D map (plots/colors.js MAP_COLORSCALE): low loss pale blue to high loss near
# white, light everywhere so every run colour reads on it.
MAP_COLORSCALE = (
    (0.0, "#b8d2ea"),
    (0.25, "#d2e4f0"),
    (0.5, "#e5f0e9"),
    (0.75, "#f5f3dc"),
    (1.0, "#fffcf2"),
)
DARK_HALO = "#1d2433"  # the outline of a light run colour's path
LIGHT_HALO = "#ffffff"  # and of a dark one's
WARNING = "#8F3500"
# Arrows show a direction only (plots/map.js): each is this share of the view's shorter
# side (the momentum arrow 0.7 of it), dotted, thinner than a path and translucent.
ARROW_FRACTION = 0.08
ARROW_OPACITY = 0.75
ARROWS_NOTE = "arrows: direction only, length not to scale"
# The step parts' arrows (step_anatomy.js PART_COLOURS)
STEP_PART_COLOURS = {
    "gradient": "#56B4E9",
    "momentum": "#CC79A7",
    "scaled": "#D55E00",
    "step": "#111111",
    "other": "#8F3500",
}
# σ at a run's point: a box with sides in the ratio of η/σᵢ, the longer this share of the view
SIGMA_BOX_FRACTION = 0.3
SIGMA_NOTE = "dashed box: η/σᵢ per coordinate, shape to scale, size not"


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of "#rrggbb" (plots/colors.js ``luminance``)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    value = int(hex_colour[1:7], 16)
    r, g, b = (channel(((value >> shift) & 255) / 255) for shift in (16, 8, 0))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two "#rrggbb" colours, 1 to 21."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def halo_for(colour: str) -> str:
    """A path's halo (plots/colors.js ``haloFor``): a white edge for a colour that reaches
    3:1 on the scale's darkest colour by itself, a dark outline for the rest."""
    darkest = min((c for _, c in MAP_COLORSCALE), key=_luminance)
    return LIGHT_HALO if contrast(colour, darkest) >= 3 else DARK_HALO


# A network's loss landscape (networks/colors.js LANDSCAPE), drawn reversed: low loss
# dark blue, high loss pale.
LANDSCAPE_COLORSCALE = "YlGnBu"
HYPER_MAP_COLORSCALE = "Viridis"  # low (good: a small loss, few steps) dark
# A map's log colour scale spans at most this many decades below its largest loss.
HYPER_MAP_LOG_DECADES = 12
DIVERGED = "#7f7f7f"  # a hyperparameter map's diverged cells: no colour scale reaches it
PATH_COLOR = PALETTE[4]  # vermillion stands out on YlGnBu
CONTOUR_LINE = {"width": 0.5, "color": "rgba(0,0,0,0.25)"}  # a network landscape's
MAP_CONTOUR_LINE = {"width": 0.6, "color": "rgba(29,36,51,0.35)"}  # the 2-D map's
STAR = {"symbol": "star", "size": 13, "color": "#F0E442", "line": {"color": INK, "width": 1}}
TEMPLATE = "none"
# Room above the subplot titles for the figure's own title.
SUBPLOT_MARGIN = {"l": 60, "r": 20, "t": 110, "b": 80}


# Plotly knows few named entities (not &quot;): the quotes and % are numeric.
_PLOTLY_ENTITIES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;", "%": "&#37;"}
)


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def plotly_text(text: str) -> str:
    """``text`` as Plotly must be given it to show it literally (``plotly_text.js``).

    Plotly reads a subset of HTML in names, hover text, annotations and titles (a run label
    ``<a href=…>`` would be a live link in an exported figure) and ``%{…}`` in a
    hovertemplate as a variable; it decodes character entities, so these show as typed.
    """
    return text.translate(_PLOTLY_ENTITIES)


def values(series: Any) -> np.ndarray:
    """Float64 numbers for a trace, from arrays or JSON lists; a None (a result's non-finite
    number) becomes NaN, which Plotly leaves as a gap."""
    return np.asarray([] if series is None else series, dtype=np.float64)


def axis(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title, "standoff": 4}, "exponentformat": "power", **extra}


def value_axis(title: str, series: Any, **extra: Any) -> dict[str, Any]:
    """An axis that goes log when every value is positive and they span decades (as
    ``networks/axes.js`` decides)."""
    numbers = values(series)
    finite = numbers[np.isfinite(numbers)]
    if finite.size and finite.min() > 0:
        decades = float(np.log10(finite.max() / finite.min()))
        if decades >= 1.3:
            return axis(f"{title} (log)", type="log", dtick=2 if decades > 8 else 1, **extra)
    return axis(title, **extra)


def line(
    name: str,
    x: Any,
    y: Any,
    colour: str,
    *,
    dash: str = "solid",
    mode: str = "lines",
    **extra: Any,
) -> go.Scatter:
    return go.Scatter(
        x=values(x),
        y=values(y),
        name=name,
        mode=mode,
        line={"color": colour, "width": 2, "dash": dash},
        marker={"color": colour, "size": 7},
        legendgroup=name,
        hovertemplate=f"{name}: %{{y:.4g}} at %{{x}}<extra></extra>",
        **extra,
    )


def contour(x: Any, y: Any, z: Any, name: str = "loss", **extra: Any) -> go.Contour:
    """A network landscape's contour, as the Networks page draws it: reversed YlGnBu, thin
    grey lines."""
    options: dict[str, Any] = {
        "colorscale": LANDSCAPE_COLORSCALE,
        "reversescale": True,
        "ncontours": 25,
        "line": CONTOUR_LINE,
        "hovertemplate": "(%{x:.3g}, %{y:.3g}) %{z:.4g}<extra></extra>",
    }
    return go.Contour(x=values(x), y=values(y), z=values(z), name=name, **(options | extra))


def path_traces(path: Any, colour: str = PATH_COLOR, name: str = "path") -> list[go.Scatter]:
    """A path ``[[a, b], ...]`` as a line, its start hollow and its end filled."""
    points = values(path)
    if points.size == 0:
        return []
    x, y = points[:, 0], points[:, 1]
    return [
        go.Scatter(
            x=x, y=y, mode="lines", name=name, line={"color": colour, "width": 2}, showlegend=False
        ),
        go.Scatter(
            x=[x[0], x[-1]],
            y=[y[0], y[-1]],
            mode="markers",
            name="start and end",
            marker={"symbol": ["circle-open", "circle"], "size": 11, "color": colour},
            showlegend=False,
        ),
    ]


def star(name: str, point: Sequence[float]) -> go.Scatter:
    return go.Scatter(
        x=[point[0]], y=[point[1]], mode="markers", name=name, marker=STAR, showlegend=False
    )


def base_layout(**extra: Any) -> dict[str, Any]:
    return {
        "template": TEMPLATE,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 80},
        "legend": {"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top"},
        **extra,
    }


def number(x: float | None) -> str:
    """A number as the lab writes it: 3 significant digits, an exponent when tiny or huge,
    "–" for a missing one."""
    if x is None or not np.isfinite(x):
        return "–"
    a = abs(x)
    return f"{float(f'{x:.3g}'):g}" if a == 0 or 1e-3 <= a < 1e4 else f"{x:.2e}"


def percent(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def contour_with_path(
    surface: Any,
    path: Any = None,
    colour: str = PATH_COLOR,
    marks: Sequence[tuple[str, Sequence[float]]] = (),
) -> list[go.Contour | go.Scatter]:
    """A loss contour ``{x, y, z}`` with a path on it (start hollow, end filled) and named
    stars (``networks/experiments/common.js``'s ``contourWithPath``)."""
    traces: list[go.Contour | go.Scatter] = [
        contour(surface["x"], surface["y"], surface["z"], showscale=False)
    ]
    if path is not None:
        traces += path_traces(path, colour)
    traces += [star(name, point) for name, point in marks]
    return traces


def surface_axes(
    figure: go.Figure, row: int, col: int, surface: Any, titles: tuple[str, str]
) -> None:
    """A contour subplot's axes: the surface's extent, one unit as long on both (an elongated
    valley looks elongated), the plot area shrinking to fit."""
    x, y = values(surface["x"]), values(surface["y"])
    x_axis = figure.get_subplot(row, col).xaxis.plotly_name  # "xaxis2", referred to as "x2"
    figure.update_xaxes(
        title_text=titles[0], range=[x[0], x[-1]], constrain="domain", row=row, col=col
    )
    figure.update_yaxes(
        title_text=titles[1],
        range=[y[0], y[-1]],
        scaleanchor=x_axis.replace("axis", ""),
        constrain="domain",
        row=row,
        col=col,
    )
