"""The deployment's nginx (deploy/nginx.conf) on loopback, in front of app processes on
this machine: for the proxy test and the multi-replica load run. Only the lines that name
Docker's network are changed (its DNS, the service name ``app``, port 80)."""

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench.server import free_port

NGINX_CONF = Path(__file__).parents[1] / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_available() -> bool:
    return Path(NGINX).exists()


def on_loopback(conf: str, listen: int, app_ports: Sequence[int]) -> str:
    """The deployment's config with Docker's DNS and service name replaced by loopback."""
    servers = " ".join(f"server 127.0.0.1:{port};" for port in app_ports)
    replacements = {
        r"^resolver .*;$": "",
        r"server app:8000 resolve;": servers,
        r"listen 80;": f"listen 127.0.0.1:{listen};",
    }
    for pattern, replacement in replacements.items():
        conf, count = re.subn(pattern, replacement, conf, flags=re.MULTILINE)
        assert count == 1, f"deploy/nginx.conf no longer has {pattern!r}"
    return conf


def _wait_for_port(port: int, process: "subprocess.Popen[bytes]") -> None:
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
def proxy(site: str, folder: Path, listen: int, connections: int = 64) -> Iterator[tuple[str, int]]:
    """nginx serving ``site`` (a server block, as conf.d holds it) on ``listen``: its URL
    and pid."""
    folder.mkdir(parents=True)
    (folder / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    (folder / "nginx.conf").write_text(
        f"{user} daemon off; worker_processes 1; pid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'};\n"
        f"events {{ worker_connections {connections}; }}\n"
        f"http {{ access_log off; {temp} uwsgi_temp_path {folder / 'uwsgi'}; "
        f"scgi_temp_path {folder / 'scgi'}; include {folder / 'site.conf'}; }}\n"
    )
    command = [NGINX, "-p", str(folder), "-e", str(folder / "error.log")]
    process = subprocess.Popen([*command, "-c", str(folder / "nginx.conf")])
    try:
        _wait_for_port(listen, process)
        yield f"http://127.0.0.1:{listen}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def deployment_proxy(app_ports: Sequence[int], folder: Path) -> Iterator[tuple[str, int]]:
    """deploy/nginx.conf in front of ``app_ports``: its URL and pid."""
    listen = free_port()
    site = on_loopback(NGINX_CONF.read_text(), listen, app_ports)
    with proxy(site, folder, listen, connections=1024) as running:
        yield running
