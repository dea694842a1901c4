"""Through the documented proxy, a client cannot choose the address the app sees.

The system's nginx runs deploy/nginx.conf on loopback in front of ``descentlab serve``
(with the per-client rate limit on); only the lines that name Docker's network are
pointed at loopback. Rotating X-Forwarded-For must not escape the limit. The control
runs the same with the forwarding the config used before ($proxy_add_x_forwarded_for,
which passes the client's own header on) and sees the limit escaped, so the test can
tell the two apart. Without nginx the test is skipped, unless DESCENTLAB_REQUIRE_NGINX=1
(.ci/run installs it).
"""

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bench.server import free_port, serve

NGINX_CONF = Path(__file__).parents[2] / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REQUIRE_NGINX = "DESCENTLAB_REQUIRE_NGINX"
PER_MINUTE = 3


@pytest.fixture(scope="module")
def nginx() -> str:
    if not Path(NGINX).exists():
        if os.environ.get(REQUIRE_NGINX) == "1":
            pytest.fail(f"nginx not found and {REQUIRE_NGINX}=1 (.ci/run)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return NGINX


def _on_loopback(conf: str, listen: int, app_port: int) -> str:
    """The deployment's config with Docker's DNS and service name replaced by loopback."""
    replacements = {
        r"^resolver .*;$": "",
        r"server app:8000 resolve;": f"server 127.0.0.1:{app_port};",
        r"listen 80;": f"listen 127.0.0.1:{listen};",
    }
    for pattern, replacement in replacements.items():
        conf, count = re.subn(pattern, replacement, conf, flags=re.MULTILINE)
        assert count == 1, f"deploy/nginx.conf no longer has {pattern!r}"
    return conf


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("nginx exited at start-up")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("nginx did not listen within 20 s")


@contextmanager
def _proxy(nginx: str, site: str, folder: Path, listen: int) -> Iterator[str]:
    folder.mkdir()
    (folder / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    (folder / "nginx.conf").write_text(
        f"{user} daemon off; worker_processes 1; pid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'};\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; {temp} uwsgi_temp_path {folder / 'uwsgi'}; "
        f"scgi_temp_path {folder / 'scgi'}; include {folder / 'site.conf'}; }}\n"
    )
    command = [nginx, "-p", str(folder), "-e", str(folder / "error.log")]
    process = subprocess.Popen([*command, "-c", str(folder / "nginx.conf")])
    try:
        _wait_for_port(listen, process)
        yield f"http://127.0.0.1:{listen}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def _statuses_with_rotating_addresses(url: str) -> list[int]:
    with httpx.Client(base_url=url, timeout=30) as client:
        return [
            client.get("/api/surfaces", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(PER_MINUTE + 2)
        ]


def test_a_spoofed_forwarded_for_does_not_escape_the_rate_limit(nginx: str, tmp_path: Path) -> None:
    limited = {"DESCENTLAB_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE)}
    conf = NGINX_CONF.read_text()
    with serve(tmp_path / "cache", warmup=False, environment=limited) as app:
        app_port = int(app.url.rsplit(":", 1)[1])
        listen = free_port()
        with _proxy(nginx, _on_loopback(conf, listen, app_port), tmp_path / "a", listen) as url:
            statuses = _statuses_with_rotating_addresses(url)
        assert statuses == [200] * PER_MINUTE + [429, 429]
    # Control: the client's header passed on is believed, and the limit is escaped.
    passed_on = conf.replace(
        "X-Forwarded-For $remote_addr;", "X-Forwarded-For $proxy_add_x_forwarded_for;"
    )
    assert passed_on != conf
    with serve(tmp_path / "cache", warmup=False, environment=limited) as app:
        app_port = int(app.url.rsplit(":", 1)[1])
        listen = free_port()
        site = _on_loopback(passed_on, listen, app_port)
        with _proxy(nginx, site, tmp_path / "b", listen) as url:
            assert _statuses_with_rotating_addresses(url) == [200] * (PER_MINUTE + 2)
