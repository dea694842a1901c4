"""The browser files the server serves and the export inlines, all from installed packages
(never a CDN, never a path into a checkout): the lab's own front end (``descentlab.frontend``,
package data) and plotly.js (from the ``plotly`` package)."""

from importlib import resources
from pathlib import Path

import plotly

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

# What a front end must hold for the server to start with it: the three pages and the
# standalone export's templates (export/page.py TEMPLATES).
FRONTEND_FILES = (
    "index.html",
    "networks.html",
    "lessons.html",
    "export/index.html",
    "export/surface.html",
    "export/network.html",
)


class FrontendMissingError(RuntimeError):
    """The lab's front end is not where the server was told to find it."""


def packaged_frontend() -> Path:
    """The front end installed with the package (a checkout's ``frontend/`` when editable)."""
    try:
        root = resources.files("descentlab.frontend")
    except ModuleNotFoundError:
        raise FrontendMissingError(
            "the package descentlab.frontend is not installed: this installation of "
            "descentlab has no front end (reinstall it from a wheel or `pip install .`, "
            "or set DESCENTLAB_FRONTEND_DIR to a folder holding it)"
        ) from None
    return Path(str(root))


def require_frontend(directory: str = "") -> Path:
    """``directory`` (empty: the packaged front end), once it holds every page.

    Raises ``FrontendMissingError`` naming what is absent: a server without its pages would
    answer 404 on ``/`` and fail every export, so it refuses to start instead.
    """
    root = Path(directory) if directory else packaged_frontend()
    absent = [name for name in FRONTEND_FILES if not (root / name).is_file()]
    if absent:
        raise FrontendMissingError(
            f"the lab's front end is missing from {root}: no {', '.join(absent)} "
            "(DESCENTLAB_FRONTEND_DIR, if set, must name a folder holding it; unset, the "
            "package's own front end is used)"
        )
    return root
