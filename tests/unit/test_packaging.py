"""What the package ships and what it pins: its package list, the lock the image installs,
the data it carries, and the refusal to serve without its front end."""

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from descentlab.api.app import create_app
from descentlab.api.settings import Settings
from descentlab.assets import FRONTEND_FILES, FrontendMissingError, require_frontend
from descentlab.core.nets.datasets import iris

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_package_list_is_every_folder_of_the_package_and_of_the_front_end() -> None:
    backend = ROOT / "backend"
    python = {
        ".".join(init.parent.relative_to(backend).parts)
        for init in backend.glob("descentlab/**/__init__.py")
    }
    frontend = ROOT / "frontend"
    lab = {
        ".".join(("descentlab", "frontend", *folder.relative_to(frontend).parts))
        for folder in [frontend, *frontend.rglob("*")]
        if folder.is_dir() and folder.name != "__pycache__"
    }
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert set(setuptools["packages"]) == python | lab
    data = setuptools["package-data"]
    for package in lab:  # every file of the front end is in one folder's patterns
        folder = frontend.joinpath(*package.split(".")[2:])
        files = {f for f in folder.iterdir() if f.is_file() and f.suffix != ".py"}
        matched = {f for pattern in data[package] for f in folder.glob(pattern)}
        assert files == matched, package


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {
        canonicalize_name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.MULTILINE)
    }


def test_the_lock_pins_every_runtime_dependency_within_its_declared_range() -> None:
    locked = _locked()
    for line in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock (make lock)"
        assert requirement.specifier.contains(locked[name]), (name, locked[name])
    test_only = {"torch", "pytest", "playwright", "mypy", "schemathesis"}
    assert not test_only & set(locked)  # the image gets no test tools


def test_every_locked_package_is_pinned_by_hash() -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", (ROOT / "requirements.lock").read_text())
    pinned = [block for block in blocks if re.match(r"[A-Za-z0-9_.-]+==", block)]
    assert len(pinned) == len(_locked()) > 10
    assert all("--hash=sha256:" in block for block in pinned)


def test_iris_ships_with_the_package_as_fisher_measured_it() -> None:
    data = iris(test_fraction=0.2, seed=0)
    x = np.concatenate([data.x_train, data.x_test])
    y = np.concatenate([data.y_train, data.y_test])
    assert x.shape == (150, 4) and np.bincount(y).tolist() == [50, 50, 50]
    # Fisher (1936), table I: mean sepal length of setosa, versicolor, virginica, in cm.
    means = [float(x[y == k, 0].mean()) for k in range(3)]
    assert means == pytest.approx([5.006, 5.936, 6.588], abs=1e-5)


def test_a_front_end_without_its_pages_is_refused_naming_what_is_absent(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>")
    with pytest.raises(FrontendMissingError) as missing:
        require_frontend(str(tmp_path))
    assert "networks.html" in str(missing.value) and str(tmp_path) in str(missing.value)
    assert f"{tmp_path}: no networks.html," in str(missing.value)  # index.html is there
    with pytest.raises(FrontendMissingError):
        create_app(Settings(warmup=False, compilation_cache_dir="", frontend_dir=str(tmp_path)))


def test_the_packaged_front_end_is_complete() -> None:
    root = require_frontend("")
    assert all((root / name).is_file() for name in FRONTEND_FILES)
