"""Request bodies as the lab's UI builds them (frontend/js/state.js and requests.js), for
the load test: the default four-run race on Rosenbrock, 500 steps, and a grid of 128².
"""

from typing import Any

# frontend/js/state.js DEFAULTS.runs: optimizer, hyperparameters
DEFAULT_RUNS: tuple[tuple[str, dict[str, float]], ...] = (
    ("sgd", {"learning_rate": 0.001}),
    ("momentum", {"learning_rate": 0.001, "momentum": 0.9}),
    ("rmsprop", {"learning_rate": 0.01}),
    ("adam", {"learning_rate": 0.05}),
)
DEFAULT_STEPS = 500
# The surface whose constant a student drags (the elongated-valley lesson's κ).
VALLEY = "elongated_quadratic"
VALLEY_START = (-9.0, 1.5)
ROSENBROCK_START = (-1.2, 1.0)
# The learning-rate slider's practical span (frontend/js/sliders.js) and κ's bounds.
LEARNING_RATE_SPAN = (1e-6, 10.0)
CONDITION_SPAN = (1.0, 1e4)


def surface_ref(condition: float | None) -> str | dict[str, Any]:
    """Rosenbrock, or the elongated valley with κ = ``condition`` (requests.js surfaceRef)."""
    return "rosenbrock" if condition is None else {"id": VALLEY, "params": {"condition": condition}}


def default_race(
    learning_rates: tuple[float, ...] | None = None, condition: float | None = None
) -> dict[str, Any]:
    """POST /api/trajectories as the UI sends it, with the runs' learning rates replaced."""
    rates = learning_rates or tuple(hyper["learning_rate"] for _, hyper in DEFAULT_RUNS)
    start = list(ROSENBROCK_START if condition is None else VALLEY_START)
    return {
        "surface": surface_ref(condition),
        "steps": DEFAULT_STEPS,
        "runs": [
            {
                "optimizer": {"name": name, **hyper, "learning_rate": rate},
                "start": start,
                "gradient_noise": 0,
                "seed": 0,
                "label": name,
            }
            for (name, hyper), rate in zip(DEFAULT_RUNS, rates, strict=True)
        ],
    }


def grid(condition: float | None) -> dict[str, Any]:
    return {"surface": surface_ref(condition)}  # the API's resolution, as gridRequest


def small_training(seed: int) -> dict[str, Any]:
    """A network job a student might start: the train experiment, smaller than its
    defaults (200 samples, 20 epochs), with its own seed so jobs are not shared."""
    return {"kind": "train", "params": {"n_samples": 200, "epochs": 20, "seed": seed}}
