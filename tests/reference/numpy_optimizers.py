"""Plain NumPy optimizers, one Python step at a time: the independent reference.

Every optimizer of ``descentlab.core.optimizers.OPTIMIZERS`` is written out here from its
paper, in the exact conventions optax documents (where ε goes, when bias correction is
applied, the order of weight decay and learning-rate scaling). Nothing here calls optax or
JAX: the tests compare the engine against this module, and the benchmark uses it as "the
naive per-step NumPy loop". Everything is float64.

Each optimizer is a small class with the engine's hyperparameter names and defaults::

    opt = make_numpy_optimizer("adam", b1=0.8)
    params = opt.step(params, grad, lr)  # one update, returns the new parameters
    opt.state()  # {"momentum": ..., "sigma": ...} after that update

``state()`` follows the engine's state views: ``"momentum"`` is the momentum vector and
``"sigma"`` the per-parameter scale σ of the step θ ← θ − (η/σ)·m, that is the divisor that
*this* update applied (for Adam-like methods σ = √(v̂ + ε_root) + ε, the adaptive part only:
RAdam's rectification factor and NAdam's look-ahead numerator are not part of σ).
"""

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, NamedTuple

import numpy as np

GradFn = Callable[[np.ndarray], np.ndarray]


class NumpyOptimizer:
    """Base class: hyperparameters with defaults, one ``step`` and a ``state`` view."""

    name: ClassVar[str]
    defaults: ClassVar[Mapping[str, float]] = {}
    state_keys: ClassVar[tuple[str, ...]] = ()  # the names ``state()`` returns

    def __init__(self, **hyper: float) -> None:
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(f"{self.name} has no hyperparameter {sorted(unknown)[0]!r}")
        values = {**self.defaults, **hyper}
        for key, value in values.items():
            setattr(self, key, float(value))
        self.t = 0  # number of updates taken so far

    def step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        """Apply one update with learning rate ``lr``; return the new parameters."""
        self.t += 1
        return self._step(np.asarray(params, np.float64), np.asarray(grad, np.float64), lr)

    def _step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """The state view after the last update (empty when there is nothing to draw)."""
        return {}


class SGD(NumpyOptimizer):
    """Robbins & Monro 1951: θ ← θ − η g."""

    name = "sgd"

    def _step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        return params - lr * grad


class Momentum(NumpyOptimizer):
    """Heavy ball in optax's trace form: m ← g + μ m, θ ← θ − η m (m₀ = 0)."""

    name = "momentum"
    state_keys = ("momentum",)
    defaults: ClassVar[Mapping[str, float]] = {"momentum": 0.9}
    momentum: float

    def __init__(self, **hyper: float) -> None:
        super().__init__(**hyper)
        self.trace = np.zeros(2)

    def _step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        self.trace = grad + self.momentum * self.trace
        return params - lr * self._direction(grad)

    def _direction(self, grad: np.ndarray) -> np.ndarray:
        return self.trace

    def state(self) -> dict[str, np.ndarray]:
        return {"momentum": self.trace.copy()}


class Nesterov(Momentum):
    """Sutskever et al. 2013 as optax writes it: m ← g + μ m, θ ← θ − η (g + μ m)."""

    name = "nesterov"

    def _direction(self, grad: np.ndarray) -> np.ndarray:
        return grad + self.momentum * self.trace


class Adagrad(NumpyOptimizer):
    """Duchi et al. 2011, optax form: s ← s + g² (s₀ = initial value), θ ← θ − η g/√(s + ε).

    optax puts ε inside the square root and uses a zero step where s = 0.
    """

    name = "adagrad"
    state_keys = ("sigma",)
    defaults: ClassVar[Mapping[str, float]] = {"initial_accumulator_value": 0.1, "eps": 1e-7}
    initial_accumulator_value: float
    eps: float

    def __init__(self, **hyper: float) -> None:
        super().__init__(**hyper)
        self.sum_of_squares = np.full(2, self.initial_accumulator_value)

    def _step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        self.sum_of_squares = self.sum_of_squares + grad**2
        positive = self.sum_of_squares > 0
        scale = np.zeros(2)
        scale[positive] = 1.0 / np.sqrt(self.sum_of_squares[positive] + self.eps)
        return params - lr * scale * grad

    def state(self) -> dict[str, np.ndarray]:
        return {"sigma": np.sqrt(self.sum_of_squares + self.eps)}


class AdagradRMS(NumpyOptimizer):
    """The lecture's Adagrad: σ = √((g₁² + … + gₜ²)/t) + ε, θ ← θ − η g/σ.

    Written from the sum (the engine keeps a running mean): the two agree to rounding.
    """

    name = "adagrad_rms"
    state_keys = ("sigma",)
    defaults: ClassVar[Mapping[str, float]] = {"eps": 1e-7}
    eps: float

    def __init__(self, **hyper: float) -> None:
        super().__init__(**hyper)
        self.sum_of_squares = np.zeros(2)

    def _step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        self.sum_of_squares = self.sum_of_squares + grad**2
        self.sigma = np.sqrt(self.sum_of_squares / self.t) + self.eps
        return params - lr * grad / self.sigma

    def state(self) -> dict[str, np.ndarray]:
        return {"sigma": self.sigma.copy()}


class RMSProp(NumpyOptimizer):
    """Tieleman & Hinton 2012, optax form: ν ← α ν + (1−α) g², u = −η g/√(ν + ε).

    The optional momentum is a trace of the *already η-scaled* step, applied after it:
    m ← u + μ m, θ ← θ + m (μ = 0 is plain RMSProp).
    """

    name = "rmsprop"
    state_keys = ("momentum", "sigma")
    defaults: ClassVar[Mapping[str, float]] = {
        "decay": 0.9,
        "eps": 1e-8,
        "initial_scale": 0.0,
        "momentum": 0.0,
    }
    decay: float
    eps: float
    initial_scale: float
    momentum: float

    def __init__(self, **hyper: float) -> None:
        super().__init__(**hyper)
        self.nu = np.full(2, self.initial_scale)
        self.trace = np.zeros(2)

    def _step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        self.nu = self.decay * self.nu + (1.0 - self.decay) * grad**2
        scaled = -lr * grad / np.sqrt(self.nu + self.eps)
        self.trace = scaled + self.momentum * self.trace
        return params + self.trace

    def state(self) -> dict[str, np.ndarray]:
        return {"momentum": self.trace.copy(), "sigma": np.sqrt(self.nu + self.eps)}


class Adam(NumpyOptimizer):
    """Kingma & Ba 2015: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ),
    v̂ = v/(1−β₂ᵗ), θ ← θ − η m̂/(√(v̂ + ε_root) + ε)."""

    name = "adam"
    state_keys = ("momentum", "sigma")
    defaults: ClassVar[Mapping[str, float]] = {
        "b1": 0.9,
        "b2": 0.999,
        "eps": 1e-8,
        "eps_root": 0.0,
    }
    b1: float
    b2: float
    eps: float
    eps_root: float

    def __init__(self, **hyper: float) -> None:
        super().__init__(**hyper)
        self.mu = np.zeros(2)
        self.nu = np.zeros(2)
        self.sigma = np.zeros(2)

    def _moments(self, grad: np.ndarray) -> None:
        self.mu = self.b1 * self.mu + (1.0 - self.b1) * grad
        self.nu = self.b2 * self.nu + (1.0 - self.b2) * grad**2

    def _mu_hat(self) -> np.ndarray:
        return self.mu / (1.0 - self.b1**self.t)

    def _nu_hat(self) -> np.ndarray:
        return self.nu / (1.0 - self.b2**self.t)

    def _numerator(self, grad: np.ndarray) -> np.ndarray:
        return self._mu_hat()

    def _direction(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        self._moments(grad)
        self.sigma = np.sqrt(self._nu_hat() + self.eps_root) + self.eps
        return self._numerator(grad) / self.sigma

    def _step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        return params - lr * self._direction(params, grad)

    def state(self) -> dict[str, np.ndarray]:
        return {"momentum": self._mu_hat(), "sigma": self.sigma.copy()}


class AdamW(Adam):
    """Loshchilov & Hutter 2019, optax order: θ ← θ − η (m̂/(√(v̂+ε_root)+ε) + λθ)."""

    name = "adamw"
    defaults: ClassVar[Mapping[str, float]] = {**Adam.defaults, "weight_decay": 1e-4}
    weight_decay: float

    def _direction(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return super()._direction(params, grad) + self.weight_decay * params


class RAdam(Adam):
    """Liu et al. 2020, optax form. ρ∞ = 2/(1−β₂) − 1, ρₜ = ρ∞ − 2t β₂ᵗ/(1−β₂ᵗ).

    When ρₜ ≥ threshold: θ ← θ − η r m̂/(√(v̂+ε_root)+ε) with
    r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ)); otherwise θ ← θ − η m̂ (no adaptive step).
    """

    name = "radam"
    defaults: ClassVar[Mapping[str, float]] = {**Adam.defaults, "threshold": 5.0}
    threshold: float

    def _direction(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        adaptive = super()._direction(params, grad)
        ro_inf = 2.0 / (1.0 - self.b2) - 1.0
        b2t = self.b2**self.t
        ro = ro_inf - 2.0 * self.t * b2t / (1.0 - b2t)
        if ro >= self.threshold:
            r = np.sqrt((ro - 4.0) * (ro - 2.0) * ro_inf / ((ro_inf - 4.0) * (ro_inf - 2.0) * ro))
            return r * adaptive
        return self._mu_hat()


class NAdam(Adam):
    """Dozat 2016 in optax's form (``adam(nesterov=True)``), constant β₁:
    m̄ = β₁ m/(1−β₁^(t+1)) + (1−β₁) g/(1−β₁ᵗ), θ ← θ − η m̄/(√(v̂+ε_root)+ε)."""

    name = "nadam"

    def _numerator(self, grad: np.ndarray) -> np.ndarray:
        return self.b1 * self.mu / (1.0 - self.b1 ** (self.t + 1)) + (1.0 - self.b1) * grad / (
            1.0 - self.b1**self.t
        )


class AMSGrad(Adam):
    """Reddi et al. 2018, optax form: the running maximum is taken of the *bias-corrected*
    v̂: v̂max ← max(v̂max, v̂), θ ← θ − η m̂/(√(v̂max + ε_root) + ε)."""

    name = "amsgrad"

    def __init__(self, **hyper: float) -> None:
        super().__init__(**hyper)
        self.nu_max = np.zeros(2)

    def _direction(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        self._moments(grad)
        self.nu_max = np.maximum(self.nu_max, self._nu_hat())
        self.sigma = np.sqrt(self.nu_max + self.eps_root) + self.eps
        return self._mu_hat() / self.sigma


class Adamax(Adam):
    """Kingma & Ba 2015 §7.1, optax form: u ← max(β₂u, |g| + ε), θ ← θ − η m̂/u."""

    name = "adamax"
    defaults: ClassVar[Mapping[str, float]] = {"b1": 0.9, "b2": 0.999, "eps": 1e-8}

    def __init__(self, **hyper: float) -> None:
        super().__init__(**hyper)
        self.eps_root = 0.0

    def _direction(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        self.mu = self.b1 * self.mu + (1.0 - self.b1) * grad
        self.nu = np.maximum(self.b2 * self.nu, np.abs(grad) + self.eps)
        self.sigma = self.nu.copy()
        return self._mu_hat() / self.sigma


class AdaBelief(Adam):
    """Zhuang et al. 2020, optax form: m ← β₁m + (1−β₁)g, s ← β₂s + (1−β₂)(g−m)² + ε_root
    (ε_root is added to the stored s every step), ŝ = s/(1−β₂ᵗ), θ ← θ − η m̂/(√ŝ + ε)."""

    name = "adabelief"
    defaults: ClassVar[Mapping[str, float]] = {
        "b1": 0.9,
        "b2": 0.999,
        "eps": 1e-16,
        "eps_root": 1e-16,
    }

    def _direction(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        self.mu = self.b1 * self.mu + (1.0 - self.b1) * grad
        self.nu = self.b2 * self.nu + (1.0 - self.b2) * (grad - self.mu) ** 2 + self.eps_root
        self.sigma = np.sqrt(self._nu_hat()) + self.eps
        return self._mu_hat() / self.sigma


class Lion(NumpyOptimizer):
    """Chen et al. 2023: c = sign(β₁m + (1−β₁)g), m ← β₂m + (1−β₂)g, θ ← θ − η (c + λθ)."""

    name = "lion"
    state_keys = ("momentum",)
    defaults: ClassVar[Mapping[str, float]] = {"b1": 0.9, "b2": 0.99, "weight_decay": 1e-3}
    b1: float
    b2: float
    weight_decay: float

    def __init__(self, **hyper: float) -> None:
        super().__init__(**hyper)
        self.mu = np.zeros(2)

    def _step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        direction = np.sign(self.b1 * self.mu + (1.0 - self.b1) * grad)
        self.mu = self.b2 * self.mu + (1.0 - self.b2) * grad
        return params - lr * (direction + self.weight_decay * params)

    def state(self) -> dict[str, np.ndarray]:
        return {"momentum": self.mu.copy()}


class Adadelta(NumpyOptimizer):
    """Zeiler 2012, optax form (weight decay first, then Adadelta, then η):
    g ← g + λθ, E[g²] ← ρE[g²] + (1−ρ)g², Δ = g·√(E[Δx²] + ε)/√(E[g²] + ε) (with the
    *previous* E[Δx²]), E[Δx²] ← ρE[Δx²] + (1−ρ)Δ², θ ← θ − η Δ. σ is the divisor of g
    in that step: √(E[g²]ₜ + ε)/√(E[Δx²]ₜ₋₁ + ε)."""

    name = "adadelta"
    state_keys = ("sigma",)
    defaults: ClassVar[Mapping[str, float]] = {"rho": 0.9, "eps": 1e-6, "weight_decay": 0.0}
    rho: float
    eps: float
    weight_decay: float

    def __init__(self, **hyper: float) -> None:
        super().__init__(**hyper)
        self.e_g = np.zeros(2)
        self.e_x = np.zeros(2)
        self.sigma = np.zeros(2)

    def _step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        grad = grad + self.weight_decay * params
        self.e_g = self.rho * self.e_g + (1.0 - self.rho) * grad**2
        self.sigma = np.sqrt(self.e_g + self.eps) / np.sqrt(self.e_x + self.eps)
        delta = grad / self.sigma
        self.e_x = self.rho * self.e_x + (1.0 - self.rho) * delta**2
        return params - lr * delta

    def state(self) -> dict[str, np.ndarray]:
        return {"sigma": self.sigma.copy()}


NUMPY_OPTIMIZERS: Mapping[str, type[NumpyOptimizer]] = {
    cls.name: cls
    for cls in (
        SGD,
        Momentum,
        Nesterov,
        Adagrad,
        AdagradRMS,
        RMSProp,
        Adam,
        AdamW,
        RAdam,
        NAdam,
        AMSGrad,
        Adamax,
        AdaBelief,
        Lion,
        Adadelta,
    )
}


def make_numpy_optimizer(name: str, **hyper: float) -> NumpyOptimizer:
    """A fresh optimizer ``name`` with ``hyper`` overriding its defaults."""
    return NUMPY_OPTIMIZERS[name](**hyper)


class NumpyRun(NamedTuple):
    """A reference run: ``points`` (steps + 1, 2); ``state`` name → (steps, 2) per update."""

    points: np.ndarray
    state: dict[str, np.ndarray]


def _learning_rates(lr_series: float | Sequence[float] | np.ndarray, steps: int) -> np.ndarray:
    series = np.asarray(lr_series, dtype=np.float64)
    if series.ndim == 0:
        return np.full(steps, float(series))
    if len(series) < steps:
        raise ValueError(f"need {steps} learning rates, got {len(series)}")
    return series[:steps]


def trace_numpy(
    name: str,
    grad_fn: GradFn,
    start: Sequence[float] | np.ndarray,
    steps: int,
    lr_series: float | Sequence[float] | np.ndarray,
    **hyper: float,
) -> NumpyRun:
    """Run ``steps`` updates from ``start``; record every point and the state after each."""
    optimizer = make_numpy_optimizer(name, **hyper)
    rates = _learning_rates(lr_series, steps)
    points = np.empty((steps + 1, 2))
    points[0] = np.asarray(start, dtype=np.float64)
    states: dict[str, list[np.ndarray]] = {}
    for t in range(steps):
        points[t + 1] = optimizer.step(points[t], grad_fn(points[t]), float(rates[t]))
        for key, value in optimizer.state().items():
            states.setdefault(key, []).append(value)
    return NumpyRun(points, {key: np.array(values) for key, values in states.items()})


def run_numpy(
    name: str,
    grad_fn: GradFn,
    start: Sequence[float] | np.ndarray,
    steps: int,
    lr_series: float | Sequence[float] | np.ndarray,
    **hyper: float,
) -> np.ndarray:
    """The naive per-step loop: the ``(steps + 1, 2)`` points of one run (no state kept).

    ``grad_fn(point) -> gradient``; ``lr_series`` is η₀ … η_{steps−1} (or one number).
    """
    optimizer = make_numpy_optimizer(name, **hyper)
    rates = _learning_rates(lr_series, steps)
    points = np.empty((steps + 1, 2))
    points[0] = np.asarray(start, dtype=np.float64)
    for t in range(steps):
        points[t + 1] = optimizer.step(points[t], grad_fn(points[t]), float(rates[t]))
    return points
