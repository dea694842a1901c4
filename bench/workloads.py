"""The benchmark's workloads, as request bodies (the issue's targets)."""

from typing import Any

RACE_OPTIMIZERS: dict[str, dict[str, float]] = {
    "sgd": {"learning_rate": 1e-3},
    "momentum": {"learning_rate": 1e-3, "momentum": 0.9},
    "nesterov": {"learning_rate": 1e-3, "momentum": 0.9},
    "adagrad": {"learning_rate": 0.1},
    "rmsprop": {"learning_rate": 1e-2},
    "adam": {"learning_rate": 1e-2},
    "adamw": {"learning_rate": 1e-2},
    "radam": {"learning_rate": 1e-2},
}
START = (-1.2, 1.0)


def race(steps: int = 1000, gradient_noise: float = 0.0) -> dict[str, Any]:
    """8 runs, one per optimizer, on Rosenbrock."""
    return {
        "surface": "rosenbrock",
        "steps": steps,
        "runs": [
            {
                "optimizer": {"name": name, **hyper},
                "start": list(START),
                "gradient_noise": gradient_noise,
            }
            for name, hyper in RACE_OPTIMIZERS.items()
        ],
    }


def sweep(steps: int = 500, count: int = 64) -> dict[str, Any]:
    """8 optimizers × ``count`` learning rates × ``steps`` steps."""
    return {
        "surface": "rosenbrock",
        "start": list(START),
        "steps": steps,
        "optimizers": [{"optimizer": {"name": name}} for name in RACE_OPTIMIZERS],
        "learning_rates": {"min": 1e-5, "max": 1.0, "count": count},
    }


def grid(resolution: int = 256) -> dict[str, Any]:
    return {"surface": "rosenbrock", "resolution": resolution}


MAP_COUNT = 128  # cells per axis: the map's largest, 128 × 128 runs


def hyperparameter_map(steps: int = 500, count: int = MAP_COUNT) -> dict[str, Any]:
    """Heavy ball on the valley (κ = 100): ``count`` log-spaced η × ``count`` momenta."""
    return {
        "surface": {"id": "elongated_quadratic", "params": {"condition": 100.0}},
        "start": [-9.0, 1.5],
        "steps": steps,
        "optimizer": {"name": "momentum"},
        "x": {"param": "learning_rate", "min": 1e-4, "max": 1.0, "count": count, "scale": "log"},
        "y": {"param": "momentum", "min": 0.0, "max": 0.99, "count": count},
    }
