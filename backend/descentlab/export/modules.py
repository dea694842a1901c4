"""The front end's ES modules, inlined into one HTML file without a build step.

An exported page runs the lab's own modules (figure builders, player, panels), so what a
student sees offline is what the lab draws. From an entry module under ``frontend/js``,
``bundle`` follows every static import and returns each module as a ``data:`` URL under a
bare specifier (``descentlab/plots/map.js``) for the page's import map; each module's
relative imports are rewritten to those specifiers, which the import map resolves even
from inside a ``data:`` module (a ``data:`` URL has no base for ``./x.js``).

A module the page cannot run offline fails the export here, never in the student's
browser: an import that is not a relative path to a file under ``frontend/js``, a dynamic
``import()``, ``import.meta``, or any way of reaching the network (``fetch(``,
``XMLHttpRequest``, ``EventSource``, ``WebSocket``, ``sendBeacon``).
"""

import base64
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

SPECIFIER_PREFIX = "descentlab/"

# A static import or re-export: `import x from "…"`, `import {a, b as c} from "…"`,
# `import * as m from "…"`, `export {a} from "…"`, `export * from "…"`, `import "…"`.
# The clause may hold only names, braces, commas, `*` and whitespace, so the pattern never
# runs across code into a string that merely contains "from".
STATIC_IMPORT = re.compile(
    r"""^(?P<head>[ \t]*(?:import|export)\s*(?:[\w$\s{},*]*?\s*from\s*)?)"""
    r"""(?P<quote>["'])(?P<specifier>[^"'\n]+)(?P=quote)""",
    re.MULTILINE,
)
# What no exported module may contain (after its static imports are taken out).
FORBIDDEN = {
    r"\bimport\s*\(": "a dynamic import()",
    r"\bimport\s*\.\s*meta\b": "import.meta",
    r"(?m)^[ \t]*import\b": "an import the exporter cannot follow",
    r"\bfetch\s*\(": "fetch(: a network request",
    r"\bXMLHttpRequest\b": "XMLHttpRequest: a network request",
    r"\bEventSource\b": "EventSource: a network request",
    r"\bWebSocket\b": "WebSocket: a network request",
    r"\bsendBeacon\b": "sendBeacon: a network request",
}


class ModuleError(ValueError):
    """A module that an exported page could not run offline."""


@dataclass(frozen=True)
class Bundle:
    """The modules an exported page runs: ``imports`` is its import map's ``imports``."""

    entry: str  # the entry's specifier
    imports: dict[str, str]  # specifier → data: URL, in the order they were reached

    @property
    def modules(self) -> list[str]:
        """The included modules, as paths under ``frontend/js``."""
        return [specifier.removeprefix(SPECIFIER_PREFIX) for specifier in self.imports]


def specifier_of(path: str) -> str:
    """The bare specifier of a module at ``path`` under ``frontend/js`` ("plots/map.js")."""
    return SPECIFIER_PREFIX + path


def _resolve(importer: str, target: str) -> str:
    """``target`` (as written in ``importer``) as a path under ``frontend/js``."""
    if not target.startswith(("./", "../")):
        raise ModuleError(
            f"{importer} imports {target!r}: only relative imports of the lab's own modules "
            "can be inlined"
        )
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(importer), target))
    if resolved.startswith("../"):
        raise ModuleError(f"{importer} imports {target!r}, outside frontend/js")
    return resolved


def _check(path: str, rewritten: str) -> None:
    # Comments may mention anything; code may not.
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", rewritten, flags=re.DOTALL)
    code = STATIC_IMPORT.sub("", code)
    for pattern, what in FORBIDDEN.items():
        if re.search(pattern, code):
            raise ModuleError(f"{path} contains {what}; an exported page must run offline")


def _data_url(source: str) -> str:
    return "data:text/javascript;base64," + base64.b64encode(source.encode()).decode()


def bundle(js_root: Path, entry: str) -> Bundle:
    """The entry module (a path under ``js_root``) and every module it imports, inlined."""
    imports: dict[str, str] = {}
    pending = [entry]
    while pending:
        path = pending.pop(0)
        if specifier_of(path) in imports:
            continue
        file = js_root / path
        if not file.is_file():
            raise ModuleError(f"module {path} not found under {js_root}")
        targets: list[str] = []

        def rewrite(match: re.Match[str], importer: str = path, found: list[str] = targets) -> str:
            target = _resolve(importer, match["specifier"])
            found.append(target)
            return f'{match["head"]}"{specifier_of(target)}"'

        rewritten = STATIC_IMPORT.sub(rewrite, file.read_text(encoding="utf-8"))
        _check(path, rewritten)
        imports[specifier_of(path)] = _data_url(rewritten)
        pending.extend(targets)
    return Bundle(entry=specifier_of(entry), imports=imports)
