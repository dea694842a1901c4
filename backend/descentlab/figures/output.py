"""Figures as data: the JSON plotly.js draws, for the path that needs no Python on the page."""

import plotly.graph_objects as go
import plotly.io as pio


def to_json(figure: go.Figure) -> str:
    """``plotly.io.to_json``: ``{"data": [...], "layout": {...}}``, ready for
    ``Plotly.newPlot(element, figure.data, figure.layout)``."""
    text: str = pio.to_json(figure, validate=False)
    return text
