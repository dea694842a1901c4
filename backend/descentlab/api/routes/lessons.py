"""The curriculum's lessons: the index in curriculum order, and each whole lesson."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from descentlab.api.schemas.lessons import LessonPublic, LessonSummaryPublic
from descentlab.api.schemas.problems import problem_response
from descentlab.lessons import LESSON_ID_PATTERN, LESSONS, get_lesson
from descentlab.lessons.format import MAX_ID_LENGTH

router = APIRouter(prefix="/api/lessons", tags=["lessons"])

LessonId = Annotated[str, Path(pattern=LESSON_ID_PATTERN, max_length=MAX_ID_LENGTH)]


@router.get("")
def list_lessons() -> list[LessonSummaryPublic]:
    """Every lesson, in curriculum order; ``url`` opens it."""
    return [LessonSummaryPublic.model_validate(lesson.summary_json()) for lesson in LESSONS]


@router.get("/{lesson_id}", responses={404: problem_response("No lesson with this id")})
def read_lesson(lesson_id: LessonId) -> LessonPublic:
    """The whole lesson: its explanation and the scenario it opens."""
    try:
        lesson = get_lesson(lesson_id)
    except KeyError:
        raise HTTPException(404, f"no lesson {lesson_id!r}; GET /api/lessons lists them") from None
    return LessonPublic.model_validate(lesson.to_json())
