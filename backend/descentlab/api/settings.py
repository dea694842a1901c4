"""Service settings, from the environment (prefix ``DESCENTLAB_``)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESCENTLAB_")

    # Compile the default scenario before accepting requests, so the first visit is fast.
    warmup: bool = True
    # JAX's persistent compilation cache: a restart reuses compiled executables.
    # Empty string disables it.
    compilation_cache_dir: str = str(Path.home() / ".cache" / "descentlab" / "jax")
    frontend_dir: str = str(Path(__file__).resolve().parents[3] / "frontend")
    # Experiments run one at a time by default: this lab's reference machine has 2 cores,
    # and the other serves the interactive requests.
    experiment_workers: int = 1


@lru_cache
def get_settings() -> Settings:
    return Settings()
