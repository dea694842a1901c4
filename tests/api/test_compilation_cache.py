"""The persistent compilation cache stays within its configured size on disk.

Run in a fresh process: JAX sets its cache up once per process. The app's start-up
configures the cache (warm-up off, so only this test's programs are written), then 60
small programs of distinct shapes are compiled, together well over the limit.
"""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from pathlib import Path
import jax, jax.numpy as jnp
from fastapi.testclient import TestClient
from descentlab.api.app import create_app
from descentlab.api.settings import Settings

folder, limit = sys.argv[1], int(sys.argv[2])
settings = Settings(compilation_cache_dir=folder, compilation_cache_max_bytes=limit, warmup=False)

def program(x):
    return jnp.sum(jnp.sin(x) * x ** 3 + jnp.cos(x) ** 2)

with TestClient(create_app(settings)):
    for n in range(1, 61):
        jax.jit(program)(jnp.ones(n)).block_until_ready()

entries = [p.stat().st_size for p in Path(folder).glob("*-cache")]
print(json.dumps({"entries": len(entries), "bytes": sum(entries)}))
"""


def _cache_after_compiles(folder: Path, limit: int) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(folder), str(limit)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).parents[2],
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_compilation_cache_is_kept_under_its_size(tmp_path: Path) -> None:
    unbounded = _cache_after_compiles(tmp_path / "large", 2**30)
    limit = 128 * 2**10
    assert unbounded["bytes"] > 2 * limit  # the programs alone would pass the limit
    bounded = _cache_after_compiles(tmp_path / "small", limit)
    assert 0 < bounded["bytes"] <= limit
    assert bounded["entries"] < unbounded["entries"]
