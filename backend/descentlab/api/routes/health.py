import jax
from fastapi import APIRouter, Request

from descentlab import __version__

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(request: Request) -> dict[str, object]:
    """Liveness, version, the devices JAX sees (2-D work always runs on the CPU), and
    the start-up warm-up: "running" while optimizers still compile in the background,
    "done" after, "off" when disabled."""
    return {
        "status": "ok",
        "version": __version__,
        "devices": [f"{d.platform}:{d.id}" for d in jax.devices()],
        "warmup": getattr(request.app.state, "warmup", "off"),
    }
