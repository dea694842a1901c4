"""``descentlab serve`` facing clients directly: what a client can hold open is bounded.

Each test starts the real command on loopback (bench.server.serve) with small limits and
talks to it over raw sockets: a connection that sends nothing, or part of a request head,
is closed after the head deadline; a head past the size limit is refused; connections past
the cap are closed at once while the server keeps answering; SIGTERM during a job's event
stream ends the process (cancelling the job) instead of waiting for the stream.
"""

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import jsonpatch
import pytest

from bench.server import RunningServer, serve

# Long enough for any answer, far shorter than "never": a read that times out here means
# the server kept the connection open.
PATIENCE_S = 30.0


@contextmanager
def _server(tmp_path: Path, **settings: str) -> Iterator[RunningServer]:
    environment = {f"DESCENTLAB_{name.upper()}": value for name, value in settings.items()}
    with serve(tmp_path / "cache", warmup=False, environment=environment) as server:
        yield server


def _connect(server: RunningServer) -> socket.socket:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=PATIENCE_S)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (raises TimeoutError if it never does)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _read_response(sock: socket.socket) -> bytes:
    """One whole response (head and a content-length body); returns its status line."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head, body = received.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = next(
        int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return lines[0]


def test_silent_and_stalled_connections_are_closed_after_the_head_deadline(
    tmp_path: Path,
) -> None:
    with _server(tmp_path, request_head_timeout_s="1") as server:
        with _connect(server) as silent, _connect(server) as stalled:
            stalled.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no end
            assert _read_until_closed(silent) == b""
            assert _read_until_closed(stalled) == b""
        # A request that arrives in time is answered, and the next on the same connection.
        with _connect(server) as sock:
            for _ in range(2):
                sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert _read_response(sock) == b"HTTP/1.1 200 OK"


def test_a_request_head_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    filler = b"X-Filler: " + b"a" * 64 * 1024 + b"\r\n"
    request = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + filler + b"\r\n"
    with _server(tmp_path, max_header_bytes="16384") as server:
        with _connect(server) as sock:
            sock.sendall(request)
            # The server stops reading at the limit, answers and closes. Closing with our
            # unread bytes still queued makes the kernel send a reset, which can overtake
            # the answer: a reset before any byte is also a refusal; an answer must say so.
            try:
                answer = _read_until_closed(sock)
            except ConnectionResetError:
                answer = b""
            assert answer.split(b"\r\n", 1)[0] in (
                b"",
                b"HTTP/1.1 431 Request Header Fields Too Large",
                b"HTTP/1.1 400 Bad Request",
            )
        # The same request under the limit is answered: the limit, not the route, refused it.
        small = request.replace(b"a" * 64 * 1024, b"a" * 1024)
        with _connect(server) as sock:
            sock.sendall(small)
            assert _read_response(sock) == b"HTTP/1.1 200 OK"


def test_connections_past_the_cap_are_closed_while_the_server_answers(tmp_path: Path) -> None:
    with _server(tmp_path, max_connections="4", request_head_timeout_s="60") as server:
        with ExitStack() as stack:
            held = [stack.enter_context(_connect(server)) for _ in range(4)]
            extra = stack.enter_context(_connect(server))
            assert _read_until_closed(extra) == b""  # closed at once: no request needed
            for sock in held:  # the first four are still open
                sock.settimeout(0.2)
                with pytest.raises(TimeoutError):
                    sock.recv(1)
        # Once they are gone, new connections are served.
        deadline = time.monotonic() + PATIENCE_S
        while True:
            try:
                assert httpx.get(server.url + "/api/health").status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server never served again"
                time.sleep(0.05)


def _exited(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.split() == ["State:", "Z", "(zombie)"] for line in status)
    except FileNotFoundError:
        return True


def test_sigterm_during_a_streamed_job_ends_the_server_and_cancels_the_job(
    tmp_path: Path,
) -> None:
    # A job of many minutes on this machine: 96 networks of about 300 parameters, each
    # polished 1,000 Newton-type steps, each Hessian's whole spectrum (past the default
    # budget: this server's is an hour).
    widths = [[16, 16], [15, 15], [14, 14], [13, 13], [12, 12], [16, 14]]
    params = {"seeds": 16, "polish_steps": 1000, "widths": widths}
    body = {"kind": "minimum_ratio", "params": params}
    with _server(tmp_path, shutdown_timeout_s="2", experiment_time_limit_s="3600") as server:
        accepted = httpx.post(server.url + "/api/experiments", json=body)
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()
        events: list[dict[str, object]] = []  # the job after each event

        def follow() -> None:
            url = f"{server.url}/api/experiments/{job['id']}/events"
            name, current = "", None
            try:
                with httpx.stream("GET", url, timeout=PATIENCE_S * 4) as stream:
                    for line in stream.iter_lines():
                        if line.startswith("event: "):
                            name = line.removeprefix("event: ")
                        elif line.startswith("data: "):
                            data = json.loads(line.removeprefix("data: "))
                            patched = name == "patch" and current is not None
                            current = jsonpatch.apply_patch(current, data) if patched else data
                            events.append(current)
            except httpx.HTTPError:
                pass  # the server went away: what this test is about

        reader = threading.Thread(target=follow, daemon=True)
        reader.start()
        deadline = time.monotonic() + PATIENCE_S
        while not any(e.get("status") == "running" for e in events):
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        os.kill(server.pid, signal.SIGTERM)
        deadline = time.monotonic() + PATIENCE_S * 2
        while not _exited(server.pid):
            assert time.monotonic() < deadline, "the server kept running after SIGTERM"
            time.sleep(0.1)
        reader.join(timeout=PATIENCE_S)
        assert events[-1]["status"] in ("running", "cancelled")  # cut short, not finished
