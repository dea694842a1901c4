"""Importing descentlab changes no JAX setting; whoever runs the engine switches it to
float64 explicitly, and the engine refuses to compute silently in float32."""

import json
import subprocess
import sys

SCRIPT = """
import json, jax
import descentlab, descentlab.core, descentlab.figures, descentlab.lessons, descentlab.api.app
imported = [jax.config.jax_enable_x64, jax.config.jax_default_matmul_precision]
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.surfaces import get_surface
surface = get_surface("rosenbrock")
try:
    evaluate_grid(Objective.from_surface(surface, surface.params_from({})), 8)
    refused = None
except RuntimeError as error:
    refused = str(error)
from descentlab import figures
figures.race("rosenbrock", [{"optimizer": "sgd", "learning_rate": 0.001}], steps=3)
after = [jax.config.jax_enable_x64, jax.config.jax_default_matmul_precision]
print(json.dumps({"imported": imported, "refused": refused, "after": after}))
"""


def test_imports_leave_jax_alone_and_the_engine_asks_for_float64() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["imported"] == [False, None]
    assert "use_engine_precision()" in seen["refused"]
    assert seen["after"] == [True, "highest"]  # a notebook's figure switched it, as documented
