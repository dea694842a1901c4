"""The Python side of the Python/JS parity cases (tests/parity/cases.json); the JavaScript
side is tests/js/parity.test.mjs, on the same file."""

import json
from pathlib import Path

from descentlab.core.hyperparameter_maps import map_steps
from descentlab.core.trajectory import run_labels
from descentlab.figures import style

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
