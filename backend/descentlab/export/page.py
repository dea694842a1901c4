"""One self-contained HTML file: a template from ``frontend/export/`` with everything inlined.

The template names what goes where with comments (``<!-- descentlab:data -->``), each
exactly once: the styles (``frontend/css``), plotly.js (the very file ``/vendor/plotly.min.js``
serves), the import map of the page's modules (``modules.bundle``), the page's data as
JSON, the entry module, and two pieces rendered here so that they read without
JavaScript: the lesson's text and the note on what needs the live lab.
"""

import html
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from descentlab.assets import PLOTLY_JS
from descentlab.export.modules import bundle

Kind = Literal["surface", "network"]
Json = dict[str, Any]

TEMPLATES: Mapping[Kind, str] = {"surface": "export/surface.html", "network": "export/network.html"}
ENTRIES: Mapping[Kind, str] = {
    "surface": "export/surface_page.js",
    "network": "export/network_page.js",
}
STYLES: Mapping[Kind, tuple[str, ...]] = {
    "surface": ("css/lab.css", "css/export.css"),
    "network": ("css/lab.css", "css/networks.css", "css/export.css"),
}
PLACEHOLDER = re.compile(r"<!-- descentlab:(\w+) -->")
DATA_ELEMENT_ID = "descentlab-export"


class TemplateError(ValueError):
    """A template whose slots are missing, repeated or unknown."""


@dataclass(frozen=True)
class Document:
    """What one exported page shows.

    ``lesson`` is the lesson as ``GET /api/lessons/{id}`` serves it (None: a free-play
    scenario); ``data`` what ``export.data`` computed for the page; ``lab_link`` where
    "open in the live lab" goes (None: no link, the note says so).
    """

    kind: Kind
    title: str
    state: Json  # the page's state: a lesson's scenario.state
    data: Json
    lesson: Json | None = None
    lab_link: str | None = None


def _json_for_script(value: Any) -> str:
    """JSON safe inside <script>: no "<" at all (so no "</script>" or "<!--")."""
    return orjson.dumps(value).decode().replace("<", "\\u003c")


DATA_SCRIPT = re.compile(
    rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>', re.DOTALL
)


def page_data(page: str) -> Json:
    """The data inlined in an exported page (what its scripts draw)."""
    match = DATA_SCRIPT.search(page)
    if match is None:
        raise ValueError("not a page written by descentlab export: it has no data element")
    data: Json = orjson.loads(match[1])
    return data


def lesson_box_html(document: Document) -> str:
    lesson = document.lesson
    if lesson is None:
        return (
            '<section id="lesson-text" class="card" aria-label="scenario">'
            f"<h2>{html.escape(document.title)}</h2></section>"
        )
    section = f"Curriculum § {lesson['section']} · {lesson['section_title']}"
    return (
        '<section id="lesson-text" class="card" aria-label="lesson">'
        f"<h2>{html.escape(lesson['title'])}</h2>"
        f'<p class="lesson-section">{html.escape(section)}</p>'
        f'<p class="lesson-explanation">{html.escape(lesson["explanation"])}</p>'
        "</section>"
    )


def note_html(document: Document) -> str:
    what = "these settings" if document.kind == "surface" else "the settings or run it again"
    where = (
        f'<a id="open-live-lab" href="{html.escape(document.lab_link)}">open it in the live lab</a>'
        if document.lab_link
        else "open it in the live Descent Lab"
    )
    return (
        '<p id="offline-note" class="offline-note">This is a standalone copy: everything it '
        f"shows was computed in advance and it needs no server. To change {what}, {where}.</p>"
    )


def fill(template: Path, slots: Mapping[str, str]) -> str:
    """``template`` with each ``<!-- descentlab:NAME -->`` replaced by ``slots[NAME]``.

    Each slot must appear exactly once, and no other; the inlined text is never scanned
    for slots itself.
    """
    text = template.read_text(encoding="utf-8")
    found = Counter(PLACEHOLDER.findall(text))
    if found != Counter(list(slots)):
        raise TemplateError(
            f"{template} must have each of {', '.join(slots)} exactly once; it has {dict(found)}"
        )
    return PLACEHOLDER.sub(lambda match: slots[match[1]], text)


def styles(frontend: Path, paths: tuple[str, ...]) -> str:
    css = "\n".join((frontend / path).read_text(encoding="utf-8") for path in paths)
    return f"<style>\n{css}</style>"


def render(document: Document, frontend: Path) -> str:
    """The page as one HTML string; ``TemplateError`` for a broken template and
    ``modules.ModuleError`` for a module that could not run offline."""
    modules = bundle(frontend / "js", ENTRIES[document.kind])
    plotly_js = PLOTLY_JS.read_text(encoding="utf-8")
    if "</script" in plotly_js.lower():
        raise TemplateError(f"{PLOTLY_JS} contains '</script' and cannot be inlined as it is")
    inlined = {
        "kind": document.kind,
        "title": document.title,
        "lesson": document.lesson,
        "labLink": document.lab_link,
        "state": document.state,
        **document.data,
    }
    slots = {
        "title": html.escape(document.title),
        "style": styles(frontend, STYLES[document.kind]),
        "plotly": f"<script>{plotly_js}</script>",
        "importmap": (
            '<script type="importmap">'
            f"{json.dumps({'imports': modules.imports}, indent=1)}</script>"
        ),
        "data": (
            f'<script type="application/json" id="{DATA_ELEMENT_ID}">'
            f"{_json_for_script(inlined)}</script>"
        ),
        "entry": f'<script type="module">import "{modules.entry}";</script>',
        "lesson": lesson_box_html(document),
        "note": note_html(document),
    }
    return fill(frontend / TEMPLATES[document.kind], slots)
