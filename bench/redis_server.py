"""A throwaway Redis for tests and load runs: Debian's ``redis-server`` on a free loopback
port, nothing saved to disk, stopped on exit; and ``descentlab worker`` processes."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bench.server import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def redis_available() -> bool:
    return Path(REDIS_SERVER).exists()


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A Redis on 127.0.0.1, its URL; no persistence (a restart of the lab, not of Redis,
    is what the tests try)."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError("redis-server exited at start-up")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not listen within 20 s")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def start_worker(
    environment: Mapping[str, str], queues: tuple[str, ...] = (), log: Path | None = None
) -> "subprocess.Popen[bytes]":
    """``descentlab worker`` with ``environment`` added to ours (DESCENTLAB_REDIS_URL...),
    its log appended to ``log``."""
    command = [sys.executable, "-m", "descentlab.cli", "worker"]
    for queue in queues:
        command += ["--queue", queue]
    with open(log or os.devnull, "ab") as output:  # the worker keeps its own copy
        return subprocess.Popen(
            command, env={**os.environ, **environment}, stdout=output, stderr=output
        )


def stop(process: "subprocess.Popen[bytes]", hard: bool = False) -> None:
    """SIGKILL (a crash) or SIGTERM (a stop), and wait."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
