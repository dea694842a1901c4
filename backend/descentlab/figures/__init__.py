"""Plotly figures of the lab's views, for notebooks and scripts: the same pictures the lab
shows, computed by the same engine, without a server.

    from descentlab import figures
    figures.race("rosenbrock", [{"optimizer": "adam", "learning_rate": 0.05}]).show()

Every function returns a ``plotly.graph_objects.Figure``; ``to_json`` gives the JSON that
plotly.js (and the lab's front end) draws. Examples: docs/NOTEBOOKS.md.
"""

from descentlab.figures.experiments.batch_size import batch_size
from descentlab.figures.experiments.hessian import hessian_spectrum
from descentlab.figures.experiments.landscape import landscape
from descentlab.figures.experiments.loss_comparison import loss_comparison
from descentlab.figures.experiments.minimum_ratio import minimum_ratio
from descentlab.figures.experiments.normalization import normalization
from descentlab.figures.hyper_maps import compute_map, hyperparameter_map_figure
from descentlab.figures.output import to_json
from descentlab.figures.races import (
    compute_race,
    eigen_components,
    loss_curves,
    race,
    step_anatomy,
    step_parts,
    surface3d,
)

__all__ = [
    "batch_size",
    "compute_map",
    "compute_race",
    "eigen_components",
    "hessian_spectrum",
    "hyperparameter_map_figure",
    "landscape",
    "loss_comparison",
    "loss_curves",
    "minimum_ratio",
    "normalization",
    "race",
    "step_anatomy",
    "step_parts",
    "surface3d",
    "to_json",
]
