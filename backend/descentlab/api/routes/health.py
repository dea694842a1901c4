import jax
from fastapi import APIRouter, Request

from descentlab import __version__
from descentlab.core.warmup import compiled_programs, every_program

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(request: Request) -> dict[str, object]:
    """Liveness, version, the devices JAX sees (2-D work always runs on the CPU), and
        the start-up warm-up: "running" while the engine's programs still compile in the
        background, "done" after (no request compiles then), "failed" if compiling failed
    (requests then compile what they need), "off" when disabled; ``programs``
        says how many of the fixed set are compiled."""
    return {
        "status": "ok",
        "version": __version__,
        "devices": [f"{d.platform}:{d.id}" for d in jax.devices()],
        "warmup": getattr(request.app.state, "warmup", "off"),
        "programs": {"compiled": compiled_programs(), "total": len(every_program())},
    }
