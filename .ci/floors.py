"""Print pip constraints pinning every runtime dependency of pyproject.toml to its floor.

``make floors`` installs the package with them into a fresh environment and runs the API
smoke tests, so a declared minimum version is one the lab was seen to work with. The
floors themselves are written once, in pyproject.toml.
"""

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement


def floors(pyproject: Path) -> list[str]:
    lines = []
    for text in tomllib.loads(pyproject.read_text())["project"]["dependencies"]:
        requirement = Requirement(text)
        lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(lower) != 1:
            raise SystemExit(f"{text!r} declares no single floor (>=)")
        lines.append(f"{requirement.name}=={lower[0]}")
    return lines


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    sys.stdout.write("".join(f"{line}\n" for line in floors(root / "pyproject.toml")))
