"""Third-party browser files served from installed packages: nothing from a CDN.

plotly.js is 4.8 MB, 1.5 MB gzipped, and every student's first page load asks for it: it
is compressed once, at the first request, and served as it is to every client that
accepts gzip (the app's GZipMiddleware leaves an encoded answer alone).
"""

import gzip
from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from descentlab.assets import PLOTLY_JS

router = APIRouter(tags=["front end"])
CACHE_CONTROL = "public, max-age=86400"


@cache
def _plotly_gzipped() -> bytes:
    return gzip.compress(PLOTLY_JS.read_bytes(), compresslevel=9, mtime=0)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value admits gzip (RFC 9110: ``gzip;q=0`` refuses it;
    ``*`` admits any coding)."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if coding:
            weights[coding.lower()] = weight
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


@router.get("/vendor/plotly.min.js", include_in_schema=False)
def plotly_js(request: Request) -> Response:
    """plotly.js (MIT licence, in the file's header), as bundled with the plotly package."""
    headers = {"Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if accepts_gzip(request.headers.get("accept-encoding", "")):
        return Response(
            _plotly_gzipped(),
            media_type="text/javascript",
            headers={**headers, "Content-Encoding": "gzip"},
        )
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=headers)
