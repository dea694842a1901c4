"""The API's description: interactive docs at /docs, served from local files (no CDN, works
offline), one tag per resource, and operation ids that generated clients can call."""

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs-assets"

# One tag per resource: the first segment of its path after /api/.
TAGS = [
    {"name": "health", "description": "Is the server up, and how far is its warm-up"},
    {"name": "surfaces", "description": "The 2-D loss surfaces and their parameters"},
    {"name": "optimizers", "description": "The optimizers and their hyperparameters"},
    {"name": "schedules", "description": "The learning-rate schedules"},
    {"name": "datasets", "description": "The network lab's datasets, and your own (CSV)"},
    {"name": "grid", "description": "A surface sampled on a grid, for contour and 3-D maps"},
    {"name": "analyze", "description": "Gradient, Hessian and eigen-directions at a point"},
    {"name": "trajectories", "description": "Optimizer runs on a surface, side by side"},
    {"name": "sweeps", "description": "Many runs at once: a learning-rate sweep"},
    {"name": "maps", "description": "A run per cell of a grid over two hyperparameters"},
    {"name": "features", "description": "The input features a network on 2-D data may read"},
    {"name": "experiments", "description": "Long network experiments as jobs"},
    {"name": "live", "description": "Live training: a few updates per call, Play / Step"},
    {"name": "lessons", "description": "The course's lessons, and each as one HTML file"},
    {"name": "export", "description": "A 2-D scenario as one self-contained HTML file"},
]


def operation_id(route: APIRoute) -> str:
    """The route function's own name (``run_trajectories``): what a generated client calls."""
    return route.name


def install_docs(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
