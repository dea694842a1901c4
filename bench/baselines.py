"""The naive ways: a per-step Python loop in NumPy, and one with torch.optim.

This is how most notebooks and optimizer visualizers compute a path: one optimizer
step per Python iteration, recording the point each time.
"""

import time

import numpy as np

from bench.workloads import MAP_COUNT, RACE_OPTIMIZERS, START, hyperparameter_map
from tests.reference.numpy_optimizers import run_numpy


def rosenbrock_grad(p: np.ndarray) -> np.ndarray:
    x, y = p
    return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])


def numpy_race(steps: int, rates: dict[str, float] | None = None) -> list[np.ndarray]:
    """Every race optimizer, one Python step at a time (learning rate overridable)."""
    paths = []
    for name, hyper in RACE_OPTIMIZERS.items():
        settings = {**hyper, **({"learning_rate": rates[name]} if rates else {})}
        rate = settings.pop("learning_rate")
        rates_per_step = np.full(steps, rate)
        paths.append(
            run_numpy(name, rosenbrock_grad, np.array(START), steps, rates_per_step, **settings)
        )
    return paths


def torch_race(steps: int, rates: dict[str, float] | None = None) -> list[np.ndarray]:
    """The same race with torch.optim, float64, autograd per step."""
    import torch

    def make(name: str, params: list[torch.Tensor], lr: float) -> torch.optim.Optimizer:
        makers = {
            "sgd": lambda: torch.optim.SGD(params, lr=lr),
            "momentum": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9),
            "nesterov": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
            "adagrad": lambda: torch.optim.Adagrad(
                params, lr=lr, initial_accumulator_value=0.1, eps=0.0
            ),
            "rmsprop": lambda: torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-8),
            "adam": lambda: torch.optim.Adam(params, lr=lr),
            "adamw": lambda: torch.optim.AdamW(params, lr=lr, weight_decay=1e-4),
            "radam": lambda: torch.optim.RAdam(params, lr=lr),
        }
        return makers[name]()

    paths = []
    for name, hyper in RACE_OPTIMIZERS.items():
        rate = rates[name] if rates else hyper["learning_rate"]
        point = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        optimizer = make(name, [point], rate)
        path = [point.detach().clone()]
        for _ in range(steps):
            optimizer.zero_grad()
            x, y = point[0], point[1]
            loss = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
            loss.backward()
            optimizer.step()
            path.append(point.detach().clone())
        paths.append(torch.stack(path).numpy())
    return paths


def numpy_map_s(steps: int = 500, count: int = MAP_COUNT, sampled: int = 256) -> float:
    """The map the naive way: one per-step NumPy run per cell, one cell after another.

    Every cell costs the same number of Python steps, so ``sampled`` cells spread over the
    grid are timed and the time scaled to all ``count²`` (a full run takes minutes)."""
    body = hyperparameter_map(steps, count)
    rates = np.geomspace(body["x"]["min"], body["x"]["max"], count)
    momenta = np.linspace(body["y"]["min"], body["y"]["max"], count)
    scale = np.array([1.0, body["surface"]["params"]["condition"]])
    cells = np.random.default_rng(0).choice(count * count, sampled, replace=False)
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        for cell in cells:
            j, i = divmod(int(cell), count)
            run_numpy(
                "momentum",
                lambda p: 2.0 * scale * p,
                np.array(body["start"]),
                steps,
                np.full(steps, rates[i]),
                momentum=momenta[j],
            )
    return (time.perf_counter() - started) * count * count / sampled
