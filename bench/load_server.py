"""A server under test for the load benchmarks: any command line, started on a free port,
ready once ``/api/health`` answers (and, if asked, once the background warm-up is done),
with its resident memory summed over the whole process tree (uvicorn's supervisor and
its workers).
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.server import free_port

PYTHON = sys.executable


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    seconds_to_ready: float

    def rss_mb(self) -> float:
        """Resident memory of the server and every process below it, in MB."""
        return sum(_rss_kb(pid) for pid in self.processes()) / 1024

    def cpu_s(self) -> float:
        """User + system CPU time of the server and every process below it, so far."""
        return sum(_cpu_ticks(pid) for pid in self.processes()) / os.sysconf("SC_CLK_TCK")

    def processes(self) -> list[int]:
        return [self.pid, *_descendants(self.pid)]


def descentlab_command(port: int | str, workers: int = 1) -> list[str]:
    command = [PYTHON, "-m", "descentlab.cli", "serve", "--port", str(port)]
    return command + (["--workers", str(workers)] if workers > 1 else [])


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (this process's threads)


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The parent is the 2nd field after the parenthesised command name.
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _wait_ready(url: str, process: subprocess.Popen[bytes], limit_s: float) -> None:
    deadline = time.perf_counter() + limit_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited during start-up (code {process.returncode})")
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the server did not answer within {limit_s:.0f} s")
        try:
            if httpx.get(url + "/api/health", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)


def wait_for_warmup(url: str, workers: int = 1, limit_s: float = 600) -> None:
    """Until health says the background compiles are over. Each check is a new connection,
    which any worker may accept: several workers must say so several times in a row."""
    deadline = time.perf_counter() + limit_s
    in_a_row = 0
    while in_a_row < 1 + 3 * (workers - 1):
        done = httpx.get(url + "/api/health", timeout=10).json().get("warmup") != "running"
        in_a_row = in_a_row + 1 if done else 0
        if time.perf_counter() > deadline:
            raise RuntimeError("the background warm-up did not finish")
        time.sleep(0.05 if done else 0.2)


@contextmanager
def running(
    command: Sequence[str] | None = None,
    *,
    cache_dir: Path,
    warmup: bool = True,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    limit_s: float = 600,
) -> Iterator[Server]:
    """Start ``command`` (default: ``descentlab serve``) with ``{port}`` filled in; stop it
    (the whole process group) on exit."""
    port = free_port()
    argv = (
        [part.format(port=port) for part in command]
        if command is not None
        else descentlab_command(port, workers)
    )
    env = {
        **os.environ,
        "DESCENTLAB_COMPILATION_CACHE_DIR": str(cache_dir),
        "DESCENTLAB_WARMUP": "true" if warmup else "false",
        **(extra_env or {}),
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, limit_s)
        if warmup:
            wait_for_warmup(url, workers, limit_s)
        yield Server(url, process.pid, time.perf_counter() - started)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
