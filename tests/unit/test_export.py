"""``descentlab export``: one self-contained HTML file per lesson, and a folder of them all.

The pages are checked as files here: plotly.js inlined once, no resource from the network,
the inlined data equal to what the engine computes for the lesson on its own, the modules
the page runs, the CLI's files, index and errors. tests/browser/test_export.py opens them.
"""

import base64
import html
import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from descentlab import cli
from descentlab.api.settings import get_settings
from descentlab.assets import PLOTLY_JS, require_frontend
from descentlab.core.experiments import loss_comparison
from descentlab.core.grid import evaluate_grid
from descentlab.core.trajectory import run_labels
from descentlab.export import ModuleError, TemplateError, UnknownLessonError, lessons
from descentlab.export.data import ESCAPE_FRACTION
from descentlab.export.modules import SPECIFIER_PREFIX, bundle
from descentlab.export.page import fill, page_data
from descentlab.lessons import LESSONS, get_lesson
from descentlab.lessons.engine import objective_of, run_scenario

FRONTEND = require_frontend(get_settings().frontend_dir)
SURFACE_LESSON = "w1w2-saddle"  # the inspector is open at a saddle: analyses are inlined too
NETWORK_LESSON = "loss-comparison"  # the quickest experiment
LAB_URL = "https://lab.example.edu"

# Where a page could name a resource: attributes, CSS, module imports, requests.
RESOURCE = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?"""
    r"""|\burl\(\s*["']?|\bimport\s*\(?\s*["']|\bfrom\s*["']|\bfetch\(\s*["'`]|@import\s*["'])"""
    r"""\s*(https?:)?//""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def plotly_js() -> str:
    return PLOTLY_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def surface_page() -> str:
    return lessons.lesson_html(SURFACE_LESSON)


@pytest.fixture(scope="module")
def network_page() -> str:
    return lessons.lesson_html(NETWORK_LESSON, lab_url=LAB_URL)


def inlined_modules(page: str) -> dict[str, str]:
    """Each module of the page's import map, decoded: specifier → source."""
    (text,) = re.findall(r'<script type="importmap">(.*?)</script>', page, re.DOTALL)
    prefix = "data:text/javascript;base64,"
    imports: dict[str, str] = json.loads(text)["imports"]
    assert all(url.startswith(prefix) for url in imports.values())
    return {name: base64.b64decode(url[len(prefix) :]).decode() for name, url in imports.items()}


def outside_plotly(page: str, plotly_js: str) -> str:
    """The page without its copy of plotly.js, with its modules decoded and appended."""
    assert page.count(plotly_js) == 1
    rest = page.replace(plotly_js, "")
    return rest + "\n".join(inlined_modules(page).values())


# --- the file -------------------------------------------------------------------------------


@pytest.mark.parametrize("page_name", ["surface_page", "network_page"])
def test_plotly_js_is_inlined_exactly_once_and_nothing_is_loaded_by_src(
    page_name: str, plotly_js: str, request: pytest.FixtureRequest
) -> None:
    page: str = request.getfixturevalue(page_name)
    assert page.count(plotly_js) == 1
    assert page.count("plotly.js v") == plotly_js.count("plotly.js v")
    assert not re.search(r"<script[^>]*\ssrc=", page)
    assert not re.search(r"<link[^>]*rel=[\"']?stylesheet", page)
    assert page.count('<script type="importmap">') == 1


def test_no_resource_url_leaves_the_file(surface_page: str, plotly_js: str) -> None:
    text = outside_plotly(surface_page, plotly_js)
    assert RESOURCE.findall(text) == []
    assert "http://" not in text and "https://" not in text
    # The scan itself finds what it is for.
    assert RESOURCE.search('<script src="https://cdn.example/plotly.js">')
    assert RESOURCE.search('import { x } from "https://esm.example/x.js";')
    assert RESOURCE.search("fetch('//api.example/x')")
    assert RESOURCE.search("background: url(http://img.example/a.png)")


def test_the_only_outside_url_with_a_lab_url_is_the_link_back(
    network_page: str, plotly_js: str
) -> None:
    text = outside_plotly(network_page, plotly_js)
    link = f'<a id="open-live-lab" href="{LAB_URL}/networks.html?lesson={NETWORK_LESSON}">'
    assert text.count(link) == 1
    # The note's link, and the same URL in the page's data (the "labLink" its scripts read).
    url = f"{LAB_URL}/networks.html?lesson={NETWORK_LESSON}"
    assert re.findall(r"https?://[^\"'\s<>]+", text) == [url, url]
    assert f'"labLink":"{url}"' in text


def test_the_explanation_and_the_offline_note_are_in_the_html(surface_page: str) -> None:
    lesson = get_lesson(SURFACE_LESSON)
    # Plain HTML, readable before (or without) the scripts.
    assert f'<p class="lesson-explanation">{html.escape(lesson.explanation)}</p>' in surface_page
    assert '<p id="offline-note" class="offline-note">' in surface_page
    assert "open it in the live Descent Lab" in surface_page  # no lab URL given: no link
    assert 'id="open-live-lab"' not in surface_page
    assert '<fieldset id="settings" class="settings" disabled>' in surface_page


# --- the data -------------------------------------------------------------------------------


def test_the_inlined_race_is_the_engines_race(surface_page: str) -> None:
    lesson = get_lesson(SURFACE_LESSON)
    data = page_data(surface_page)
    assert data["kind"] == "surface"
    assert data["lesson"]["id"] == lesson.id
    assert data["state"] == lesson.to_json()["scenario"]["state"]
    expected = run_scenario(lesson.scenario)  # type: ignore[arg-type]
    runs = data["trajectories"]["runs"]
    assert [run["label"] for run in runs] == [run.label for run in lesson.scenario.runs]  # type: ignore[union-attr]
    assert len(runs) == len(expected)
    for run, result in zip(runs, expected, strict=True):
        np.testing.assert_array_equal(np.asarray(run["points"]), result.points)
        np.testing.assert_array_equal(np.asarray(run["loss"]), result.loss)
        np.testing.assert_array_equal(np.asarray(run["grad_norm"]), result.grad_norm)
        np.testing.assert_array_equal(np.asarray(run["learning_rate"]), result.learning_rate)
        assert run["diverged_at"] == result.diverged_at
    # The noisy run left the saddle and the plain one did not: the lesson's point is there.
    assert runs[0]["points"][-1] == [0.0, 0.0]
    assert abs(runs[1]["points"][-1][0] * runs[1]["points"][-1][1] - 1) < 1e-2


def test_the_inlined_grid_and_analyses_are_the_engines(surface_page: str) -> None:
    lesson = get_lesson(SURFACE_LESSON)
    data = page_data(surface_page)
    grid = evaluate_grid(objective_of(lesson.scenario), 128)  # type: ignore[arg-type]
    np.testing.assert_array_equal(np.asarray(data["grid"]["x"]), grid.x)
    np.testing.assert_array_equal(np.asarray(data["grid"]["z"]), grid.z)
    assert data["surface"]["id"] == "w1w2_saddle"
    inspected, escaped = data["analyses"]
    assert inspected["point"] == [0.0, 0.0]
    assert inspected["kind"] == "saddle"
    np.testing.assert_allclose(sorted(inspected["eigenvalues"]), [-2.0, 2.0])
    # One escape step of 0.1 × the domain's width (4) along ±(1, 1)/√2, as the inspector takes it.
    u = np.asarray(inspected["escape_direction"])
    np.testing.assert_allclose(np.abs(u), [2**-0.5, 2**-0.5])
    np.testing.assert_allclose(escaped["point"], ESCAPE_FRACTION * 4.0 * u, rtol=1e-15)
    assert escaped["value"] < inspected["value"]


def test_a_network_page_inlines_the_experiments_result(network_page: str) -> None:
    lesson = get_lesson(NETWORK_LESSON)
    data = page_data(network_page)
    assert data["kind"] == "network"
    assert data["experiment"] == lesson.to_json()["scenario"]["experiment"]
    params = loss_comparison.LossComparisonParams(**data["experiment"]["params"])
    expected = loss_comparison.run(params, lambda *_: None)
    for loss in ("cross_entropy", "mse"):
        run = data["result"]["losses"][loss]["run"]
        np.testing.assert_array_equal(
            np.asarray(run["loss"]), expected["losses"][loss]["run"]["loss"]
        )
    assert data["result"]["params"] == json.loads(json.dumps(asdict(params)))
    assert data["labLink"] == f"{LAB_URL}/networks.html?lesson={NETWORK_LESSON}"


# --- the modules ------------------------------------------------------------------------------


def test_each_page_runs_the_labs_own_modules_and_no_network_code(
    surface_page: str, network_page: str
) -> None:
    surface = inlined_modules(surface_page)
    for module in ("plots/map.js", "plots/charts.js", "panels/playback.js", "panels/runs.js"):
        assert SPECIFIER_PREFIX + module in surface
    network = inlined_modules(network_page)
    assert SPECIFIER_PREFIX + "networks/experiments/loss_comparison.js" in network
    for modules in (surface, network):
        assert SPECIFIER_PREFIX + "api.js" not in modules
        for source in modules.values():
            assert "fetch(" not in source
            # Every import names an included module by its bare specifier.
            for target in re.findall(r'from "([^"]+)"', source):
                assert target in modules


def _write_modules(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_bundle_follows_imports_and_rewrites_them_to_bare_specifiers(tmp_path: Path) -> None:
    root = _write_modules(
        tmp_path,
        {
            "pages/entry.js": 'import { b } from "../lib/b.js";\nimport * as c from "./c.js";\n'
            "export const both = [b, c.c];\n",
            "lib/b.js": 'export { c as b } from "../pages/c.js";\n',
            "pages/c.js": '// a comment may say fetch("x") or import("y")\nexport const c = 1;\n',
            "unused.js": "export const never = 0;\n",
        },
    )
    found = bundle(root, "pages/entry.js")
    assert found.entry == "descentlab/pages/entry.js"
    assert found.modules == ["pages/entry.js", "lib/b.js", "pages/c.js"]
    prefix = "data:text/javascript;base64,"
    source = {
        k: base64.b64decode(v.removeprefix(prefix)).decode() for k, v in found.imports.items()
    }
    assert source["descentlab/pages/entry.js"].startswith(
        'import { b } from "descentlab/lib/b.js";\nimport * as c from "descentlab/pages/c.js";'
    )
    assert source["descentlab/lib/b.js"] == 'export { c as b } from "descentlab/pages/c.js";\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('import x from "https://cdn.example/x.js";\n', "only relative imports"),
        ('import x from "lodash";\n', "only relative imports"),
        ('import x from "../../outside.js";\n', "outside frontend/js"),
        ('import x from "./missing.js";\n', "module missing.js not found"),
        ('export const load = () => import("./other.js");\n', "a dynamic import()"),
        ("export const get = () => fetch('/api/grid');\n", "fetch(: a network request"),
        ("export const s = new EventSource('/x');\n", "EventSource"),
        ("export const here = import.meta.url;\n", "import.meta"),
    ],
)
def test_a_module_the_page_could_not_run_offline_fails_the_export(
    tmp_path: Path, text: str, message: str
) -> None:
    root = _write_modules(tmp_path / "js", {"entry.js": text})
    with pytest.raises(ModuleError, match=re.escape(message)):
        bundle(root, "entry.js")


def test_a_template_must_have_each_slot_once(tmp_path: Path) -> None:
    template = tmp_path / "t.html"
    template.write_text("<p><!-- descentlab:a --></p><p><!-- descentlab:b --></p>")
    assert fill(template, {"a": "1", "b": "<!-- descentlab:a -->"}) == (
        "<p>1</p><p><!-- descentlab:a --></p>"  # inlined text is not scanned for slots again
    )
    with pytest.raises(TemplateError, match="exactly once"):
        fill(template, {"a": "1"})
    template.write_text("<!-- descentlab:a --><!-- descentlab:a --><!-- descentlab:b -->")
    with pytest.raises(TemplateError, match="exactly once"):
        fill(template, {"a": "1", "b": "2"})


def test_run_labels_are_the_labs() -> None:
    """The cases of tests/js/requests.test.mjs for runLabels."""
    runs: list[dict[str, Any]] = [
        {"optimizer": o} for o in ["sgd", "adam", "sgd", "adam", "sgd", "rmsprop"]
    ]
    assert run_labels(runs) == ["sgd", "adam", "sgd 2", "adam 2", "sgd 3", "rmsprop"]
    custom = [{"optimizer": "adam", "label": "fast"}, {"optimizer": "adam"}, {"optimizer": "adam"}]
    assert run_labels(custom) == ["fast", "adam", "adam 2"]
    assert run_labels([{"optimizer": "adam", "label": "adam 2"}, {"optimizer": "adam"}]) == [
        "adam 2",
        "adam",
    ]


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def cheap_lessons(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Lesson data stubbed out (the pages' own data are tested above): the ids computed."""
    computed: list[str] = []

    def stub(lesson: Any) -> dict[str, Any]:
        computed.append(lesson.id)
        return {"stub": lesson.id}

    monkeypatch.setattr(lessons, "lesson_data", stub)
    yield computed


def test_export_all_writes_every_lesson_and_an_index_in_curriculum_order(
    tmp_path: Path, cheap_lessons: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    assert cli.main(["export", "--all", "--out", str(out), "--lab-url", LAB_URL]) == 0
    ids = [lesson.id for lesson in LESSONS]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*(f"{i}.html" for i in ids), "index.html"]
    )
    # Feature scaling and batch norm open the same experiment: computed once for both.
    assert cheap_lessons == [i for i in ids if i != "batch-norm"]
    assert page_data((out / "batch-norm.html").read_text())["stub"] == "feature-scaling"
    index = (out / "index.html").read_text()
    ordered = sorted(LESSONS, key=lambda lesson: (lesson.section_number, lesson.position))
    assert re.findall(r'href="([a-z0-9-]+)\.html"', index) == [lesson.id for lesson in ordered]
    titles = re.findall(r'<h3 id="section-\d">(\d)\. ([^<]+)</h3>', index)
    expected = {(str(x.section_number), x.summary_json()["section_title"]) for x in LESSONS}
    assert [t[0] for t in titles] == sorted({t[0] for t in titles}) and set(titles) == expected
    assert f'<a href="{LAB_URL}">' in index
    assert "<script" not in index  # the index is plain HTML
    assert capsys.readouterr().out.count("wrote ") == len(LESSONS) + 1


def test_export_one_lesson(tmp_path: Path, cheap_lessons: list[str]) -> None:
    out = tmp_path / "deep" / "warmup.html"
    assert cli.main(["export", "warmup", "--out", str(out)]) == 0
    assert cheap_lessons == ["warmup"]
    assert page_data(out.read_text())["lesson"]["title"] == get_lesson("warmup").title


def test_an_unknown_lesson_fails_clearly_and_writes_nothing(
    tmp_path: Path, cheap_lessons: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nope.html"
    assert cli.main(["export", "no-such-lesson", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "no lesson 'no-such-lesson'" in error
    assert "momentum-saddle" in error  # it lists the lessons there are
    assert not out.exists() and cheap_lessons == []
    with pytest.raises(UnknownLessonError):
        lessons.lesson_html("no-such-lesson")


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--out", "x.html"],  # neither an id nor --all
        ["export", "warmup", "--all", "--out", "x"],  # both
        ["export", "warmup"],  # no --out
        ["export", "warmup", "--out", "x.html", "--lab-url", "javascript:alert(1)"],
    ],
)
def test_export_usage_errors_exit_non_zero(argv: list[str], cheap_lessons: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert cheap_lessons == []
