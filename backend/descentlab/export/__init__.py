"""Standalone export: a lesson (or the lab's scenario) as one HTML file that needs no server.

Each file inlines plotly.js, the front end's own modules (``modules``: an import map of
``data:`` URLs), the page's data computed in advance exactly as the API computes them for
the lab (``data``), and the lesson's text (``page``). ``lessons`` turns lessons into such
files, one or all of them with an index. ``descentlab export`` and
``GET /api/lessons/{id}/export`` are built on it. What works offline and what does not is
in docs/INSTRUCTORS.md ("Standalone files").
"""

from descentlab.export.lessons import (
    UnknownLessonError,
    index_html,
    lesson_data,
    lesson_html,
    live_run_html,
    scenario_html,
    write_all,
    write_lesson,
)
from descentlab.export.modules import ModuleError
from descentlab.export.page import TemplateError

__all__ = [
    "ModuleError",
    "TemplateError",
    "UnknownLessonError",
    "index_html",
    "lesson_data",
    "lesson_html",
    "live_run_html",
    "scenario_html",
    "write_all",
    "write_lesson",
]
