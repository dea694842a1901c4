"""What an experiment will cost, from its parameters, before it is queued.

Every network experiment is a sequence of a few kinds of work: optimizer steps, Hessian-
vector products (Lanczos, Hutchinson, quadrature), loss evaluations over the data (slices,
curves), dense Hessians with their eigendecomposition (full spectra, polishing). Each is a
count read from the parameters times a unit cost measured on a 2-core CPU machine:
``python -m bench.job_costs`` runs every kind at several sizes and writes the estimate
next to what it took (docs/BENCHMARKS.md). Time estimates are for refusing what would
clearly run past the budget (the job's time limit still stops the rest); memory estimates
are upper bounds of the peak above the server's baseline (tests/unit/test_job_costs.py
runs each kind at the largest parameters a small budget admits and checks its peak RSS).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from descentlab.core.experiments.batch_size import BatchSizeParams, actual_batch_sizes
from descentlab.core.experiments.hessian import SLICE_POINTS, HessianParams
from descentlab.core.experiments.landscape import LandscapeParams
from descentlab.core.experiments.loss_comparison import LossComparisonParams
from descentlab.core.experiments.minimum_ratio import MinimumRatioParams, epochs_trained
from descentlab.core.experiments.normalization import NormalizationParams
from descentlab.core.experiments.skip_connections import SkipConnectionsParams
from descentlab.core.experiments.train import (
    NetworkSetup,
    load_dataset,
    model_for,
    sample_count,
    samples_per_batch,
)
from descentlab.core.nets import hessian, landscape
from descentlab.core.nets.models import (
    ConvSpec,
    ModelSpec,
    activations,
    count_params,
    layer_blocks,
    multiply_adds,
)

MB = 2**20

# --- unit costs (measured on 2 CPU cores; see the module docstring) -----------------------
STEP_S = 8e-5  # one optimizer step's fixed cost (dispatch within the scan, bookkeeping)
STEP_PARAMETER_S = 1.2e-9  # per parameter per step (update, optimizer state)
TRAIN_SAMPLE_PARAMETER_S = 2e-10  # forward and backward of one sample through one parameter
HVP_SAMPLE_PARAMETER_S = 1.5e-10  # one Hessian-vector product, per sample and parameter
EVAL_SAMPLE_PARAMETER_S = 2e-11  # one batched loss evaluation, per sample and parameter
EIGH_S = 3e-10  # a dense float64 eigendecomposition, per n³
COMPILE_S = 1.5  # compiling one kernel (a training epoch, a Lanczos run, …) for a new shape

JOB_BYTES = 224 * MB  # JAX's working set for any job, whatever its size
KERNEL_BYTES = 48 * MB  # each distinct compiled kernel: compiling it, and the executable
BOUNDARY_CELLS = 40 * 40  # the training preview's decision-boundary grid


@dataclass(frozen=True)
class Cost:
    """Seconds and bytes of one experiment, with what drives them.

    ``compute_seconds`` is the work itself; each distinct kernel in ``kernels`` (a name
    and the shape it is compiled for) adds a compile, counted once however often it runs.
    ``kept_bytes`` stay allocated until the job ends (snapshots, results); ``working_bytes``
    is the largest transient need of any part. ``drivers`` are the parameters to lower,
    the most costly part's first.
    """

    compute_seconds: float = 0.0
    kept_bytes: float = 0.0
    working_bytes: float = 0.0
    drivers: tuple[str, ...] = ()
    kernels: frozenset[str] = frozenset()
    # seconds per group of drivers, summed over the parts that share them
    shares: tuple[tuple[tuple[str, ...], float], ...] = field(default=(), repr=False)

    @property
    def seconds(self) -> float:
        return self.compute_seconds + COMPILE_S * len(self.kernels)

    @property
    def peak_bytes(self) -> float:
        return JOB_BYTES + KERNEL_BYTES * len(self.kernels) + self.kept_bytes + self.working_bytes

    def then(self, other: "Cost") -> "Cost":
        """This part followed by ``other``: times add, memory kept adds, working is a max;
        the drivers of the kind of work that takes longest come first."""
        shares: dict[tuple[str, ...], float] = {}
        for part in (self, other):
            for drivers, seconds in part.shares or ((part.drivers, part.compute_seconds),):
                if drivers:
                    shares[drivers] = shares.get(drivers, 0.0) + seconds
        ranked = sorted(shares, key=lambda drivers: -shares[drivers])
        names = tuple(dict.fromkeys(name for drivers in ranked for name in drivers))
        return Cost(
            self.compute_seconds + other.compute_seconds,
            self.kept_bytes + other.kept_bytes,
            max(self.working_bytes, other.working_bytes),
            names,
            self.kernels | other.kernels,
            tuple(shares.items()),
        )


def sequence(parts: Sequence[Cost]) -> Cost:
    total = Cost()
    for part in parts:
        total = total.then(part)
    return total


# A convolution's multiply-adds run slower than a dense layer's on a CPU (3 × 3
# neighbourhoods gathered, 8–32 channels): per multiply-add, measured for the depth-20,
# 8-channel network on 2 cores, a loss evaluation 5.5×, an HVP 2.5×, a training step 1.4×
# an MLP's unit costs (``python -m bench.cnn``); the largest, so estimates stay above.
CONV_WORK_FACTOR = 5.5


def work_factor(spec: ModelSpec) -> float:
    return CONV_WORK_FACTOR if isinstance(spec, ConvSpec) else 1.0


@dataclass(frozen=True)
class Network:
    """The sizes the unit costs multiply: parameters, samples, work and activations per
    sample. ``work`` is one sample's multiply-adds: an MLP's parameter count, give or take
    its biases; a convolution uses each weight at every pixel."""

    parameters: int
    work: int
    n_train: int
    n_test: int
    units: int  # hidden units plus outputs: activations per sample
    outputs: int
    shape: str  # what a compiled kernel is specialized to (widths, batch norm, dataset)
    size: tuple[str, ...] = ("widths",)  # the setup fields that set its size


def network(setup: NetworkSetup) -> Network:
    dataset = load_dataset(setup)  # milliseconds: generated from a seed
    spec = model_for(setup, dataset)
    return Network(
        count_params(spec),
        max(count_params(spec), int(multiply_adds(spec) * work_factor(spec))),
        int(dataset.x_train.shape[0]),
        int(dataset.x_test.shape[0]),
        activations(spec),
        spec.output_dim,
        f"{spec}/{dataset.x_train.shape[0]}",
        ("widths",) if setup.architecture == "mlp" else ("depth", "channels"),
    )


def training(
    setup: NetworkSetup,
    net: Network,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    snapshots: bool = True,
    boundary: bool = True,
) -> Cost:
    """``train``: its steps, an evaluation of both splits per epoch, what it keeps."""
    epochs = setup.epochs if epochs is None else epochs
    batch = samples_per_batch(batch_size or setup.batch_size, net.n_train)
    steps = epochs * math.ceil(net.n_train / batch)
    per_step = STEP_S + net.parameters * STEP_PARAMETER_S
    samples = epochs * (net.n_train * TRAIN_SAMPLE_PARAMETER_S)
    evaluations = epochs * (net.n_train + net.n_test) * EVAL_SAMPLE_PARAMETER_S
    cells = BOUNDARY_CELLS if boundary else 0
    previews = epochs * cells * EVAL_SAMPLE_PARAMETER_S
    seconds = steps * per_step + net.work * (samples + evaluations + previews)
    kept = (epochs + 1) * (net.parameters * 4 * snapshots + cells * net.outputs * 4)
    working = 4 * (
        8 * net.parameters  # parameters, gradients, optimizer states, their flat copies
        + 4 * max(batch, net.n_train + net.n_test, cells) * net.units  # activations
    )
    drivers = ("epochs", "n_samples", *net.size, "batch_size")
    kernels = frozenset({f"train/{net.shape}/{batch}/{setup.optimizer}"})
    return Cost(seconds, kept, working, drivers, kernels)


def hvps(
    count: int, net: Network, kernel: str, *, batch: int = 1, drivers: tuple[str, ...] = ()
) -> Cost:
    """``count`` Hessian-vector products over the training set, ``batch`` vmapped at once,
    by the compiled ``kernel``."""
    seconds = count * net.n_train * net.work * HVP_SAMPLE_PARAMETER_S
    working = batch * (hessian.hvp_bytes(net.n_train, net.units) + 4 * 4 * net.parameters)
    kernels = frozenset({f"{kernel}/{net.shape}/{batch}"})
    return Cost(seconds, 0.0, working, (*drivers, "n_samples", *net.size), kernels)


def lanczos(iterations: int, net: Network, runs: int = 1, itemsize: int = 4) -> Cost:
    """``runs`` Lanczos runs one after another, each keeping its basis while it runs."""
    steps = min(iterations, net.parameters)
    part = hvps(runs * steps, net, f"lanczos/{steps}", drivers=("iterations",))
    basis = (steps + 2) * net.parameters * itemsize
    begin = frozenset({f"lanczos-begin/{steps}/{net.parameters}"})  # its own small program
    return replace(part, working_bytes=part.working_bytes + basis, kernels=part.kernels | begin)


def quadrature(iterations: int, probes: int, net: Network, most: int | None = None) -> Cost:
    """Stochastic Lanczos quadrature: probes in batches whose bases fit the budget (and at
    most ``most`` at once)."""
    steps = min(iterations, net.parameters)
    batch = hessian.quadrature_batch(probes, steps, net.parameters)
    batch = batch if most is None else max(1, min(batch, most))
    part = hvps(
        probes * steps, net, f"quadrature/{steps}", batch=batch, drivers=("probes", "iterations")
    )
    basis = batch * (steps + 2) * net.parameters * 4
    return replace(part, working_bytes=part.working_bytes + basis)


def dense_spectrum(net: Network, count: int = 1, itemsize: int = 8) -> Cost:
    """``count`` dense Hessians (n HVPs each, in batches) and their eigendecompositions."""
    n = net.parameters
    part = hvps(count * n, net, "dense", batch=hessian.DENSE_BATCH)
    seconds = part.compute_seconds + count * EIGH_S * n**3
    matrices = 3 * n * n * itemsize  # the Hessian, its symmetrized copy, the eigenvectors
    return replace(part, compute_seconds=seconds, working_bytes=part.working_bytes + matrices)


def evaluations(
    points: int,
    net: Network,
    samples: int | None = None,
    drivers: tuple[str, ...] | None = None,
) -> Cost:
    """The loss at ``points`` parameter vectors over ``samples`` (default: the training set)."""
    samples = net.n_train if samples is None else samples
    drivers = ("resolution", "n_samples", *net.size) if drivers is None else drivers
    seconds = points * samples * net.work * EVAL_SAMPLE_PARAMETER_S
    working = 4 * (8 * net.parameters + 4 * samples * net.units)
    kernels = frozenset({f"evaluate/{net.shape}/{samples}"})
    return Cost(seconds, points * 4.0, working, drivers, kernels)


# --- the kinds ---------------------------------------------------------------------------


def _loss_comparison(params: LossComparisonParams) -> Cost:
    """Two 2-D surfaces on a grid and two runs: milliseconds on the 2-D engine."""
    grid = params.resolution**2
    seconds = 2 * params.steps * STEP_S + grid * 1e-7
    kept = 2 * grid * 8.0 + 2 * params.steps * 64.0
    programs = frozenset({"2d/race", "2d/grid", "2d/logits-race", "2d/logits-grid"})
    return Cost(seconds, kept, 0.0, ("resolution", "steps"), programs)


def _train(setup: NetworkSetup) -> Cost:
    return training(setup, network(setup))


def _hessian(params: HessianParams) -> Cost:
    trained = network(params.setup)
    # The Hessian's work is over its rows; the probes run as many at once as fit.
    net = replace(trained, n_train=min(trained.n_train, params.samples))
    fit = hessian.hvp_batch(params.probes, net.n_train, net.units)
    batch = min(hessian.TRACE_BATCH, fit)
    parts = [
        training(params.setup, trained),
        lanczos(params.iterations, net, runs=2),  # the top eigenvalues, the most negative
        hvps(params.probes, net, "hutchinson", batch=batch),
        quadrature(params.iterations, params.probes, net, most=fit),
    ]
    parts.append(evaluations(2 * SLICE_POINTS, net, drivers=("setup",)))  # the 1-D slices
    if params.per_layer:  # each layer's block: HVPs of the whole network, a block's basis
        spec = model_for(params.setup, load_dataset(params.setup))
        for _, _, size in layer_blocks(spec):
            block = replace(net, parameters=size, shape=f"{net.shape}/block{size}")
            parts.append(lanczos(params.iterations, block))
            parts.append(hvps(params.probes, block, "hutchinson", batch=batch))
    if net.parameters <= hessian.FULL_SPECTRUM_LIMIT:
        parts.append(dense_spectrum(net))
    return sequence(parts)


def _landscape(params: LandscapeParams) -> Cost:
    net = network(params.setup)
    snapshots = params.setup.epochs + 1  # their Gram matrix, and one slab at a time
    pca = snapshots**2 * 8.0 + 4 * landscape.PCA_CHUNK_BYTES
    slice_ = evaluations(params.resolution**2, net)
    parts = [training(params.setup, net), replace(slice_, working_bytes=slice_.working_bytes + pca)]
    if params.directions == "hessian":  # the top two eigenvectors first
        parts.insert(1, lanczos(hessian.DEFAULT_ITERATIONS, net))
    return sequence(parts)


def _batch_size(params: BatchSizeParams) -> Cost:
    setup = params.setup
    net = network(setup)
    parts: list[Cost] = []
    for size in actual_batch_sizes(params.batch_sizes, net.n_train):
        once = training(setup, net, batch_size=size, snapshots=False, boundary=False)
        repeats = (1 + params.timing_repeats) / setup.epochs  # epochs timed, of those trained
        timing = replace(once, compute_seconds=once.compute_seconds * repeats)
        gradients = hvps(1, net, "gradients")  # per-example gradients in chunks: ~one HVP
        parts += [once, timing, lanczos(params.iterations, net), gradients]
    curves = 3 * (params.resolution + 2)  # the interpolation and the two slices
    parts.append(evaluations(curves, net, net.n_train + net.n_test))
    return sequence(parts)


def _normalization(params: NormalizationParams) -> Cost:
    programs = frozenset({"linear/surface", "linear/runs"})  # the 2-D engine's, at its sizes
    linear = Cost(1e-6 * params.steps + 1e-7 * params.resolution**2, kernels=programs)
    rates = list(params.learning_rates)
    slice_rate = params.slice_learning_rate
    extra = [] if slice_rate is None or slice_rate in rates else [slice_rate]
    parts = [linear]
    for batch_norm in (False, True):
        setup = replace(params.setup, batch_norm=batch_norm)
        net = network(setup)
        for rate in [*rates, *extra]:
            parts.append(training(setup, net))
            if rate in rates:  # its sharpness: one Lanczos run, two with batch norm
                sharpness = lanczos(params.iterations, net, runs=1 + batch_norm)
                if batch_norm:  # the second in evaluation mode: another loss, another kernel
                    evaluation = frozenset({f"lanczos-eval/{params.iterations}/{net.shape}"})
                    sharpness = replace(sharpness, kernels=sharpness.kernels | evaluation)
                parts.append(sharpness)
        drivers = ("slice_resolution", "n_samples", "widths")
        parts.append(evaluations(params.slice_resolution**2, net, drivers=drivers))
    return sequence(parts)


def _minimum_ratio(params: MinimumRatioParams) -> Cost:
    parts = []
    for widths in params.widths:
        setup = replace(params.setup, widths=widths)
        net = network(setup)
        for index in range(params.seeds):
            epochs = epochs_trained(index, params.seeds, setup.epochs)
            if epochs:
                parts.append(training(setup, net, epochs=epochs, snapshots=False, boundary=False))
            # Every polishing step may be accepted: a dense float64 Hessian and its spectrum.
            polish = dense_spectrum(net, 1 + params.polish_steps)
            kernels = frozenset({f"polish/{net.shape}", f"polish-start/{net.shape}"})
            drivers = ("polish_steps", "widths", "seeds")
            parts.append(replace(polish, drivers=drivers, kernels=kernels))
    return sequence(parts)


def _skip_connections(params: SkipConnectionsParams) -> Cost:
    """Per seed and variant: training, a slice over ``slice_samples`` rows, one Lanczos run."""
    net = network(params.setup)
    rows = min(params.slice_samples, net.n_train)
    sample = replace(net, n_train=rows, shape=net.shape.rsplit("/", 1)[0] + f"/{rows}")
    drivers = ("resolution", "slice_samples", "depth", "channels")
    parts = []
    for skip in (True, False):
        # The two variants are two programs; the seeds reuse them.
        variant = replace(sample, shape=f"{sample.shape}/{skip}")
        trained = replace(net, shape=f"{net.shape}/{skip}")
        for _ in range(params.seeds):
            parts += [
                training(params.setup, trained, boundary=False),
                evaluations(params.resolution**2, variant, rows, drivers),
                lanczos(params.iterations, variant),
            ]
    return sequence(parts)


ESTIMATES: dict[type, Callable[[Any], Cost]] = {
    LossComparisonParams: _loss_comparison,
    NetworkSetup: _train,
    HessianParams: _hessian,
    LandscapeParams: _landscape,
    BatchSizeParams: _batch_size,
    NormalizationParams: _normalization,
    MinimumRatioParams: _minimum_ratio,
    SkipConnectionsParams: _skip_connections,
}


def estimate(params: object) -> Cost:
    """The cost of running the experiment whose core parameters are ``params``.

    Real data (iris, digits, an upload) has the size it has: its ``n_samples`` is never
    named as a parameter to lower."""
    cost = ESTIMATES[type(params)](params)
    setup = params if isinstance(params, NetworkSetup) else getattr(params, "setup", None)
    if isinstance(setup, NetworkSetup) and sample_count(setup) != setup.n_samples:
        return replace(cost, drivers=tuple(d for d in cost.drivers if d != "n_samples"))
    return cost


@dataclass(frozen=True)
class Budget:
    """What one job may take: seconds, and bytes above the server's baseline."""

    seconds: float
    peak_bytes: float


class OverBudgetError(ValueError):
    """The experiment would cost more than the budget: lower the named parameters."""


def check_budget(cost: Cost, budget: Budget) -> None:
    """Raise ``OverBudgetError`` naming the limit and the parameters to lower."""
    over = []
    if cost.seconds > budget.seconds:
        over.append(f"about {_duration(cost.seconds)} (limit {_duration(budget.seconds)})")
    if cost.peak_bytes > budget.peak_bytes:
        need, limit = cost.peak_bytes / MB, budget.peak_bytes / MB
        over.append(f"about {need:,.0f} MB of memory (limit {limit:,.0f} MB)")
    if over:
        raise OverBudgetError(
            f"this experiment would take {' and '.join(over)}; lower "
            f"{', '.join(cost.drivers[:3]) or 'its sizes'}"
        )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
