"""The lab as a user installs it: an sdist, a wheel built from it, a fresh virtual
environment outside the checkout, `descentlab serve` and `descentlab export` run from
another folder. Nothing of the checkout is on that environment's path.

The fresh environment gets the wheel alone (``--no-deps --no-index``) and reads the third
parties (JAX, FastAPI, ...) from this test run's environment through a ``.pth`` line: a
plain path entry, so this environment's editable install of descentlab (a ``.pth`` hook
of its own) is never run there. The floors of those versions are checked by
``make floors``.
"""

import os
import subprocess
import sys
import sysconfig
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from setuptools import build_meta

from bench.server import serve

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("/", "/networks.html", "/lessons.html")


def _run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The ``bin`` folder of a fresh environment holding the wheel built from the sdist."""
    work = tmp_path_factory.mktemp("installed")
    dist = work / "dist"
    dist.mkdir()
    previous = Path.cwd()
    os.chdir(ROOT)
    try:  # the PEP 517 hook pip and `python -m build` call; it writes only into `dist`
        sdist = dist / build_meta.build_sdist(str(dist))
    finally:
        os.chdir(previous)
    _run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--wheel-dir", str(dist), str(sdist)),
        ],
        work,
    )
    (wheel,) = dist.glob("descentlab-*.whl")
    environment = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(environment)], work)
    python = environment / "bin" / "python"
    _run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"),
            *("--no-deps", "--no-index", str(wheel)),
        ],
        work,
    )
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], work
    )
    third_parties = sysconfig.get_path("purelib")
    (Path(purelib.strip()) / "third_parties.pth").write_text(third_parties + "\n")
    yield environment / "bin"


def _outside_the_checkout(work: Path) -> dict[str, str]:
    """Our environment without anything that would point the installed lab at the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.pop("DESCENTLAB_FRONTEND_DIR", None)
    env["HOME"] = str(work)
    return env


def test_the_sdist_holds_the_front_end_the_license_and_the_data(tmp_path: Path) -> None:
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        sdist = tmp_path / build_meta.build_sdist(str(tmp_path))
    finally:
        os.chdir(previous)
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {
        "LICENSE",
        "frontend/index.html",
        "frontend/js/main.js",
        "frontend/css/lab.css",
    } <= names
    assert "backend/descentlab/core/nets/iris.csv" in names


def test_the_installed_package_is_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = _run(
        [
            str(installed / "python"),
            "-c",
            "import descentlab, descentlab.frontend as f; print(descentlab.__file__); "
            "print(list(f.__path__)[0])",
        ],
        tmp_path,
    ).split()
    environment = installed.parent
    assert all(Path(path).is_relative_to(environment) for path in where), where
    assert not any(Path(path).is_relative_to(ROOT) for path in where)


def test_the_installed_lab_serves_every_page_plotly_and_the_docs_from_another_folder(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with (
        serve(
            tmp_path / "cache",
            warmup=False,
            environment=_outside_the_checkout(tmp_path),
            python=str(installed / "python"),
            cwd=elsewhere,
        ) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        for page in PAGES:
            response = client.get(page)
            assert response.status_code == 200, page
            assert "text/html" in response.headers["content-type"]
            assert "<script" in response.text
        assert client.get("/js/main.js").status_code == 200
        assert client.get("/css/lab.css").status_code == 200
        plotly = client.get("/vendor/plotly.min.js")
        assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
        docs = client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        assert client.get("/openapi.json").json()["info"]["title"]
        datasets = client.get("/api/datasets/iris").json()  # the packaged CSV
        assert len(datasets["x_train"]) + len(datasets["x_test"]) == 150


def test_the_installed_cli_exports_a_lesson_from_another_folder(
    installed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "saddle.html"
    done = subprocess.run(
        [str(installed / "descentlab"), "export", "momentum-saddle", "--out", str(out)],
        cwd=tmp_path,
        env=_outside_the_checkout(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "Plotly" in page and "momentum" in page.lower()
    assert '<script type="importmap">' in page  # the lab's own modules, inlined


def test_an_installation_without_its_front_end_refuses_to_serve(
    installed: Path, tmp_path: Path
) -> None:
    env = {**_outside_the_checkout(tmp_path), "DESCENTLAB_FRONTEND_DIR": str(tmp_path / "no")}
    done = subprocess.run(
        [str(installed / "descentlab"), "serve", "--port", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert "front end is missing" in done.stderr and "index.html" in done.stderr
