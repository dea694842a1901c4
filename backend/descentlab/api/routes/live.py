"""Live training (Play / Pause / Step): a few updates per call, the state with the client."""

from fastapi import APIRouter, HTTPException

from descentlab.api.responses import ArrayJSONResponse
from descentlab.api.schemas.live import LiveStepPublic, LiveStepRequest
from descentlab.api.schemas.problems import problem_response
from descentlab.core.experiments.live import SetupChangedError, live_step

router = APIRouter(prefix="/api/live", tags=["live"])


@router.post(
    "/steps",
    response_model=LiveStepPublic,
    responses={409: problem_response("The state is another setup's: send state null")},
)
def run_live_steps(request: LiveStepRequest) -> ArrayJSONResponse:
    """Train on: ``updates`` minibatch updates from the state the last answer gave (null:
    from the setup's initial weights), then the frame: the losses, the decision boundary
    and the network diagram. Call it again with the answer's ``state`` to play on; a run of
    calls reaches exactly the weights of a ``train`` job of as many epochs."""
    try:
        state = None if request.state is None else request.state.to_core()
        return ArrayJSONResponse(live_step(request.setup_core(), state, request.updates))
    except SetupChangedError as changed:
        raise HTTPException(409, str(changed)) from None
    except ValueError as refused:
        raise HTTPException(422, str(refused)) from None
