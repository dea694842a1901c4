""" "Local minima are rare" (curriculum section 1), as ``networks/experiments/minimum_ratio.js``
draws it: each network polished to a critical point is a dot at (training loss, minimum
ratio = share of positive Hessian eigenvalues); a true local minimum would sit at 1."""

from typing import Any

import plotly.graph_objects as go

from descentlab.core.experiments import minimum_ratio as experiment
from descentlab.figures.experiments import Result, result_of
from descentlab.figures.inputs import SetupSpec
from descentlab.figures.style import INK, PALETTE, axis, base_layout, number, value_axis


def _describe(network: Result) -> str:
    widths = "×".join(str(w) for w in network["widths"]) or "none"
    return (
        f"seed {network['seed']}, widths {widths}, {network['parameters']} parameters, "
        f"‖∇L‖ {number(network['gradient_norm'])}"
    )


def summary_text(summary: Result) -> str:
    return (
        f"{summary['networks']} networks, {summary['converged']} converged; minimum ratio mean "
        f"{number(summary['mean_ratio'])}, median {number(summary['median_ratio'])}; "
        f"{summary['reached_one']} reached 1"
    )


def figure(result: Result) -> go.Figure:
    networks = list(result["networks"])
    data = []
    for converged in (True, False):
        chosen = [n for n in networks if bool(n["converged"]) == converged]
        marker = (
            {
                "symbol": "circle",
                "size": 9,
                "color": PALETTE[0],
                "line": {"color": INK, "width": 0.5},
            }
            if converged
            else {"symbol": "circle-open", "size": 9, "color": PALETTE[1], "line": {"width": 1.5}}
        )
        data.append(
            go.Scatter(
                x=[n["train_loss"] for n in chosen],
                y=[n["minimum_ratio"] for n in chosen],
                text=[_describe(n) for n in chosen],
                mode="markers",
                marker=marker,
                name="converged (‖∇L‖ small)" if converged else "not converged",
                hovertemplate="loss %{x:.3g}, ratio %{y:.3f}<br>%{text}<extra></extra>",
            )
        )
    layout = base_layout(
        title={"text": "Minimum ratio against training loss: " + summary_text(result["summary"])},
        xaxis=value_axis("training loss", [n["train_loss"] for n in networks]),
        yaxis=axis("minimum ratio (positive eigenvalues / all)", range=[0, 1.05]),
        shapes=[
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": 1,
                "y1": 1,
                "line": {"color": "#888", "dash": "dot", "width": 1},
            },
        ],
    )
    return go.Figure(data=data, layout=layout)


def minimum_ratio(
    *, setup: SetupSpec = None, result: Result | None = None, **params: Any
) -> go.Figure:
    """Train ``seeds`` networks of each of ``widths`` on ``setup``, polish each to a critical
    point and plot its minimum ratio against its loss (``MinimumRatioParams``)."""
    return figure(result_of(experiment.run, experiment.MinimumRatioParams, result, setup, params))
