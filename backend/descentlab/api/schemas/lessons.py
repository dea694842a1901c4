"""Lessons as the API publishes them: the index entry, and the whole lesson with its scenario.

The format is ``descentlab.lessons.format``'s; these models document it in OpenAPI. The
page states keep the front end's own field names (camelCase), so a page applies a
scenario's ``state`` as it is.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from descentlab.api.schemas.enums import AxisScaleName, MapMetricName

Point = tuple[float, float]


class PageStateModel(BaseModel):
    """A page's state: snake_case here, camelCase on the wire (the front end's names)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class LessonSummaryPublic(BaseModel):
    id: str = Field(description="a slug; the page's ?lesson=", examples=["momentum-saddle"])
    title: str
    section: str = Field(
        description="curriculum section and the lesson's place in it", examples=["3.1"]
    )
    section_title: str = Field(description="the curriculum section's title")
    summary: str = Field(description="what the lesson shows, in one sentence")
    url: str = Field(
        description="the page that opens it: /?lesson=ID (2-D lab) or "
        "/networks.html?lesson=ID (Networks page)",
        examples=["/?lesson=momentum-saddle"],
    )


class LessonRunPublic(BaseModel):
    """One run of the 2-D lab, as ``makeRun`` in frontend/js/state.js builds it."""

    optimizer: str = Field(description="an optimizer name from GET /api/optimizers")
    hyper: dict[str, float] = Field(description="hyperparameters by optax name")
    schedule: dict[str, Any] | None = Field(
        description="a schedule as POST /api/trajectories takes it; null: constant η"
    )
    noise: float = Field(description="σ of the Gaussian gradient noise")
    seed: int = Field(description="the noise's seed")
    color: int = Field(description="index into the lab's palette")
    label: str | None = Field(description="null: the optimizer's name")


class MapAxisPublic(BaseModel):
    param: str
    min: float
    max: float
    count: int
    scale: AxisScaleName


class HyperMapPublic(BaseModel):
    """The hyperparameter map beside the surface (frontend/js/hyper_map.js): run ``run``'s
    two knobs on the axes, as POST /api/maps takes them."""

    run: int = Field(ge=0, description="index into runs")
    x: MapAxisPublic
    y: MapAxisPublic
    metric: MapMetricName


class LabStatePublic(PageStateModel):
    """The 2-D lab's state (frontend/js/state.js), every scenario field given."""

    surface: str = Field(description="a surface id from GET /api/surfaces")
    params: dict[str, float] = Field(description="the surface's constants that differ")
    view: Literal["contour", "surface3d"]
    log_scale: bool
    start: Point | None = Field(description="the runs' start; null: the surface's default")
    steps: int
    speed: float = Field(description="animation steps per frame")
    runs: list[LessonRunPublic]
    inspect: Point | None = Field(description="the point inspector's point; null: closed")
    # As a plain object in the OpenAPI: a nested model here makes FastAPI split this model
    # into -Input and -Output at the pydantic floor (2.10). ScenarioExportRequest checks it
    # against HyperMapPublic.
    hmap: dict[str, Any] | None = Field(
        description=(
            "the hyperparameter map beside the surface, {run, x, y, metric} (x and y as "
            "POST /api/maps takes them); null: closed"
        )
    )


class SurfaceScenarioPublic(BaseModel):
    kind: Literal["surface"]
    state: LabStatePublic


class NetworksStatePublic(PageStateModel):
    """The Networks page's training setup (frontend/js/networks/state.js)."""

    dataset: str
    n_samples: int
    noise: float
    data_seed: int
    test_fraction: float
    input_features: list[str] = Field(description="setup.features")
    architecture: str
    widths: list[int]
    depth: int
    channels: int
    skip_connections: bool
    activation: str
    batch_norm: bool
    loss: str
    optimizer: str
    learning_rate: float
    regularization: str
    regularization_rate: float
    batch_size: int
    epochs: int
    seed: int


class LessonExperimentPublic(BaseModel):
    """The open experiment tab as a POST /api/experiments body: what its Run button sends."""

    kind: str = Field(examples=["loss_comparison"])
    params: dict[str, Any]


class NetworkScenarioPublic(BaseModel):
    kind: Literal["network"]
    state: NetworksStatePublic
    experiment: LessonExperimentPublic


class LessonPublic(LessonSummaryPublic):
    explanation: str = Field(description="a few sentences, plain text with Unicode math")
    scenario: Annotated[SurfaceScenarioPublic | NetworkScenarioPublic, Field(discriminator="kind")]
