"""Exporting the 2-D lab's current scenario as one standalone HTML file."""

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from descentlab.api.schemas.lessons import HyperMapPublic, LabStatePublic

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
