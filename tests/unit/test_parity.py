"""The Python side of the Python/JS parity cases (tests/parity/cases.json); the JavaScript
side is tests/js/parity.test.mjs, on the same file."""

import json
from pathlib import Path
from typing import Any

import numpy as np

from descentlab.core.hyperparameter_maps import map_steps
from descentlab.core.trajectory import RunResult, run_labels
from descentlab.figures import style
from descentlab.figures.races import sigma_box_halves, step_parts

CASES = json.loads((Path(__file__).parents[1] / "parity" / "cases.json").read_text())


def test_run_labels_are_the_labs() -> None:
    assert len(CASES["run_labels"]) >= 5
    for case in CASES["run_labels"]:
        assert run_labels(case["runs"]) == case["labels"], case["runs"]


def test_the_figures_draw_with_the_labs_colours() -> None:
    want = CASES["style"]
    assert list(style.PALETTE) == want["palette"]
    assert [list(stop) for stop in style.MAP_COLORSCALE] == want["map_colorscale"]
    assert (want["dark_halo"], want["light_halo"]) == (style.DARK_HALO, style.LIGHT_HALO)
    assert want["warning"] == style.WARNING
    assert want["landscape_colorscale"] == style.LANDSCAPE_COLORSCALE
    assert want["step_part_colours"] == style.STEP_PART_COLOURS
    assert (want["sigma_box_fraction"], want["sigma_note"]) == (
        style.SIGMA_BOX_FRACTION,
        style.SIGMA_NOTE,
    )
    assert (want["diverged"], want["hyper_map_colorscale"], want["hyper_map_log_decades"]) == (
        style.DIVERGED,
        style.HYPER_MAP_COLORSCALE,
        style.HYPER_MAP_LOG_DECADES,
    )


def test_a_map_runs_as_many_steps_as_the_labs() -> None:
    assert len(CASES["map_steps"]) >= 5
    for case in CASES["map_steps"]:
        assert map_steps(case["steps"], case["cells"]) == case["map_steps"], case


def _run(raw: dict[str, Any]) -> RunResult:
    """A run as the engine reports it, from a case's JSON (its loss unused here)."""
    points = np.asarray(raw["points"], dtype=np.float64)
    return RunResult(
        points=points,
        loss=np.zeros(len(points)),
        gradient=np.asarray(raw["gradient"], dtype=np.float64),
        grad_norm=np.zeros(len(points)),
        learning_rate=np.asarray(raw["learning_rate"], dtype=np.float64),
        state={k: np.asarray(v, dtype=np.float64) for k, v in raw["state"].items()},
        diverged_at=None,
    )


def test_an_update_is_taken_apart_as_the_lab_does() -> None:
    assert len(CASES["step_parts"]) >= 4
    for case in CASES["step_parts"]:
        parts = step_parts(_run(case["run"]), case["k"], case["sigma_divides"])
        assert [label for _, label, _ in parts.parts] == case["labels"]
        np.testing.assert_allclose([v for _, _, v in parts.parts], case["vectors"], atol=1e-12)
        if case["other"] is None:
            assert parts.other is None
        else:
            np.testing.assert_allclose(parts.other, case["other"], atol=1e-12)


def test_the_sigma_box_is_the_labs() -> None:
    assert len(CASES["sigma_box"]) >= 3
    for case in CASES["sigma_box"]:
        halves = sigma_box_halves(_run(case["run"]), case["k"], case["span"])
        if case["halves"] is None:
            assert halves is None
        else:
            np.testing.assert_allclose(halves, case["halves"], rtol=1e-12)
