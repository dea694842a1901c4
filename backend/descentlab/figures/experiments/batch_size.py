"""Small batch vs large batch (curriculum section 2), as ``networks/experiments/batch_size.js``
draws it: time per update and per epoch measured on this machine, accuracy, sharpness and
gradient noise, training curves, the loss on the line from the small-batch to the
large-batch minimum, and a filter-normalized 1-D slice through each. The lecture's summary
table is worded by the lab from ``result["comparison"]`` (the orders of the two runs'
numbers), not drawn here."""

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from descentlab.core.experiments import batch_size as experiment
from descentlab.figures.experiments import Result, result_of
from descentlab.figures.inputs import SetupSpec
from descentlab.figures.style import (
    PALETTE,
    SUBPLOT_MARGIN,
    base_layout,
    color,
    line,
    value_axis,
    values,
)

TITLES = (
    "Time per update and per epoch",
    "Accuracy after training",
    "Sharpness (λ_max) and gradient noise",
    "Training loss per epoch",
    "From the small-batch (0) to the large-batch (1) minimum",
    "1-D slices along a filter-normalized direction",
)


def figure(result: Result) -> go.Figure:
    runs = list(result["runs"])
    sizes = [r["batch_size"] for r in runs]
    fig = make_subplots(
        rows=2,
        cols=3,
        subplot_titles=TITLES,
        vertical_spacing=0.16,
        horizontal_spacing=0.08,
        specs=[[{}, {}, {"secondary_y": True}], [{}, {}, {}]],
    )

    def column(key: str) -> np.ndarray:
        return values([r[key] for r in runs])

    marked = {"mode": "lines+markers"}
    fig.add_trace(
        line("time per update", sizes, column("seconds_per_update"), PALETTE[0], **marked), 1, 1
    )
    fig.add_trace(
        line("time per epoch", sizes, column("seconds_per_epoch"), PALETTE[4], **marked), 1, 1
    )
    fig.add_trace(
        line("train accuracy", sizes, column("train_accuracy"), PALETTE[0], **marked), 1, 2
    )
    fig.add_trace(
        line("test accuracy", sizes, column("test_accuracy"), PALETTE[1], dash="dash", **marked),
        1,
        2,
    )
    fig.add_trace(line("sharpness λ_max", sizes, column("sharpness"), PALETTE[2], **marked), 1, 3)
    fig.add_trace(
        line("gradient noise", sizes, column("gradient_noise"), PALETTE[3], dash="dot", **marked),
        1,
        3,
        secondary_y=True,
    )
    for i, run in enumerate(runs):
        history = run["history"]
        fig.add_trace(
            line(f"batch {run['batch_size']}", history["epoch"], history["train_loss"], color(i)),
            2,
            1,
        )
    interpolation = result.get("interpolation")
    if interpolation:
        x = interpolation["x"]
        fig.add_trace(line("train loss", x, interpolation["train"], PALETTE[0]), 2, 2)
        fig.add_trace(line("test loss", x, interpolation["test"], PALETTE[1], dash="dash"), 2, 2)
    for i, part in enumerate(result.get("slices") or []):
        label = f"batch {part['batch_size']}"
        fig.add_trace(line(f"{label} train", part["x"], part["train"], color(i)), 2, 3)
        fig.add_trace(line(f"{label} test", part["x"], part["test"], color(i), dash="dash"), 2, 3)

    batch_axis = {"type": "log", "tickvals": sizes, "ticktext": [str(s) for s in sizes]}
    for col in (1, 2, 3):
        fig.update_xaxes(title_text="batch size", row=1, col=col, **batch_axis)
    timings = np.concatenate([column("seconds_per_update"), column("seconds_per_epoch")])
    fig.update_yaxes(value_axis("seconds", timings), row=1, col=1)
    fig.update_yaxes(title_text="accuracy", tickformat=".0%", row=1, col=2)
    fig.update_yaxes(title_text="λ_max", rangemode="tozero", row=1, col=3, secondary_y=False)
    fig.update_yaxes(
        title_text="gradient noise", rangemode="tozero", row=1, col=3, secondary_y=True
    )
    fig.update_xaxes(title_text="epoch", row=2, col=1)
    fig.update_yaxes(title_text="training loss", row=2, col=1)
    fig.update_xaxes(title_text="α on (1 − α)·small + α·large", row=2, col=2)
    fig.update_yaxes(title_text="loss", row=2, col=2)
    fig.update_xaxes(title_text="step along a random direction", row=2, col=3)
    fig.update_yaxes(title_text="loss", row=2, col=3)
    fig.update_layout(
        base_layout(
            title={
                "text": f"Small vs large batch: {result['n_train']} training samples, "
                f"timed on {result.get('device', 'this machine')}"
            },
            height=760,
            margin=SUBPLOT_MARGIN,
            legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
        )
    )
    return fig


def batch_size(
    *, setup: SetupSpec = None, result: Result | None = None, **params: Any
) -> go.Figure:
    """Train ``setup`` at each of ``batch_sizes`` ("full": the whole training set) from the same
    initial weights, and draw what the lecture's table claims (``BatchSizeParams``)."""
    return figure(result_of(experiment.run, experiment.BatchSizeParams, result, setup, params))
