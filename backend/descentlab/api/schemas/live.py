"""Live training steps: the request (a setup, the run's state, how many updates) and the
frame that answers it (``core.experiments.live``)."""

import math
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from descentlab.api.schemas.common import StrictModel
from descentlab.api.schemas.experiments import params_model, to_core
from descentlab.core.experiments.live import (
    MAX_PARAMETERS,
    MAX_TOTAL_UPDATES,
    MAX_UPDATES,
    LiveState,
    check_live,
)
from descentlab.core.experiments.train import NetworkSetup

SetupModel = params_model(NetworkSetup)
# Adam keeps three floats a parameter (plus a few scalars), four bytes each, in base64.
MAX_VECTOR_CHARACTERS = 4 * math.ceil(4 * (3 * MAX_PARAMETERS + 64) / 3)


class LiveStatePublic(StrictModel):
    """Where a live run is: send it back as received (it is the run; the server keeps none)."""

    digest: str = Field(pattern="^[0-9a-f]{32}$", description="which setup the run belongs to")
    updates: Annotated[int, Field(ge=0, le=MAX_TOTAL_UPDATES)]
    vector: str = Field(
        max_length=MAX_VECTOR_CHARACTERS,
        description="weights, batch-norm averages and optimizer state: float32, base64",
    )

    def to_core(self) -> LiveState:
        return LiveState.decode(self.digest, self.updates, self.vector)


class LiveStepRequest(StrictModel):
    """Run ``updates`` minibatch updates from ``state`` (null: the setup's initial weights),
    then look. ``learning_rate``, ``regularization`` and ``regularization_rate`` may change
    between calls and act on this call's updates; any other change needs state null."""

    setup: SetupModel = Field(default_factory=SetupModel)  # type: ignore[valid-type]
    state: LiveStatePublic | None = None
    updates: Annotated[int, Field(ge=0, le=MAX_UPDATES)] = 0

    def setup_core(self) -> NetworkSetup:
        setup: NetworkSetup = to_core(self.setup, NetworkSetup)
        return setup

    @model_validator(mode="after")
    def _fits(self) -> "LiveStepRequest":
        check_live(self.setup_core(), self.updates)
        return self


class LiveMetricsPublic(BaseModel):
    train_loss: float | None
    test_loss: float | None
    train_accuracy: float | None = Field(None, description="classification only")
    test_accuracy: float | None = Field(None, description="classification only")
    penalty: float | None = Field(description="the weight penalty now (not in the losses)")
    batch_loss: float | None = Field(
        description="this call's mean minibatch objective (loss + penalty); null for 0 updates"
    )


class LiveStepPublic(BaseModel):
    """One frame of a live run. ``boundary`` for data on the plane (z[j][i] at x[i], y[j]:
    class probabilities, or outputs); ``network``, the diagram (each unit's output over the
    plane, 16 × 16, and each layer's incoming weights ``weights[i][j]`` from unit i), when
    every hidden layer has at most 16 units; ``data`` when the request's state was null."""

    state: LiveStatePublic | None = Field(description="null once the run diverged")
    diverged: bool
    updates: int
    epoch: float = Field(description="updates / steps_per_epoch")
    steps_per_epoch: int
    batch_size: int
    parameters: int
    metrics: LiveMetricsPublic
    boundary: dict[str, Any] | None = None
    network: dict[str, Any] | None = None
    data: dict[str, Any] | None = None


class FeaturePublic(BaseModel):
    name: str = Field(description="what setup.features takes")
    label: str = Field(description="what the lab shows")
