"""Figures for notebooks: every trace carries the engine's own numbers, computed here
independently (``run_trajectories``, ``evaluate_grid``, the experiments' ``run``); keyword
arguments reach the engine as the engine's objects; bad names fail with what is known; and
every example in docs/NOTEBOOKS.md runs as written.

Experiment settings are the core tests' small ones, so a full run compiles them once.
"""

import base64
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from numpy.testing import assert_array_equal

from descentlab import figures
from descentlab.api.responses import encode
from descentlab.core.experiments import batch_size as batch_size_experiment
from descentlab.core.experiments import hessian as hessian_experiment
from descentlab.core.experiments import landscape as landscape_experiment
from descentlab.core.experiments import loss_comparison as loss_comparison_experiment
from descentlab.core.experiments import minimum_ratio as minimum_ratio_experiment
from descentlab.core.experiments import normalization as normalization_experiment
from descentlab.core.experiments.train import NetworkSetup
from descentlab.core.grid import evaluate_grid
from descentlab.core.objective import Objective
from descentlab.core.optimizers import OPTIMIZERS
from descentlab.core.schedules import ScheduleConfig
from descentlab.core.surfaces import get_surface
from descentlab.core.trajectory import RunConfig, RunResult, run_trajectories
from descentlab.figures import style
from descentlab.figures.experiments import batch_size as batch_size_figure
from descentlab.figures.experiments import hessian as hessian_figure
from descentlab.figures.experiments import landscape as landscape_figure
from descentlab.figures.experiments import loss_comparison as loss_comparison_figure
from descentlab.figures.experiments import minimum_ratio as minimum_ratio_figure
from descentlab.figures.experiments import normalization as normalization_figure
from descentlab.figures.style import PALETTE, number, plotly_text
from tests.unit.experiments.test_batch_size import PARAMS as BATCH_SIZE_PARAMS
from tests.unit.experiments.test_landscape_experiment import SMALL as LANDSCAPE_SETUP
from tests.unit.experiments.test_minimum_ratio import SMALL as MINIMUM_RATIO_PARAMS
from tests.unit.experiments.test_normalization import PARAMS as NORMALIZATION_PARAMS

NOTEBOOKS = Path(__file__).resolve().parents[2] / "docs" / "NOTEBOOKS.md"
Result = dict[str, Any]


def quiet(fraction: float, partial: Any = None, /) -> None:
    del fraction, partial


def by_name(figure: go.Figure, name: str, mode: str | None = None) -> list[Any]:
    return [t for t in figure.data if t.name == name and (mode is None or t.mode == mode)]


def one(figure: go.Figure, name: str, mode: str | None = None) -> Any:
    (trace,) = by_name(figure, name, mode)
    return trace


def as_api_sends_it(result: Result) -> Result:
    """The result as a job's JSON carries it: lists, non-finite numbers as null."""
    decoded: Result = json.loads(encode(result))
    return decoded


# --------------------------------------------------------------------------- the race

BEALE_RUNS = [
    {"optimizer": "adam", "learning_rate": 0.05},
    {"optimizer": "momentum", "learning_rate": 0.002, "momentum": 0.8, "label": "slow ball"},
]
BEALE_START = (1.0, 1.4)


def engine_race(
    surface: str, configs: list[RunConfig], steps: int
) -> tuple[Objective, list[RunResult]]:
    objective = Objective.from_surface(get_surface(surface))
    return objective, run_trajectories(objective, steps, configs)


def beale_configs() -> list[RunConfig]:
    return [
        RunConfig(OPTIMIZERS["adam"], BEALE_START, {"learning_rate": 0.05}),
        RunConfig(OPTIMIZERS["momentum"], BEALE_START, {"learning_rate": 0.002, "momentum": 0.8}),
    ]


def test_the_race_draws_the_engines_paths_on_the_engines_grid() -> None:
    fig = figures.race(
        "beale", BEALE_RUNS, start=BEALE_START, steps=150, log_scale=False, resolution=33
    )
    objective, results = engine_race("beale", beale_configs(), 150)
    grid = evaluate_grid(objective, 33)

    (contour,) = [t for t in fig.data if t.type == "contour"]
    assert_array_equal(contour.x, grid.x)
    assert_array_equal(contour.y, grid.y)
    assert_array_equal(contour.z, grid.z)
    for label, colour, result in zip(["adam", "slow ball"], PALETTE[:2], results, strict=True):
        path = one(fig, label, "lines")
        assert_array_equal(np.column_stack([path.x, path.y]), result.points)
        assert path.line.color == colour
        point = one(fig, label, "markers")
        assert_array_equal([point.x[0], point.y[0]], result.points[-1])
    minima = one(fig, "known minima")
    surface = get_surface("beale")
    assert list(zip(minima.x, minima.y, strict=True)) == [(m.x, m.y) for m in surface.minima]
    start = one(fig, "start")
    assert (start.x[0], start.y[0]) == BEALE_START
    (x_lo, x_hi), (y_lo, y_hi) = surface.domain
    assert tuple(fig.layout.xaxis.range) == (x_lo, x_hi)
    assert tuple(fig.layout.yaxis.range) == (y_lo, y_hi)


def test_the_arrows_point_along_minus_the_gradient_and_minus_the_momentum() -> None:
    fig = figures.race("beale", BEALE_RUNS, start=BEALE_START, steps=150, step=40)
    _, results = engine_race("beale", beale_configs(), 150)
    # Beale's domain is [−4.5, 4.5]²: arrows are 8 % of its shorter side (as in the lab),
    # momentum's 70 % of that.
    side = 9.0
    for label, result, key, length in [
        ("adam", results[0], None, 0.08 * side),
        ("slow ball", results[1], "momentum", 0.7 * 0.08 * side),
    ]:
        path = one(fig, label, "lines")
        assert len(path.x) == 41  # the cursor at step 40: points 0 … 40
        direction = -(result.gradient[40] if key is None else result.state[key][39])
        name = f"{label} −∇f" if key is None else f"{label} momentum"
        arrow = one(fig, name)
        tail, tip = np.array([arrow.x[0], arrow.y[0]]), np.array([arrow.x[1], arrow.y[1]])
        assert_array_equal(tail, result.points[40])
        np.testing.assert_allclose(tip - tail, length * direction / np.linalg.norm(direction))


def test_the_log_scale_is_log10_of_the_height_above_the_grids_minimum() -> None:
    adam = [{"optimizer": "adam"}]
    fig = figures.race(runs=adam, steps=20, resolution=17)  # Rosenbrock: log scale in the lab
    objective = Objective.from_surface(get_surface("rosenbrock"))
    z = evaluate_grid(objective, 17).z
    floor = max((z.max() - z.min()) * 1e-7, 1e-12)
    (contour,) = [t for t in fig.data if t.type == "contour"]
    np.testing.assert_allclose(contour.z, np.log10(z - z.min() + floor), rtol=1e-12)
    # Himmelblau opens on a linear one; log_scale overrides either way.
    himmelblau = evaluate_grid(Objective.from_surface(get_surface("himmelblau")), 17).z
    linear = figures.race("himmelblau", adam, steps=20, resolution=17)
    assert_array_equal(next(t for t in linear.data if t.type == "contour").z, himmelblau)
    logged = figures.race("himmelblau", adam, steps=20, resolution=17, log_scale=True)
    assert next(t for t in logged.data if t.type == "contour").z.min() < 0  # the floor, 10⁻⁷·range


def test_default_runs_are_the_labs_four_from_the_surfaces_start() -> None:
    fig = figures.race(steps=30, resolution=17)
    lines = [t for t in fig.data if t.type == "scatter" and t.mode == "lines"]
    paths = [t for t in lines if t.showlegend is not False]  # (each under its halo)
    assert [t.name for t in paths] == ["sgd", "momentum", "rmsprop", "adam"]
    assert [t.name for t in lines if t.showlegend is False] == [f"{t.name} outline" for t in paths]
    start = get_surface("rosenbrock").default_start
    assert all((t.x[0], t.y[0]) == start for t in paths)


def test_a_runs_schedule_noise_seed_and_own_start_reach_the_engine() -> None:
    schedule = {
        "name": "warmup",
        "warmup_steps": 20,
        "then": {"name": "cosine_decay", "decay_steps": 80},
    }
    runs = [
        {
            "optimizer": "sgd",
            "learning_rate": 0.01,
            "schedule": schedule,
            "gradient_noise": 0.5,
            "seed": 3,
        },
        {"optimizer": "sgd", "learning_rate": 0.01, "start": [-1.0, -1.5]},
    ]
    fig = figures.loss_curves("himmelblau", runs, start=(0.5, 0.5), steps=100)
    configs = [
        RunConfig(
            OPTIMIZERS["sgd"],
            (0.5, 0.5),
            {"learning_rate": 0.01},
            ScheduleConfig.of(
                "warmup", then=ScheduleConfig.of("cosine_decay", decay_steps=80), warmup_steps=20
            ),
            gradient_noise=0.5,
            seed=3,
        ),
        RunConfig(OPTIMIZERS["sgd"], (-1.0, -1.5), {"learning_rate": 0.01}),
    ]
    _, results = engine_race("himmelblau", configs, 100)
    for label, result in zip(["sgd", "sgd 2"], results, strict=True):
        loss, grad_norm, rate = by_name(fig, label)
        assert_array_equal(loss.y, result.loss)
        assert_array_equal(grad_norm.y, result.grad_norm)
        assert_array_equal(rate.y, result.learning_rate)
        assert_array_equal(loss.x, np.arange(len(result.loss)))
    assert by_name(fig, "sgd")[2].y[0] == 0.0  # warm-up from 0
    assert fig.layout.yaxis.type == "log"  # Himmelblau's losses are positive


def test_loss_curves_note_divergence_and_go_linear_for_negative_losses() -> None:
    runs = [
        {"optimizer": "sgd", "learning_rate": 0.5},
        {"optimizer": "adam", "learning_rate": 0.01},
    ]
    fig = figures.loss_curves("beale", runs, start=BEALE_START, steps=50)
    _, (diverging, _) = engine_race(
        "beale",
        [
            RunConfig(
                OPTIMIZERS[r["optimizer"]], BEALE_START, {"learning_rate": r["learning_rate"]}
            )
            for r in runs
        ],
        50,
    )
    assert diverging.diverged_at is not None
    assert [a.text for a in fig.layout.annotations] == [
        f"sgd diverged at step {diverging.diverged_at}"
    ]
    camel = figures.loss_curves(
        "six_hump_camel",
        [{"optimizer": "adam", "learning_rate": 0.05}],
        start=(0.3, -0.4),
        steps=200,
    )
    assert min(by_name(camel, "adam")[0].y) < 0  # its minima are at −1.03
    assert camel.layout.yaxis.type == "linear"


def test_the_3d_view_lifts_each_path_onto_the_surface() -> None:
    fig = figures.surface3d(
        "himmelblau", [{"optimizer": "adam", "learning_rate": 0.1}], steps=60, resolution=21
    )
    objective, (result,) = engine_race(
        "himmelblau", [RunConfig(OPTIMIZERS["adam"], (-0.5, 0.5), {"learning_rate": 0.1})], 60
    )
    (surface,) = [t for t in fig.data if t.type == "surface"]
    assert_array_equal(surface.z, evaluate_grid(objective, 21).z)
    path = one(fig, "adam")
    assert_array_equal(np.column_stack([path.x, path.y]), result.points)
    assert_array_equal(path.z, result.loss)


# A run label (from a notebook, a URL or a lesson) that Plotly would render as a live link,
# and a hovertemplate variable.
HOSTILE_LABEL = '<a href="https://evil.example">x</a> %{y}'
HOSTILE_SHOWN = "&lt;a href=&#34;https://evil.example&#34;&gt;x&lt;/a&gt; &#37;{y}"


def test_plotly_text_turns_markup_into_entities_and_leaves_plain_labels() -> None:
    assert plotly_text(HOSTILE_LABEL) == HOSTILE_SHOWN
    assert plotly_text("<b style='font-size:99px'>big</b> & co") == (
        "&lt;b style=&#39;font-size:99px&#39;&gt;big&lt;/b&gt; &amp; co"
    )
    for plain in ("adam", "SGD η=0.1", "sgd + noise", "η = 1e-2", "slow ball 2"):
        assert plotly_text(plain) == plain


def test_a_run_label_reaches_every_figure_as_text_not_markup() -> None:
    runs = [{"optimizer": "sgd", "learning_rate": 0.5, "label": HOSTILE_LABEL}]
    drawn = [
        figures.race("beale", runs, start=BEALE_START, steps=50, resolution=33),
        figures.loss_curves("beale", runs, start=BEALE_START, steps=50),  # diverges: a note
        figures.surface3d("beale", runs, start=BEALE_START, steps=50, resolution=33),
    ]
    for fig in drawn:
        texts = [t.name for t in fig.data] + [t.hovertemplate for t in fig.data]
        texts += [a.text for a in fig.layout.annotations]
        shown = [text for text in texts if text and "evil" in text]
        assert shown
        for text in shown:
            assert HOSTILE_SHOWN in text and HOSTILE_LABEL not in text
    (note,) = drawn[1].layout.annotations
    assert note.text.startswith(f"{HOSTILE_SHOWN} diverged at step ")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: figures.race("nowhere"), "unknown surface 'nowhere'; known: rosenbrock"),
        (lambda: figures.race(runs=[{"optimizer": "adamm"}]), "unknown optimizer 'adamm'; known:"),
        (lambda: figures.race(runs=[{"learning_rate": 0.1}]), "a run needs an optimizer"),
        (
            lambda: figures.race(runs=[{"optimizer": "sgd", "momentum": 0.9}]),
            "sgd has no hyperparameter 'momentum'; it has: learning_rate",
        ),
        (
            lambda: figures.race(runs=[{"optimizer": "sgd", "schedule": {"name": "cyclic"}}]),
            "unknown schedule 'cyclic'; known: warmup, constant",
        ),
        (
            lambda: figures.race("elongated_quadratic", params={"kondition": 3}),
            "no parameter 'kondition'",
        ),
        (lambda: figures.landscape(resolutoin=9), "LandscapeParams has no field 'resolutoin'"),
        (lambda: figures.landscape(setup={"epoch": 3}), "NetworkSetup has no field 'epoch'"),
        (lambda: figures.landscape(result={}, resolution=9), "not both"),
    ],
)
def test_bad_names_say_what_is_known(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_to_json_is_what_plotly_reads_back() -> None:
    fig = figures.race(
        "booth", [{"optimizer": "adam", "learning_rate": 0.5}], steps=40, resolution=17
    )
    text = figures.to_json(fig)
    assert set(json.loads(text)) >= {"data", "layout"}
    back = pio.from_json(text)
    assert len(back.data) == len(fig.data)
    path, again = one(fig, "adam", "lines"), one(back, "adam", "lines")
    # Arrays travel as plotly.js's typed arrays: base64 of the exact float64 bytes.
    assert_array_equal(typed_array(again.x), path.x)
    assert_array_equal(typed_array(again.y), path.y)


def typed_array(spec: Any) -> np.ndarray:
    assert set(spec) == {"dtype", "bdata"}
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=spec["dtype"])


# --------------------------------------------------------------------------- experiments


@pytest.fixture(scope="module")
def landscape_result() -> Result:
    params = landscape_experiment.LandscapeParams(setup=LANDSCAPE_SETUP, resolution=9)
    return landscape_experiment.run(params, quiet)


@pytest.fixture(scope="module")
def hessian_result() -> Result:
    params = hessian_experiment.HessianParams(
        setup=NetworkSetup(widths=(4,), n_samples=60, epochs=3, batch_size=16),
        top_k=3,
        iterations=30,
        probes=32,
    )
    return hessian_experiment.run(params, quiet)


@pytest.fixture(scope="module")
def loss_comparison_result() -> Result:
    params = loss_comparison_experiment.LossComparisonParams(resolution=16, steps=300)
    return loss_comparison_experiment.run(params, quiet)


@pytest.fixture(scope="module")
def batch_size_result() -> Result:
    return batch_size_experiment.run(BATCH_SIZE_PARAMS, quiet)


@pytest.fixture(scope="module")
def normalization_result() -> Result:
    return normalization_experiment.run(NORMALIZATION_PARAMS, quiet)


@pytest.fixture(scope="module")
def minimum_ratio_result() -> Result:
    return minimum_ratio_experiment.run(MINIMUM_RATIO_PARAMS, quiet)


@pytest.fixture(params=["engine", "api"])
def form(request: pytest.FixtureRequest) -> Any:
    """A result as ``run`` returns it, and as an API job's JSON carries it."""
    return (lambda result: result) if request.param == "engine" else as_api_sends_it


def test_the_landscape_draws_the_slice_and_the_path(landscape_result: Result, form: Any) -> None:
    result = form(landscape_result)
    fig = figures.landscape(result=result)
    contour = one(fig, "training loss")
    z = np.asarray(landscape_result["z"])
    assert np.all(z > 0)  # so the heights are log₁₀ of the losses
    np.testing.assert_allclose(contour.z, np.log10(z), rtol=1e-12)
    assert_array_equal(contour.x, landscape_result["x"])
    path = one(fig, "training path")
    assert_array_equal(np.column_stack([path.x, path.y]), landscape_result["path"])
    epochs = landscape_result["path_epochs"]
    assert list(path.customdata) == epochs
    assert path.text[0] == f"epoch {epochs[0]}" and path.text[-1] == f"epoch {epochs[-1]}"
    ratio = landscape_result["explained_variance_ratio"]
    assert f"{100 * ratio[0]:.1f}%" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "PCA direction 1"

    three_d = figures.landscape(result=result, view="surface3d")
    surface = next(t for t in three_d.data if t.type == "surface")
    np.testing.assert_allclose(surface.z, np.log10(z), rtol=1e-12)
    lifted = one(three_d, "training path")
    heights = np.log10(z)
    lift = 0.01 * (heights.max() - heights.min())
    x, y = np.asarray(landscape_result["x"]), np.asarray(landscape_result["y"])
    expected = [
        landscape_figure.sample_grid(x, y, heights, px, py) + lift
        for px, py in landscape_result["path"]
    ]
    np.testing.assert_allclose(lifted.z, expected)


def test_bilinear_sampling_hits_the_nodes_and_averages_between_them() -> None:
    x, y = np.array([0.0, 1.0, 3.0]), np.array([-1.0, 1.0])
    z = np.array([[1.0, 2.0, 4.0], [3.0, 6.0, 0.0]])
    for j, yj in enumerate(y):
        for i, xi in enumerate(x):
            assert landscape_figure.sample_grid(x, y, z, xi, yj) == z[j, i]
    assert landscape_figure.sample_grid(x, y, z, 0.5, 0.0) == pytest.approx((1 + 2 + 3 + 6) / 4)
    assert landscape_figure.sample_grid(x, y, z, 2.0, -1.0) == pytest.approx(3.0)


def test_the_hessian_draws_density_top_eigenvalues_and_spectrum(
    hessian_result: Result, form: Any
) -> None:
    fig = figures.hessian_spectrum(result=form(hessian_result))
    density = one(fig, "density")
    y = np.asarray(hessian_result["density"]["y"])
    floor = 1e-6 * y.max()
    assert_array_equal(density.x, hessian_result["density"]["x"])
    assert_array_equal(density.y, np.maximum(y, floor))
    top = one(fig, "top eigenvalues (Lanczos)")
    assert_array_equal(top.x, hessian_result["top_eigenvalues"])
    assert np.all(np.asarray(top.y) == floor)
    histogram = one(fig, "eigenvalues")
    assert_array_equal(histogram.x, hessian_result["spectrum"])
    assert f"{hessian_result['parameters']} parameters" in fig.layout.title.text


def test_the_loss_comparison_draws_both_surfaces_runs_and_curves(
    loss_comparison_result: Result, form: Any
) -> None:
    fig = loss_comparison_figure.figure(form(loss_comparison_result))
    contours = [t for t in fig.data if t.type == "contour"]
    paths = [t for t in fig.data if t.name == "path"]
    for key, contour, path in zip(["cross_entropy", "mse"], contours, paths, strict=True):
        part = loss_comparison_result["losses"][key]
        assert_array_equal(contour.z, part["grid"]["z"])
        assert_array_equal(np.column_stack([path.x, path.y]), part["run"]["points"])
    for key, title in [("cross_entropy", "Cross-entropy"), ("mse", "MSE")]:
        assert_array_equal(one(fig, title).y, loss_comparison_result["losses"][key]["run"]["loss"])
    assert len(contours) == 2 and len(paths) == 2


def test_batch_size_draws_every_measurement(batch_size_result: Result, form: Any) -> None:
    fig = batch_size_figure.figure(form(batch_size_result))
    runs = batch_size_result["runs"]
    sizes = [r["batch_size"] for r in runs]
    for name, key in [
        ("time per update", "seconds_per_update"),
        ("time per epoch", "seconds_per_epoch"),
        ("train accuracy", "train_accuracy"),
        ("test accuracy", "test_accuracy"),
        ("sharpness λ_max", "sharpness"),
        ("gradient noise", "gradient_noise"),
    ]:
        trace = one(fig, name)
        assert list(trace.x) == sizes
        assert_array_equal(trace.y, [r[key] for r in runs])
    for run in runs:
        assert_array_equal(one(fig, f"batch {run['batch_size']}").y, run["history"]["train_loss"])
    interpolation = batch_size_result["interpolation"]
    assert_array_equal(one(fig, "train loss").y, interpolation["train"])
    assert_array_equal(one(fig, "test loss").x, interpolation["x"])
    for part in batch_size_result["slices"]:
        assert_array_equal(one(fig, f"batch {part['batch_size']} test").y, part["test"])


def test_normalization_draws_both_linear_cases_and_the_networks(
    normalization_result: Result, form: Any
) -> None:
    result = form(normalization_result)
    fig = normalization_figure.figure(result)
    cases = normalization_result["linear"]["cases"]
    contours = [t for t in fig.data if t.type == "contour"]
    paths = [t for t in fig.data if t.name == "path"]
    for case, contour, path in zip(cases, contours[: len(cases)], paths, strict=True):
        assert_array_equal(contour.z, case["surface"]["z"])
        assert_array_equal(np.column_stack([path.x, path.y]), case["path"])
    minima = by_name(fig, "minimum")
    assert [(m.x[0], m.y[0]) for m in minima] == [tuple(c["minimum"]) for c in cases]
    slices = normalization_result["batch_norm"]["slices"]
    for part, contour in zip(slices, contours[len(cases) :], strict=True):
        assert_array_equal(contour.z, part["z"])  # non-finite values would be NaN gaps
    runs = normalization_result["batch_norm"]["runs"]
    for run in runs:
        with_bn = "with batch norm" if run["batch_norm"] else "without batch norm"
        name = f"η = {number(run['learning_rate'])} {with_bn}"
        trace = one(fig, name)
        assert_array_equal(trace.y, np.asarray(run["history"]["train_loss"], dtype=float))
        assert trace.line.dash == ("solid" if run["batch_norm"] else "dash")


def test_minimum_ratio_plots_each_network(minimum_ratio_result: Result, form: Any) -> None:
    fig = figures.minimum_ratio(result=form(minimum_ratio_result))
    networks = minimum_ratio_result["networks"]
    for converged, name in [(True, "converged (‖∇L‖ small)"), (False, "not converged")]:
        chosen = [n for n in networks if n["converged"] == converged]
        trace = one(fig, name)
        assert list(trace.x) == [n["train_loss"] for n in chosen]
        assert list(trace.y) == [n["minimum_ratio"] for n in chosen]
    assert f"{minimum_ratio_result['summary']['networks']} networks" in fig.layout.title.text
    assert tuple(fig.layout.yaxis.range) == (0, 1.05)


# --------------------------------------------------------------------------- keyword arguments


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Each experiment's ``run`` records the params it is given and returns a stand-in."""
    seen: list[Any] = []
    modules = [
        landscape_experiment,
        hessian_experiment,
        loss_comparison_experiment,
        batch_size_experiment,
        normalization_experiment,
        minimum_ratio_experiment,
    ]
    for module in modules:
        monkeypatch.setattr(module, "run", lambda params, progress: seen.append(params) or {})
    for module in [
        landscape_figure,
        hessian_figure,
        loss_comparison_figure,
        batch_size_figure,
        normalization_figure,
        minimum_ratio_figure,
    ]:
        monkeypatch.setattr(module, "figure", lambda result, *args: go.Figure())
    yield seen


def test_keyword_arguments_become_the_experiments_params(captured: list[Any]) -> None:
    figures.landscape(setup={"widths": [8, 8], "epochs": 4}, directions="random", resolution=11)
    figures.hessian_spectrum(top_k=2, iterations=20)
    figures.loss_comparison(start=[-6, 6], steps=50)
    figures.batch_size(setup={"epochs": 5}, batch_sizes=[2, 0])
    figures.normalization(setup={"n_samples": 100}, learning_rates=[0.1, 1.0])
    figures.minimum_ratio(setup={"n_samples": 50}, widths=[[3], [2, 2]], seeds=2)
    landscape, hessian, comparison, batch, normalization, ratio = captured
    assert landscape == landscape_experiment.LandscapeParams(
        setup=NetworkSetup(widths=(8, 8), epochs=4), directions="random", resolution=11
    )
    assert hessian == hessian_experiment.HessianParams(top_k=2, iterations=20)
    assert comparison == loss_comparison_experiment.LossComparisonParams(start=(-6, 6), steps=50)
    # A dict changes the experiment's own default setup, not NetworkSetup()'s.
    assert batch == replace(
        batch_size_experiment.BatchSizeParams(),
        setup=replace(batch_size_experiment.DEFAULT_SETUP, epochs=5),
        batch_sizes=(2, 0),
    )
    assert normalization.setup == replace(
        normalization_experiment.NormalizationParams().setup, n_samples=100
    )
    assert normalization.learning_rates == (0.1, 1.0)
    default_ratio = minimum_ratio_experiment.MinimumRatioParams()
    assert ratio == replace(
        default_ratio,
        setup=replace(default_ratio.setup, n_samples=50),
        widths=((3,), (2, 2)),
        seeds=2,
    )


def test_figures_need_no_web_framework() -> None:
    code = (
        "import sys, descentlab.figures; print(sorted({'fastapi', 'starlette'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the docs


def notebook_examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", NOTEBOOKS.read_text(), flags=re.DOTALL)


def test_the_notebook_guide_has_an_example_of_every_figure() -> None:
    text = "\n".join(notebook_examples())
    for name in figures.__all__:
        assert f"figures.{name}(" in text, name


@pytest.mark.parametrize("index", range(len(notebook_examples())))
def test_every_notebook_example_runs_and_shows_a_figure(
    index: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shown: list[go.Figure] = []
    monkeypatch.setattr(go.Figure, "show", lambda self, *args, **kwargs: shown.append(self))
    monkeypatch.chdir(tmp_path)  # examples may write files
    exec(compile(notebook_examples()[index], f"NOTEBOOKS.md example {index + 1}", "exec"), {})
    assert shown, "an example should end by showing its figure"
    assert all(len(fig.data) > 0 for fig in shown)


def test_the_race_is_drawn_as_the_lab_draws_its_map() -> None:
    """Equal scales (angles are true), a halo under every path in the colour that makes it
    stand out, dotted translucent arrows, and the legend saying their length means nothing."""
    from descentlab.figures import style

    fig = figures.race(steps=20, resolution=17)
    assert (fig.layout.yaxis.scaleanchor, fig.layout.yaxis.scaleratio) == ("x", 1)
    scatters = [t for t in fig.data if t.type == "scatter"]
    for path in [t for t in scatters if t.mode == "lines" and t.showlegend is not False]:
        (halo,) = [t for t in fig.data if t.name == f"{path.name} outline"]
        assert halo.line.color == style.halo_for(path.line.color)
        assert halo.line.width > path.line.width
    arrows = [t for t in fig.data if t.name and t.name.endswith("−∇f")]
    assert arrows and all(a.line.dash == "dot" and a.opacity == 0.75 for a in arrows)
    assert any(t.name == style.ARROWS_NOTE for t in fig.data)
    assert style.halo_for("#F0E442") == style.DARK_HALO  # yellow needs the dark outline
    assert style.halo_for("#0072B2") == style.LIGHT_HALO


def test_the_hyperparameter_map_draws_polyaks_region_with_the_runs_values_ringed() -> None:
    figure = figures.hyperparameter_map_figure(
        "elongated_quadratic",
        {"optimizer": "momentum", "learning_rate": 0.01, "momentum": 0.5},
        {"param": "learning_rate", "min": 1e-3, "max": 1.0, "count": 15, "scale": "log"},
        {"param": "momentum", "min": 0.0, "max": 0.9, "count": 4},
        params={"condition": 10.0},
        steps=300,
    )
    values, diverged, ring = figure.data
    np.testing.assert_allclose(values.x, np.linspace(-3.0, 0.0, 15))  # log₁₀ units
    assert list(figure.layout.xaxis.tickvals) == [-3, -2, -1, 0]
    rates, momenta = 10.0 ** np.asarray(values.x), np.asarray(values.y)
    # Diverged exactly where η·2κ ≥ 2(1 + μ) (no cell of this grid lies on the boundary).
    expected = rates[None, :] * 20.0 >= 2.0 * (1.0 + momenta[:, None])
    assert_array_equal(np.array(diverged.z, dtype=float) == 1.0, expected)
    assert all(v is None for v in np.asarray(values.z)[expected])
    assert (ring.x[0], ring.y[0]) == pytest.approx((-2.0, 0.5))
    assert diverged.colorscale[0][1] == "#7f7f7f"


def test_a_map_axis_must_be_the_optimizers_own() -> None:
    with pytest.raises(ValueError, match="no hyperparameter 'b2'"):
        figures.compute_map(
            "rosenbrock",
            {"optimizer": "momentum"},
            {"param": "learning_rate", "min": 1e-3, "max": 1.0, "scale": "log"},
            {"param": "b2", "min": 0.0, "max": 0.9},
        )


def test_the_eigen_parts_figure_adds_up_to_each_runs_loss() -> None:
    runs = [{"optimizer": "sgd", "learning_rate": 0.05}]
    figure = figures.eigen_components("booth", runs, start=(-8.0, 6.0), steps=30)
    along, across = figure.data
    (race,) = figures.compute_race("booth", runs, start=(-8.0, 6.0), steps=30).results
    np.testing.assert_allclose(np.asarray(along.y) + np.asarray(across.y), race.loss, rtol=1e-12)
    assert (along.line.dash, across.line.dash) == ("solid", "dash")
    assert "λ = 2" in along.name and "λ = 18" in across.name
    with pytest.raises(ValueError, match="not a quadratic surface"):
        figures.eigen_components("rosenbrock", runs)


def test_the_race_draws_sigma_as_a_box_with_the_ratio_of_the_step_scales() -> None:
    runs = [{"optimizer": "adagrad", "learning_rate": 0.5}, {"optimizer": "sgd"}]
    figure = figures.race("elongated_quadratic", runs, start=(-9.0, 1.5), steps=20, step=5)
    (box,) = figure.layout.shapes  # SGD has no σ
    (adagrad, _) = figures.compute_race(
        "elongated_quadratic", runs, start=(-9.0, 1.5), steps=20
    ).results
    sigma = adagrad.state["sigma"][4]  # after update 5, at step 5
    width, height = box.x1 - box.x0, box.y1 - box.y0
    assert width / height == pytest.approx(sigma[1] / sigma[0], rel=1e-9)  # η/σ_x : η/σ_y
    assert max(width, height) == pytest.approx(0.3 * 4.0)  # of the view's shorter side (y: 4)
    assert (box.x0 + box.x1) / 2 == pytest.approx(adagrad.points[5][0])
    assert any(t.name == style.SIGMA_NOTE for t in figure.data)


def test_step_parts_take_an_update_apart_at_true_scale() -> None:
    runs = [
        {"optimizer": "momentum", "learning_rate": 0.015, "momentum": 0.9},
        {"optimizer": "adamw", "learning_rate": 0.1, "weight_decay": 0.5},
        {"optimizer": "rmsprop", "learning_rate": 0.01},
    ]
    heavy, adamw, rms = figures.compute_race(
        "elongated_quadratic", runs, start=(-9.0, 1.5), steps=20
    ).results
    parts = figures.step_parts(heavy, 5)
    assert [label for _, label, _ in parts.parts] == ["−η∇f", "−η·m"]
    np.testing.assert_allclose(parts.parts[0][2], -0.015 * heavy.gradient[5])
    np.testing.assert_allclose(parts.step, heavy.points[6] - heavy.points[5])
    assert parts.other is None  # heavy ball's step is −η·m exactly
    # AdamW's decoupled weight decay is not in θ − (η/σ)·m̂: the rest is −η·λ·θ.
    decayed = figures.step_parts(adamw, 5)
    assert decayed.parts[-1][1] == "−(η/σ)·m"
    np.testing.assert_allclose(decayed.other, -0.1 * 0.5 * adamw.points[5], rtol=1e-6)
    # RMSProp: σ divides ∇f (the catalogue says so), and that is its whole step.
    scaled = figures.step_parts(rms, 5, "gradient")
    assert [label for _, label, _ in scaled.parts] == ["−η∇f", "−(η/σ)·∇f"]
    assert scaled.other is None
    figure = figures.step_anatomy("elongated_quadratic", runs[0], step=5, start=(-9.0, 1.5))
    texts = [a.text for a in figure.layout.annotations]
    assert texts == ["−η∇f", "−η·m = step"]
    with pytest.raises(ValueError, match="no update 20"):
        figures.step_parts(heavy, 20)
