import jax
from fastapi import APIRouter

from descentlab import __version__

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health() -> dict[str, object]:
    """Liveness, version, and the devices JAX sees (2-D work always runs on the CPU)."""
    return {
        "status": "ok",
        "version": __version__,
        "devices": [f"{d.platform}:{d.id}" for d in jax.devices()],
    }
