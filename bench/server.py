"""Start `descentlab serve` in a subprocess on a free loopback port, and stop it."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningServer:
    url: str
    seconds_to_ready: float  # process start → /api/health answers (includes the warm-up)
    pid: int

    def rss_mb(self) -> float:
        """The server process's resident memory now."""
        return resident_mb(self.pid)


def resident_mb(pid: int | str = "self") -> float:
    """A process's resident memory now (Linux's /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def wait_for_background_warmup(url: str, limit_s: float = 300) -> None:
    """Block until the server's background compiles are done, so they skew no timing."""
    deadline = time.perf_counter() + limit_s
    while httpx.get(url + "/api/health").json().get("warmup") == "running":
        if time.perf_counter() > deadline:
            raise RuntimeError("the background warm-up did not finish")
        time.sleep(0.1)


@contextmanager
def serve(
    cache_dir: Path,
    warmup: bool = True,
    environment: Mapping[str, str] | None = None,
    python: str = sys.executable,
    cwd: Path | None = None,
) -> Iterator[RunningServer]:
    """``descentlab serve`` with ``environment`` added to ours (settings, uvicorn's), run by
    ``python`` (another environment's, to try an installation) in ``cwd``."""
    port = free_port()
    env = {
        **os.environ,
        "DESCENTLAB_COMPILATION_CACHE_DIR": str(cache_dir),
        "DESCENTLAB_WARMUP": "true" if warmup else "false",
        # Repeated identical requests would be cache hits: these figures are the compute.
        "DESCENTLAB_RESPONSE_CACHE_ENTRIES": "0",
        **(environment or {}),
    }
    command = [python, "-m", "descentlab.cli", "serve", "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, cwd=cwd)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server exited during start-up")
            if time.perf_counter() - started > 120:
                raise RuntimeError("the server did not start within 120 s")
            try:
                if httpx.get(url + "/api/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.02)
        yield RunningServer(url, time.perf_counter() - started, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
