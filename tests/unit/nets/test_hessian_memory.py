"""Stochastic Lanczos quadrature holds one batch of probe bases at a time, not all of them.

Measured in a fresh process (its peak resident set, VmHWM), on a quadratic with 100,000
float32 parameters: 24 probes × 40 steps would hold 384 MB of bases at once; with the
budget set to 16 MB (one probe's basis) the peak grows by a fraction of that.
"""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
from descentlab.core import use_engine_precision; use_engine_precision()
import json
import jax, jax.numpy as jnp, numpy as np
from jax.tree_util import Partial
from descentlab.core.nets import hessian

def peak_mb():
    with open("/proc/self/status") as status:
        return int(next(l for l in status if l.startswith("VmHWM")).split()[1]) / 1024

def quadratic(d, theta):
    return 0.5 * jnp.sum(d * theta * theta)

n, steps, probes = 100_000, 40, 24
hessian.QUADRATURE_BASIS_BYTES = steps * n * 4  # one probe's basis
d = jnp.asarray(np.linspace(-1.0, 3.0, n), jnp.float32)
theta = jnp.zeros(n, jnp.float32)
loss = Partial(quadratic, d)
# Imports and the compile of this very shape (one probe per batch): not bases.
hessian.spectral_density(loss, theta, steps, 1, jax.random.key(0))
before = peak_mb()
result = hessian.spectral_density(loss, theta, steps, probes, jax.random.key(1))
print(json.dumps({"growth_mb": peak_mb() - before, "probes": int(result.nodes.shape[0])}))
"""


def test_quadrature_peak_memory_is_one_batch_of_bases_not_every_probe() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).parents[3],
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["probes"] == 24
    all_bases_mb = 24 * 40 * 100_000 * 4 / 2**20  # 366 MiB
    assert report["growth_mb"] < all_bases_mb / 3, report
