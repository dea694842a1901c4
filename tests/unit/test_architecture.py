"""The layers of ``descentlab`` as its imports show them (docs/ARCHITECTURE.md):

core (the JAX engine) ← lessons, figures ← api (schemas, public JSON, services, routes)
and export (the standalone pages). Routes are leaves: only ``create_app`` includes them.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "backend" / "descentlab"
WEB = ("fastapi", "starlette", "uvicorn")


def _imports() -> dict[str, set[str]]:
    """Module name → every module it imports (absolute names)."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        found[name] = names
    return found


IMPORTS = _imports()


def _of(prefix: str) -> dict[str, set[str]]:
    return {name: names for name, names in IMPORTS.items() if name.startswith(prefix)}


def test_the_engine_imports_nothing_above_it_and_no_web_framework() -> None:
    for name, names in _of("descentlab.core").items():
        above = {
            n for n in names if n.startswith("descentlab.") and not n.startswith("descentlab.core")
        }
        assert above == set(), f"{name} imports {above}"
        assert not {n for n in names if n.split(".")[0] in WEB}, name


def test_lessons_and_figures_build_on_the_engine_only() -> None:
    for layer in ("descentlab.lessons", "descentlab.figures"):
        for name, names in _of(layer).items():
            allowed = ("descentlab.core", layer)
            above = {n for n in names if n.startswith("descentlab.") and not n.startswith(allowed)}
            assert above == set(), f"{name} imports {above}"
            assert not {n for n in names if n.split(".")[0] in WEB}, name


def test_only_create_app_includes_routes_and_export_never_calls_one() -> None:
    for name, names in IMPORTS.items():
        if name.startswith("descentlab.api.routes") or name == "descentlab.api.app":
            continue
        routes = {n for n in names if n.startswith("descentlab.api.routes")}
        assert routes == set(), f"{name} imports {routes}"


def test_the_api_below_its_routes_never_imports_the_export() -> None:
    """Export builds on the API's schemas and public JSON; a schema or service importing
    export back would make the two one tangle (a schema once did, to validate a scenario)."""
    for name, names in _of("descentlab.api").items():
        if name.startswith("descentlab.api.routes") or name == "descentlab.api.app":
            continue
        export = {n for n in names if n.startswith("descentlab.export")}
        assert export == set(), f"{name} imports {export}"
