"""The curriculum's lessons as data, and how to run a 2-D lesson on the engine.

``LESSONS`` (in curriculum order) and ``get_lesson`` are the catalogue; ``format`` says
what a lesson holds and how it reads as JSON (what ``GET /api/lessons/{id}`` serves);
``engine`` turns a 2-D lesson's scenario into the race the lab runs. Nothing here
imports FastAPI or pydantic.
"""

from descentlab.lessons.catalogue import LESSONS, get_lesson
from descentlab.lessons.curriculum import SECTIONS
from descentlab.lessons.format import (
    LESSON_ID_PATTERN,
    Lesson,
    NetworkScenario,
    Run,
    SurfaceScenario,
)

__all__ = [
    "LESSONS",
    "LESSON_ID_PATTERN",
    "SECTIONS",
    "Lesson",
    "NetworkScenario",
    "Run",
    "SurfaceScenario",
    "get_lesson",
]
