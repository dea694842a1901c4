"""Cross-entropy vs MSE on softmax outputs (curriculum section 5), as
``networks/experiments/loss_comparison.js`` draws it: both error surfaces over the logits
(y₁, y₂) with the same optimizer's run on each, and both losses against the step."""

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from descentlab.core.experiments import loss_comparison as experiment
from descentlab.figures.experiments import Result, result_of
from descentlab.figures.style import (
    PALETTE,
    SUBPLOT_MARGIN,
    base_layout,
    contour_with_path,
    line,
    number,
    surface_axes,
    value_axis,
    values,
)

LOSSES = (("cross_entropy", "Cross-entropy", PALETTE[0]), ("mse", "MSE", PALETTE[4]))
LOGITS = ("logit y₁ (target class)", "logit y₂")


def figure(result: Result) -> go.Figure:
    present = [(key, title, colour) for key, title, colour in LOSSES if key in result["losses"]]
    finals = {key: values(result["losses"][key]["run"]["loss"])[-1] for key, _, _ in present}
    fig = make_subplots(
        rows=1,
        cols=len(present) + 1,
        subplot_titles=[f"{title}: final loss {number(finals[key])}" for key, title, _ in present]
        + ["Loss per step, same start and optimizer"],
        horizontal_spacing=0.08,
    )
    curves = []
    for col, (key, title, colour) in enumerate(present, start=1):
        part = result["losses"][key]
        for trace in contour_with_path(part["grid"], part["run"]["points"], colour):
            fig.add_trace(trace, row=1, col=col)
        surface_axes(fig, 1, col, part["grid"], LOGITS)
        loss = values(part["run"]["loss"])
        curves.append(loss)
        fig.add_trace(line(title, np.arange(len(loss)), loss, colour), row=1, col=len(present) + 1)
    last = len(present) + 1
    fig.update_xaxes(title_text="step", row=1, col=last)
    fig.update_yaxes(value_axis("loss", np.concatenate(curves) if curves else []), row=1, col=last)
    p = result.get("params", {})
    setting = (
        f"{p.get('optimizer', '')}, η = {number(p.get('learning_rate'))}, "
        f"{p.get('steps', '')} steps, y₃ = {number(p.get('y3'))}"
    )
    fig.update_layout(
        base_layout(
            title={"text": f"Cross-entropy vs MSE: {setting}"},
            showlegend=False,
            margin=SUBPLOT_MARGIN,
        )
    )
    return fig


def loss_comparison(*, result: Result | None = None, **params: Any) -> go.Figure:
    """Both error surfaces and one run of the same optimizer on each, from ``start``
    (``LossComparisonParams``: ``y3``, ``start``, ``optimizer``, ``learning_rate``,
    ``steps``, ``resolution``)."""
    return figure(result_of(experiment.run, experiment.LossComparisonParams, result, None, params))
