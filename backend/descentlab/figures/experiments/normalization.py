"""Normalization changes the landscape (curriculum section 6), as
``networks/experiments/normalization.js`` draws it. Top row: a linear model's error surface
with badly scaled features and after standardizing them (same optimizer, same rate), and
both losses; bottom row: a small network's training with and without batch norm at the
same rates, and a 2-D loss slice through each trained network."""

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from descentlab.core.experiments import normalization as experiment
from descentlab.figures.experiments import Result, result_of
from descentlab.figures.inputs import SetupSpec
from descentlab.figures.style import (
    PALETTE,
    SUBPLOT_MARGIN,
    base_layout,
    color,
    contour_with_path,
    line,
    number,
    surface_axes,
    value_axis,
    values,
)

CASE_TITLES = {"scaled": "Scaled features", "standardized": "Standardized features"}


def _bn(on: bool) -> str:
    return "with batch norm" if on else "without batch norm"


def figure(result: Result) -> go.Figure:
    linear, batch_norm = result["linear"], result["batch_norm"]
    cases, slices = list(linear["cases"]), list(batch_norm["slices"])
    columns = max(len(cases), len(slices)) + 1
    titles = [
        f"{CASE_TITLES.get(c['name'], c['name'])}: condition number {number(c['condition_number'])}"
        for c in cases
    ]
    titles += [""] * (columns - 1 - len(cases)) + ["Linear model: loss per step"]
    titles += [f"Slice {_bn(s['batch_norm'])} (η = {number(s['learning_rate'])})" for s in slices]
    titles += [""] * (columns - 1 - len(slices)) + [f"Training loss ({batch_norm['optimizer']})"]
    fig = make_subplots(rows=2, cols=columns, subplot_titles=titles, vertical_spacing=0.14)
    for col, case in enumerate(cases, start=1):
        minimum = [] if case.get("minimum") is None else [("minimum", case["minimum"])]
        for trace in contour_with_path(case["surface"], case["path"], marks=minimum):
            fig.add_trace(trace, row=1, col=col)
        surface_axes(fig, 1, col, case["surface"], ("w₁", "w₂"))
        loss = values(case["loss"])
        name = CASE_TITLES.get(case["name"], case["name"])
        fig.add_trace(line(name, np.arange(len(loss)), loss, PALETTE[col - 1]), row=1, col=columns)
    fig.update_xaxes(title_text="step", row=1, col=columns)
    losses = np.concatenate([values(c["loss"]) for c in cases] or [values([])])
    fig.update_yaxes(value_axis("loss", losses), row=1, col=columns)
    for col, part in enumerate(slices, start=1):
        for trace in contour_with_path(part, marks=[("trained weights", (0.0, 0.0))]):
            fig.add_trace(trace, row=2, col=col)
        surface_axes(fig, 2, col, part, ("random direction 1", "random direction 2"))
    rates = list(batch_norm["learning_rates"])
    for run in batch_norm["runs"]:
        history = run["history"]
        colour = color(rates.index(run["learning_rate"]) if run["learning_rate"] in rates else 0)
        name = f"η = {number(run['learning_rate'])} {_bn(run['batch_norm'])}"
        fig.add_trace(
            line(
                name,
                history["epoch"],
                history["train_loss"],
                colour,
                dash="solid" if run["batch_norm"] else "dash",
            ),
            row=2,
            col=columns,
        )
    fig.update_xaxes(title_text="epoch", row=2, col=columns)
    trained = [v for run in batch_norm["runs"] for v in values(run["history"]["train_loss"])]
    fig.update_yaxes(value_axis("training loss", trained), row=2, col=columns)
    outcome = "; ".join(
        f"{CASE_TITLES.get(c['name'], c['name']).lower()}: "
        + (
            f"final loss {number(c['final_loss'])}"
            if c["diverged_at"] is None
            else f"diverged at step {c['diverged_at']}"
        )
        for c in cases
    )
    scales = ", ".join(number(s) for s in linear["feature_scales"])
    setting = f"{linear['optimizer']}, η = {number(linear['learning_rate'])}"
    fig.update_layout(
        base_layout(
            title={"text": f"Normalization: feature scales {scales}; {setting}: {outcome}"},
            height=800,
            margin=SUBPLOT_MARGIN,
            legend={"orientation": "h", "x": 0, "y": -0.11, "yanchor": "top"},
        )
    )
    return fig


def normalization(
    *, setup: SetupSpec = None, result: Result | None = None, **params: Any
) -> go.Figure:
    """Both halves of the lesson (``NormalizationParams``: ``feature_scale``, ``samples``,
    ``steps``, ``learning_rates`` for the network, ...)."""
    return figure(result_of(experiment.run, experiment.NormalizationParams, result, setup, params))
