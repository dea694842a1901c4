"""A lesson's format: what one preset scenario of the curriculum holds, and its JSON form.

A lesson is data. ``id`` is a slug (lowercase words joined by hyphens), the ``?lesson=``
of its URL. ``section`` "4.2" is the second lesson of section 4 of the curriculum
(``../shared/CURRICULUM.md``); lessons are listed in that order. ``title`` names it,
``summary`` says in one sentence what it shows (for the index), and ``explanation`` says
it in a few sentences (plain text, Unicode math) beside the plot. ``scenario`` is what
it opens, one of two kinds:

* ``SurfaceScenario`` (``"kind": "surface"``), opened by the 2-D lab at ``/?lesson=ID``.
  Its ``state`` is the lab's state as ``frontend/js/state.js`` keeps it, every field
  given: ``surface``, ``params`` (the surface's constants), ``view`` ("contour" or
  "surface3d"), ``logScale``, ``start`` (null: the surface's default start), ``steps``,
  ``speed`` (animation steps per frame), ``runs``, ``inspect`` (the point inspector's
  point, or null when it is closed) and ``hmap`` (the hyperparameter map beside it, as
  ``frontend/js/hyper_map.js`` keeps it, or null). Each run is ``{optimizer, hyper, schedule, noise,
  seed, color, label}``: optax's hyperparameter names as ``POST /api/trajectories``
  takes them, a schedule as that endpoint takes it (``{"name", ...its values, "then"?}``)
  or null, the gradient noise σ and its seed, a palette index and a label (null: the
  optimizer's name).
* ``NetworkScenario`` (``"kind": "network"``), opened by ``/networks.html?lesson=ID``.
  Its ``state`` is the Networks page's training setup as ``frontend/js/networks/state.js``
  keeps it (``dataset``, ``nSamples``, ``noise``, ``dataSeed``, ``widths``,
  ``activation``, ``batchNorm``, ``loss``, ``optimizer``, ``learningRate``,
  ``batchSize``, ``epochs``, ``seed``), and ``experiment`` is the open experiment tab
  as a ``POST /api/experiments`` body, ``{kind, params}``: exactly what its Run button
  sends. Where the experiment trains networks, the setup shown is the one it trains
  (``params.setup``, in the API's names).

``Lesson.to_json()`` is the form ``GET /api/lessons/{id}`` serves; ``summary_json()`` is
one entry of ``GET /api/lessons``. Both are plain JSON (lists, not tuples).
"""

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from descentlab.core.experiments.train import NetworkSetup
from descentlab.core.hyperparameter_maps import AxisScale, MapMetric
from descentlab.lessons.curriculum import SECTIONS

LESSON_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_ID_LENGTH = 64
SECTION_PATTERN = r"^([1-9])\.([1-9][0-9]?)$"  # "4.2": curriculum section 4, lesson 2

Point = tuple[float, float]
Json = dict[str, Any]


def plain(value: Any) -> Any:
    """``value`` with tuples as lists and mappings as dicts, all the way down (JSON-ready)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Run:
    """One run of a 2-D scenario, as the lab keeps it (``makeRun`` in ``state.js``)."""

    optimizer: str
    hyper: Mapping[str, float]  # optax's names: {"learning_rate": 0.01, "momentum": 0.9}
    color: int  # index into the lab's palette
    label: str | None = None  # None: the optimizer's name
    schedule: Mapping[str, Any] | None = None  # {"name": ..., ...values, "then"?: {...}}
    noise: float = 0.0  # σ of the Gaussian gradient noise
    seed: int = 0  # the noise's seed

    def to_json(self) -> Json:
        return {
            "optimizer": self.optimizer,
            "hyper": plain(self.hyper),
            "schedule": plain(self.schedule),
            "noise": self.noise,
            "seed": self.seed,
            "color": self.color,
            "label": self.label,
        }


@dataclass(frozen=True)
class MapAxisSetting:
    """One axis of a lesson's hyperparameter map, as ``POST /api/maps`` takes it."""

    param: str  # "learning_rate" or one of the run's optimizer's hyperparameters
    min: float
    max: float
    count: int = 64  # 32, 64 or 128 (the lab's choices)
    scale: AxisScale = "linear"


@dataclass(frozen=True)
class HyperMapSetting:
    """The hyperparameter map a lesson opens beside the surface: over run ``run``'s knobs."""

    run: int  # index into the scenario's runs
    x: MapAxisSetting
    y: MapAxisSetting
    metric: MapMetric = "final_loss"

    def to_json(self) -> Json:
        return {"run": self.run, "x": asdict(self.x), "y": asdict(self.y), "metric": self.metric}


@dataclass(frozen=True)
class SurfaceScenario:
    """A 2-D lab scenario; defaults are the lab's own (``DEFAULTS`` in ``state.js``)."""

    surface: str
    runs: tuple[Run, ...]
    steps: int = 500
    params: Mapping[str, float] = field(default_factory=dict)  # the surface's constants
    start: Point | None = None  # None: the surface's default start
    log_scale: bool = True  # the map's colours on a log scale
    view: Literal["contour", "surface3d"] = "contour"
    speed: int = 4  # animation steps per frame
    inspect: Point | None = None  # the point inspector's point; None: closed
    hyper_map: HyperMapSetting | None = None  # the hyperparameter map; None: closed

    kind = "surface"
    page = "/"

    def to_json(self) -> Json:
        return {
            "kind": self.kind,
            "state": {
                "surface": self.surface,
                "params": plain(self.params),
                "view": self.view,
                "logScale": self.log_scale,
                "start": plain(self.start),
                "steps": self.steps,
                "speed": self.speed,
                "runs": [run.to_json() for run in self.runs],
                "inspect": plain(self.inspect),
                "hmap": None if self.hyper_map is None else self.hyper_map.to_json(),
            },
        }


def setup_fields(setup: NetworkSetup) -> Json:
    """A training setup in the Networks page's names (``networks/state.js``)."""
    return {
        "dataset": setup.dataset,
        "nSamples": setup.n_samples,
        "noise": setup.noise,
        "dataSeed": setup.data_seed,
        "testFraction": setup.test_fraction,
        "inputFeatures": list(setup.features),
        "architecture": setup.architecture,
        "widths": list(setup.widths),
        "depth": setup.depth,
        "channels": setup.channels,
        "skipConnections": setup.skip_connections,
        "activation": setup.activation,
        "batchNorm": setup.batch_norm,
        "loss": setup.loss,
        "optimizer": setup.optimizer,
        "learningRate": setup.learning_rate,
        "regularization": setup.regularization,
        "regularizationRate": setup.regularization_rate,
        "batchSize": setup.batch_size,
        "epochs": setup.epochs,
        "seed": setup.seed,
    }


@dataclass(frozen=True)
class NetworkScenario:
    """A Networks page scenario: one experiment (a tab, or ``train``: the Train button),
    its params, and the setup it trains.

    ``params`` are the experiment's params in the API's names, without ``setup``; when
    ``setup`` is given it becomes ``params.setup`` (``train``'s params are the setup
    itself) and fills the page's setup form, else the form keeps its defaults (an
    experiment that trains no network).
    """

    experiment: str  # the experiment's kind: its tab, or "train"
    params: Mapping[str, Any]
    setup: NetworkSetup | None = None

    kind = "network"
    page = "/networks.html"

    def experiment_params(self) -> Json:
        """The params the Run (or Train) button sends: ``params``, with ``setup`` when there
        is one."""
        params = plain(self.params)
        if self.setup is not None:
            setup = plain(asdict(self.setup))
            if self.experiment == "train":
                return {**setup, **params}
            params["setup"] = setup
        return dict(params)

    def to_json(self) -> Json:
        return {
            "kind": self.kind,
            "state": setup_fields(self.setup or NetworkSetup()),
            "experiment": {"kind": self.experiment, "params": self.experiment_params()},
        }


Scenario = SurfaceScenario | NetworkScenario


@dataclass(frozen=True)
class Lesson:
    """One lesson: where it sits in the curriculum, what it says, and what it opens."""

    id: str
    section: str
    title: str
    summary: str
    explanation: str
    scenario: Scenario

    def __post_init__(self) -> None:
        if len(self.id) > MAX_ID_LENGTH or not re.match(LESSON_ID_PATTERN, self.id):
            raise ValueError(f"lesson id {self.id!r} is not a slug like 'momentum-saddle'")
        match = re.match(SECTION_PATTERN, self.section)
        if not match or int(match[1]) not in SECTIONS:
            raise ValueError(f"lesson {self.id!r}: section {self.section!r} is not like '4.2'")

    @property
    def section_number(self) -> int:
        """The curriculum section: 4 for "4.2"."""
        return int(self.section.split(".")[0])

    @property
    def position(self) -> int:
        """The lesson's place within its section: 2 for "4.2"."""
        return int(self.section.split(".")[1])

    @property
    def section_title(self) -> str:
        return SECTIONS[self.section_number]

    @property
    def url(self) -> str:
        """The page that opens this lesson (a path on the lab's own site)."""
        return f"{self.scenario.page}?lesson={self.id}"

    def summary_json(self) -> Json:
        return {
            "id": self.id,
            "title": self.title,
            "section": self.section,
            "section_title": self.section_title,
            "summary": self.summary,
            "url": self.url,
        }

    def to_json(self) -> Json:
        return {
            **self.summary_json(),
            "explanation": self.explanation,
            "scenario": self.scenario.to_json(),
        }
