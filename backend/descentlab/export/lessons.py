"""Lessons (and free-play scenarios) as standalone pages, and a folder of every lesson.

``lesson_html(lesson)`` is one lesson's page; ``write_all(out_dir)`` writes every lesson
as ``ID.html`` and an ``index.html`` that links them in curriculum order, under the section
titles ``GET /api/lessons`` gives. ``scenario_html(state)`` is the 2-D lab's current
scenario (no lesson text). A ``lab_url`` ("https://lab.example.edu") makes each page's
"open it in the live lab" a link to the same lesson there.
"""

import html
from collections.abc import Callable, Mapping, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

import orjson

from descentlab.api.settings import get_settings
from descentlab.assets import require_frontend
from descentlab.core.experiments.live import LiveSegment
from descentlab.core.experiments.train import NetworkSetup
from descentlab.export import data
from descentlab.export.page import Document, fill, render, styles
from descentlab.lessons import LESSONS, Lesson, NetworkScenario, get_lesson
from descentlab.lessons.format import setup_fields

Json = dict[str, Any]
INDEX_TEMPLATE = "export/index.html"
INDEX_STYLES = ("css/lab.css", "css/lessons.css", "css/export.css")
SCENARIO_TITLE = "A Descent Lab scenario"
LIVE_RUN_TITLE = "A network trained live in Descent Lab"


class UnknownLessonError(KeyError):
    """No lesson has this id."""

    def __str__(self) -> str:
        known = ", ".join(lesson.id for lesson in LESSONS)
        return f"no lesson {self.args[0]!r}; the lessons are: {known}"


def frontend_dir() -> Path:
    """The front end the pages are built from (the server's: ``DESCENTLAB_FRONTEND_DIR`` or
    the package's own)."""
    return require_frontend(get_settings().frontend_dir)


def find_lesson(lesson_id: str) -> Lesson:
    try:
        return get_lesson(lesson_id)
    except KeyError:
        raise UnknownLessonError(lesson_id) from None


def lesson_link(lesson: Lesson, lab_url: str | None) -> str | None:
    return f"{lab_url.rstrip('/')}{lesson.url}" if lab_url else None


def lesson_data(lesson: Lesson) -> Json:
    """What the lesson's page shows, computed now (a network lesson runs its experiment)."""
    scenario = lesson.scenario.to_json()
    if isinstance(lesson.scenario, NetworkScenario):
        # Every setting, defaults filled in: the page shows them with no API to ask.
        request = data.experiment_request(scenario["experiment"])
        experiment = {"kind": request.kind, "params": request.params.model_dump(mode="json")}
        return data.network_page_data(experiment, data.network_result(experiment))
    return data.surface_data(scenario["state"])


def lesson_document(lesson: Lesson, page_data: Json, lab_url: str | None = None) -> Document:
    """The lesson's page, given what ``lesson_data`` computed for it."""
    published = lesson.to_json()
    return Document(
        kind=lesson.scenario.kind,  # type: ignore[arg-type]
        title=f"{lesson.section} {lesson.title} · Descent Lab",
        state=published["scenario"]["state"],
        data=page_data,
        lesson={k: v for k, v in published.items() if k != "scenario"},
        lab_link=lesson_link(lesson, lab_url),
    )


def lesson_html(
    lesson_id: str,
    lab_url: str | None = None,
    frontend: Path | None = None,
    compute: Callable[[Lesson], Json] | None = None,
) -> str:
    """The lesson's standalone page; ``UnknownLessonError`` for an unknown id.

    ``compute`` gives the page's data (default ``lesson_data``; the API passes its own).
    """
    lesson = find_lesson(lesson_id)
    document = lesson_document(lesson, (compute or lesson_data)(lesson), lab_url)
    return render(document, frontend or frontend_dir())


def scenario_html(
    state: Mapping[str, Any], lab_link: str | None = None, frontend: Path | None = None
) -> str:
    """The 2-D lab's scenario ``state`` (camelCase, as a lesson's) as a standalone page."""
    document = Document(
        kind="surface",
        title=SCENARIO_TITLE,
        state=dict(state),
        data=data.surface_data(state),
        lab_link=lab_link,
    )
    return render(document, frontend or frontend_dir())


def live_run_html(
    setup: NetworkSetup,
    segments: Sequence[LiveSegment],
    lab_link: str | None = None,
    frontend: Path | None = None,
) -> str:
    """A live training run (its setup and its recorded changes) replayed into a standalone
    page: its curves, its pictures frame by frame, a slider and a player."""
    document = Document(
        kind="network",
        title=LIVE_RUN_TITLE,
        state=setup_fields(setup),
        data={"live": data.live_run(setup, segments), "feature_labels": data.feature_labels()},
        lab_link=lab_link,
    )
    return render(document, frontend or frontend_dir())


def write_lesson(
    lesson_id: str,
    out: Path,
    lab_url: str | None = None,
    frontend: Path | None = None,
    compute: Callable[[Lesson], Json] | None = None,
) -> Path:
    page = lesson_html(lesson_id, lab_url, frontend, compute)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def index_sections_html(lessons: Sequence[Lesson]) -> str:
    """The index's sections: one list per curriculum section, in order, linking ``ID.html``."""
    ordered = sorted(lessons, key=lambda lesson: (lesson.section_number, lesson.position))
    parts = []
    for number, group in groupby(ordered, key=lambda lesson: lesson.section_number):
        members = list(group)
        entries = "".join(
            f'<li class="lesson-entry" data-lesson="{lesson.id}">'
            f'<a class="lesson-link" href="{lesson.id}.html">'
            f'<span class="lesson-number">{lesson.section}</span>'
            f'<span class="lesson-title">{html.escape(lesson.title)}</span></a>'
            f'<p class="lesson-summary">{html.escape(lesson.summary)}</p></li>'
            for lesson in members
        )
        title = html.escape(members[0].summary_json()["section_title"])
        parts.append(
            f'<section class="lesson-group" aria-labelledby="section-{number}">'
            f'<h3 id="section-{number}">{number}. {title}</h3>'
            f'<ol class="lesson-list">{entries}</ol></section>'
        )
    return "\n".join(parts)


def index_html(
    lessons: Sequence[Lesson], lab_url: str | None = None, frontend: Path | None = None
) -> str:
    live = (
        f' The live lab, where every setting can be changed: <a href="{html.escape(lab_url)}">'
        f"{html.escape(lab_url)}</a>."
        if lab_url
        else ""
    )
    root = frontend or frontend_dir()
    return fill(
        root / INDEX_TEMPLATE,
        {
            "style": styles(root, INDEX_STYLES),
            "live": live,
            "sections": index_sections_html(lessons),
        },
    )


def write_all(
    out_dir: Path,
    lab_url: str | None = None,
    frontend: Path | None = None,
    progress: Callable[[Path], None] = lambda _path: None,
) -> list[Path]:
    """Every lesson as ``out_dir/ID.html``, then ``out_dir/index.html``; the paths written.

    Lessons with the same scenario (feature scaling and batch norm share one experiment)
    compute it once.
    """
    computed: dict[bytes, Json] = {}

    def compute(lesson: Lesson) -> Json:
        key = orjson.dumps(lesson.scenario.to_json(), option=orjson.OPT_SORT_KEYS)
        if key not in computed:
            computed[key] = lesson_data(lesson)
        return computed[key]

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for lesson in LESSONS:
        out = out_dir / f"{lesson.id}.html"
        written.append(write_lesson(lesson.id, out, lab_url, frontend, compute))
        progress(written[-1])
    index = out_dir / "index.html"
    index.write_text(index_html(LESSONS, lab_url, frontend), encoding="utf-8")
    progress(index)
    return [*written, index]
