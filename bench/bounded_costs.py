"""Peak memory of the network computations that held everything at once, before and after.

``python -m bench.bounded_costs`` measures, each in a fresh process (its peak resident
set), and replaces its section of docs/BENCHMARKS.md between its markers:

* the batch-size experiment's gradient statistics at the schema's maximums (3,000
  training examples of a 2→256×4→2 MLP, 198,658 parameters): every per-example gradient
  at once and a float64 copy (the way before) against ``batch_size.gradient_spread``
  (chunks merged by Chan's update);
* stochastic Lanczos quadrature with every probe's basis at once (the way before: the
  basis budget set past all of them) against the budget (one probe's basis here), on a
  100,000-parameter quadratic, 24 probes × 40 steps: the Hessian experiment's maximum
  (64 × 200 × 199k) held 10 GB of bases this way.
"""

import json
import subprocess
import sys
from typing import Any

from bench.load_report import write_section

BEGIN = "<!-- bounded:begin (written by python -m bench.bounded_costs) -->"
END = "<!-- bounded:end -->"

_GRADIENTS = """
from descentlab.core import use_engine_precision; use_engine_precision()
import json, resource, sys, time
import jax, jax.numpy as jnp, numpy as np
from jax.flatten_util import ravel_pytree
from descentlab.core.experiments import batch_size
from descentlab.core.nets.network_losses import flat_loss
from descentlab.core.experiments.train import NetworkSetup, load_dataset, model_for
from descentlab.core.nets.models import init_batch_stats, init_params

setup = NetworkSetup(n_samples=4000, widths=(256, 256, 256, 256), epochs=1)
data = load_dataset(setup)
spec = model_for(setup, data)
theta, _ = ravel_pytree(init_params(spec, jax.random.key(0)))
loss, stats = flat_loss(spec, setup.loss), init_batch_stats(spec)
x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before, started = peak(), time.perf_counter()
if sys.argv[1] == "before":
    one = lambda xr, yr: jax.grad(loss, argnums=3)(stats, xr[None], yr[None], theta)
    every = np.asarray(jax.jit(jax.vmap(one))(x, y)).astype(np.float64)
    spread = float(np.mean(np.sum(np.square(every - every.mean(axis=0)), axis=1)))
else:
    spread = batch_size.gradient_spread(loss, stats, x, y, theta).spread
print(json.dumps({"growth_mb": peak() - before, "seconds": time.perf_counter() - started,
                  "spread": spread, "parameters": int(theta.size), "examples": int(x.shape[0])}))
"""

_QUADRATURE = """
from descentlab.core import use_engine_precision; use_engine_precision()
import json, resource, sys, time
import jax, jax.numpy as jnp, numpy as np
from jax.tree_util import Partial
from descentlab.core.nets import hessian

def quadratic(d, theta):
    return 0.5 * jnp.sum(d * theta * theta)

n, steps, probes = 100_000, 40, 24
every = sys.argv[1] == "before"
hessian.QUADRATURE_BASIS_BYTES = probes * steps * n * 4 if every else steps * n * 4
d = jnp.asarray(np.linspace(-1.0, 3.0, n), jnp.float32)
loss, theta = Partial(quadratic, d), jnp.zeros(n, jnp.float32)
hessian.spectral_density(loss, theta, 4, 2, jax.random.key(0))
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before, started = peak(), time.perf_counter()
hessian.spectral_density(loss, theta, steps, probes, jax.random.key(1))
print(json.dumps({"growth_mb": peak() - before, "seconds": time.perf_counter() - started}))
"""


def _measure(script: str, way: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", script, way], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run() -> dict[str, Any]:
    return {
        name: {way: _measure(script, way) for way in ("before", "now")}
        for name, script in (("gradients", _GRADIENTS), ("quadrature", _QUADRATURE))
    }


def render(figures: dict[str, Any]) -> str:
    grads, quad = figures["gradients"], figures["quadrature"]
    rows = [
        (
            f"batch-size gradient statistics ({grads['now']['examples']:,} examples × "
            f"{grads['now']['parameters']:,} parameters)",
            grads["before"],
            grads["now"],
        ),
        (
            "spectral density (24 probes × 40 steps × 100,000 parameters)",
            quad["before"],
            quad["now"],
        ),
    ]
    lines = [
        "| computation | before: peak growth | before: time | now: peak growth | now: time |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {label} | {was['growth_mb']:,.0f} MB | {was['seconds']:.1f} s "
            f"| {now['growth_mb']:,.0f} MB | {now['seconds']:.1f} s |"
            for label, was, now in rows
        ),
    ]
    agreement = abs(grads["now"]["spread"] - grads["before"]["spread"]) / grads["before"]["spread"]
    return f"""{BEGIN}
## Bounded memory: computations that no longer hold everything at once

`python -m bench.bounded_costs`, each way in a fresh process (peak resident set growth).
Per-example gradients go in chunks of at most 32 MB merged by Chan's update (the spread
agrees with the dense way to {agreement:.0e}); quadrature probes run in batches whose Lanczos
bases fit 128 MB (here one probe's, to show the effect at a size this machine measures in
seconds).

{chr(10).join(lines)}
{END}
"""


def main() -> None:
    section = render(run())
    write_section(section, BEGIN, END)
    print(section)


if __name__ == "__main__":
    main()
