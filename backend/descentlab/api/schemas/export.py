"""Exporting the 2-D lab's current scenario, or a live training run, as one standalone
HTML file."""

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from descentlab.api.schemas.common import StrictModel
from descentlab.api.schemas.enums import RegularizationName
from descentlab.api.schemas.experiments import to_core
from descentlab.api.schemas.lessons import HyperMapPublic, LabStatePublic
from descentlab.api.schemas.live import SetupModel
from descentlab.core.experiments.live import (
    MAX_RECORDED_UPDATES,
    MAX_SEGMENTS,
    LiveSegment,
    check_recording,
)
from descentlab.core.experiments.train import NetworkSetup

MAX_SPEED = 100  # animation steps per frame, as decodeState in state.js accepts them


class ScenarioExportRequest(BaseModel):
    """The lab's scenario, as a lesson's ``scenario.state`` holds it, and a way back to it."""

    state: LabStatePublic
    link: Annotated[
        str | None,
        Field(
            max_length=8192,
            pattern=r"^https?://[^\s\"'<>]+$",
            description="where 'open it in the live lab' goes: the lab's URL of this scenario",
        ),
    ] = None

    @model_validator(mode="after")
    def _the_page_would_read_it(self) -> "ScenarioExportRequest":
        # What only the page reads, as the lab's URL decoder checks it (the route checks
        # the requests the page would send against the API's own models).
        if not 0 < self.state.speed <= MAX_SPEED:
            raise ValueError(f"state.speed must be in (0, {MAX_SPEED}] steps per frame")
        if any(run.color < 0 for run in self.state.runs):
            raise ValueError("a run's color is an index into the palette: 0 or more")
        if self.state.hmap is not None:
            hmap = HyperMapPublic.model_validate(self.state.hmap)  # a ValidationError: 422
            if hmap.run >= len(self.state.runs):
                raise ValueError(
                    f"state.hmap.run must index one of the {len(self.state.runs)} runs"
                )
        return self


Link = Annotated[
    str | None,
    Field(
        max_length=8192,
        pattern=r"^https?://[^\s\"'<>]+$",
        description="where 'open it in the live lab' goes",
    ),
]


class LiveSegmentPublic(StrictModel):
    """Updates a live run ran with one learning rate and penalty: its calls between changes."""

    updates: Annotated[int, Field(ge=1, le=MAX_RECORDED_UPDATES)]
    learning_rate: float = Field(gt=0, le=10)
    regularization: RegularizationName = "none"
    regularization_rate: float = Field(0.001, ge=0, le=10)

    def to_core(self) -> LiveSegment:
        return LiveSegment(
            self.updates, self.learning_rate, self.regularization, self.regularization_rate
        )


class LiveRunExportRequest(StrictModel):
    """A live training run as the Networks page recorded it: the setup it started from and
    its updates, segment by segment (a new segment where the learning rate or the penalty
    changed). The server replays it exactly (the same programs, the same shuffles)."""

    setup: SetupModel = Field(default_factory=SetupModel)  # type: ignore[valid-type]
    segments: Annotated[list[LiveSegmentPublic], Field(min_length=1, max_length=MAX_SEGMENTS)]
    link: Link = None

    def setup_core(self) -> NetworkSetup:
        setup: NetworkSetup = to_core(self.setup, NetworkSetup)
        return setup

    def segments_core(self) -> list[LiveSegment]:
        return [segment.to_core() for segment in self.segments]

    @model_validator(mode="after")
    def _replayable(self) -> "LiveRunExportRequest":
        check_recording(self.setup_core(), self.segments_core())
        return self
