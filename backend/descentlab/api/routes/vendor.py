"""Third-party browser files served from installed packages: nothing from a CDN."""

from fastapi import APIRouter
from fastapi.responses import FileResponse

from descentlab.assets import PLOTLY_JS

router = APIRouter(tags=["front end"])


@router.get("/vendor/plotly.min.js", include_in_schema=False)
def plotly_js() -> FileResponse:
    """plotly.js (MIT licence, in the file's header), as bundled with the plotly package."""
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
