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


@lru_cache
def get_settings() -> Settings:
    return Settings()
