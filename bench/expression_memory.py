"""RSS while distinct-structure expressions stream through POST /api/grid (in-process app).

Usage: python -m bench.expression_memory N [keep]   ("keep": never release the kernels)

Measured (2 cores): 2,000 structures through POST /api/grid at 64²: +90 MB, level from
about 1,000 on; with "keep", +689 MB after only 400 and growing linearly.
"""

import gc
import sys
import time

from fastapi.testclient import TestClient

from bench.server import resident_mb
from descentlab.api.app import create_app
from descentlab.api.settings import Settings
from descentlab.core import expressions

NAMES = list(expressions.UNARY)


def rss_mb() -> float:
    return resident_mb()


def text(i: int) -> str:
    """Distinct structures: two functions out of 20 each and an exponent out of 16."""
    f1, f2, n = NAMES[i % 20], NAMES[(i // 20) % 20], 1 + (i // 400) % 16
    return f"x^2 + y^2 + 0.1*{f1}(x)*{f2}(y) + 0.01*x^{n}"


def main() -> None:
    count = int(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2] == "keep":
        expressions.CACHE.release = lambda: None
    app = create_app(Settings(warmup=False, compilation_cache_dir=""))
    with TestClient(app) as client:
        client.post("/api/grid", json={"surface": "rosenbrock", "resolution": 64})
        gc.collect()
        start, began = rss_mb(), time.perf_counter()
        print(f"before: {start:.0f} MB (capacity {expressions.CACHE.capacity})", flush=True)
        for i in range(count):
            response = client.post(
                "/api/grid", json={"surface": {"expression": text(i)}, "resolution": 64}
            )
            assert response.status_code == 200, response.text
            if (i + 1) % max(count // 8, 1) == 0:
                gc.collect()
                per = (time.perf_counter() - began) / (i + 1)
                print(
                    f"{i + 1:5d} structures: {rss_mb():6.0f} MB (+{rss_mb() - start:.0f}), "
                    f"{per * 1e3:.0f} ms each, generations {expressions.CACHE.generations}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
