"""The Hessian at a trained network's weights, as ``networks/hessian_view.js`` draws it
(PyHessian's views): the eigenvalue density on a log axis with the top eigenvalues marked
at its floor, and beside it the full spectrum as a histogram when it was computed."""

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from descentlab.core.experiments import hessian as experiment
from descentlab.figures.experiments import Result, result_of
from descentlab.figures.inputs import SetupSpec
from descentlab.figures.style import INK, PALETTE, SUBPLOT_MARGIN, base_layout, number, values

# A density of 0 has no place on a log axis: values below this share of the peak are drawn
# at it (the bottom of the plot), where the top eigenvalues are marked too.
DENSITY_FLOOR = 1e-6


def density_floor(density: Any) -> float:
    heights = values(density)
    peak = float(np.max(heights[np.isfinite(heights)], initial=0.0))
    return peak * DENSITY_FLOOR if peak > 0 else DENSITY_FLOOR


def _title(result: Result) -> str:
    trace = result["trace"]
    parts = [
        f"{result['parameters']} parameters",
        f"λ_max {number(values(result['top_eigenvalues'])[0])}",
        f"trace {number(trace['estimate'])} ± {number(trace['standard_error'])}",
    ]
    ratio = result.get("minimum_ratio")
    if ratio:
        parts.append(f"minimum ratio {number(ratio['ratio'])}")
    return "Hessian at the trained weights: " + ", ".join(parts)


def figure(result: Result) -> go.Figure:
    spectrum = result.get("spectrum")
    columns = 1 if spectrum is None else 2
    titles = ["Eigenvalue density", "Full spectrum"][:columns]
    fig = make_subplots(rows=1, cols=columns, subplot_titles=titles, horizontal_spacing=0.1)
    floor = density_floor(result["density"]["y"])
    density = np.nan_to_num(values(result["density"]["y"]), nan=0.0)
    top = values(result["top_eigenvalues"])
    fig.add_trace(
        go.Scatter(
            x=values(result["density"]["x"]),
            y=np.maximum(density, floor),
            mode="lines",
            name="density",
            line={"color": PALETTE[0], "width": 2},
            hovertemplate="λ %{x:.4g}: density %{y:.3g}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=top,
            y=np.full(top.shape, floor),
            mode="markers",
            name="top eigenvalues (Lanczos)",
            cliponaxis=False,
            marker={"symbol": "triangle-up", "size": 10, "color": PALETTE[4]},
            hovertemplate="λ = %{x:.4g}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text="eigenvalue λ", zeroline=True, zerolinecolor="#aaa", row=1, col=1)
    fig.update_yaxes(
        title_text="density (log)", type="log", dtick=2, exponentformat="power", row=1, col=1
    )
    if spectrum is not None:
        fig.add_trace(
            go.Histogram(
                x=values(spectrum),
                nbinsx=80,
                name="eigenvalues",
                marker={"color": PALETTE[2], "line": {"color": INK, "width": 0.3}},
                hovertemplate="%{y} eigenvalues in %{x}<extra></extra>",
            ),
            row=1,
            col=2,
        )
        fig.update_xaxes(title_text="eigenvalue λ (all of them)", row=1, col=2)
        fig.update_yaxes(title_text="count (log)", type="log", dtick=1, row=1, col=2)
    fig.update_layout(
        base_layout(title={"text": _title(result)}, bargap=0.02, margin=SUBPLOT_MARGIN)
    )
    return fig


def hessian_spectrum(
    *, setup: SetupSpec = None, result: Result | None = None, **params: Any
) -> go.Figure:
    """Train ``setup`` and draw the Hessian there: ``top_k`` eigenvalues and the density
    from ``iterations`` Lanczos steps and ``probes`` random vectors (``HessianParams``)."""
    return figure(result_of(experiment.run, experiment.HessianParams, result, setup, params))
