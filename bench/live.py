"""Live training on the Networks page: how fast Play's frames and Step's answers come back.

Through HTTP on loopback, as the page asks (keep-alive, gzip), on a warmed server: the
page's default network played one epoch a frame, stepped one update at a time, and the
largest call the bounds admit. The naive way in the same run is a server that keeps no
state and no client that carries it: each frame retrains from the initial weights to
where the run is (here at epoch 50, a live call from state null with 50 epochs' updates).

``python -m bench.live`` prints the section of docs/BENCHMARKS.md.
"""

import gzip
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.server import serve, wait_for_background_warmup
from descentlab.core.experiments.live import MAX_ROWS, MAX_UPDATES

FRAMES = 100
NAIVE_EPOCH = 50
# The largest call: the most parameters (4,874 of 5,000), the most data, MAX_ROWS rows.
LARGEST = {"widths": [64, 64, 8], "n_samples": 4000, "batch_size": 4096}


def _timed(client: httpx.Client, body: dict[str, Any]) -> tuple[float, dict[str, Any], int]:
    start = time.perf_counter()
    with client.stream("POST", "/api/live/steps", json=body) as response:
        response.raise_for_status()
        raw = b"".join(response.iter_raw())
        gzipped = response.headers.get("content-encoding") == "gzip"
        answer = json.loads(gzip.decompress(raw) if gzipped else raw)
    seconds = time.perf_counter() - start
    return seconds, answer, len(raw)


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "p50_ms": statistics.median(ms),
        "p90_ms": ms[int(0.9 * (len(ms) - 1))],
        "max_ms": ms[-1],
    }


def _play(client: httpx.Client, setup: dict[str, Any], updates: int | None, frames: int) -> Any:
    """``frames`` calls as Play makes them (``updates`` None: one epoch a frame)."""
    _, frame, _ = _timed(client, {"setup": setup, "updates": 0})
    per_frame = frame["steps_per_epoch"] if updates is None else updates
    seconds, sizes = [], []
    started = time.perf_counter()
    for _ in range(frames):
        took, frame, size = _timed(
            client, {"setup": setup, "state": frame["state"], "updates": per_frame}
        )
        seconds.append(took)
        sizes.append(size)
    wall = time.perf_counter() - started
    return {
        **_percentiles(seconds),
        "frames_per_s": frames / wall,
        "gzip_kb": statistics.median(sizes) / 1000,
        "updates": per_frame,
        "epoch": frame["epoch"],
    }


def run() -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as cache,
        serve(Path(cache)) as server,
        httpx.Client(base_url=server.url, timeout=120, headers={"accept-encoding": "gzip"}) as c,
    ):
        wait_for_background_warmup(server.url)
        default: dict[str, Any] = {}
        play = _play(c, default, None, FRAMES)
        step = _play(c, default, 1, FRAMES)
        regularized = _play(c, {"regularization": "l2", "regularization_rate": 0.01}, None, 30)
        _, first, _ = _timed(c, {"setup": default, "updates": 0})
        naive_updates = NAIVE_EPOCH * first["steps_per_epoch"]
        assert naive_updates <= MAX_UPDATES
        naive = [_timed(c, {"setup": default, "updates": naive_updates})[0] for _ in range(10)]
        # The largest call the bounds admit (compiled at its first call: timed after).
        rows = LARGEST["batch_size"] * (MAX_ROWS // LARGEST["batch_size"])
        largest_updates = rows // LARGEST["batch_size"]
        _timed(c, {"setup": LARGEST, "updates": largest_updates})
        largest = [_timed(c, {"setup": LARGEST, "updates": largest_updates})[0] for _ in range(5)]
    return {
        "play": play,
        "step": step,
        "regularized": regularized,
        "naive": {**_percentiles(naive), "epoch": NAIVE_EPOCH},
        "largest": {**_percentiles(largest), "updates": largest_updates, "rows": rows},
    }


def render(figures: dict[str, Any]) -> str:
    play, step, naive = figures["play"], figures["step"], figures["naive"]
    largest, regularized = figures["largest"], figures["regularized"]
    lines = [
        "## Networks: live training (`python -m bench.live`)",
        "",
        "The Networks page's Play and Step through HTTP on loopback (keep-alive, gzip, a warm "
        "server), its default network (moons, 16-16 tanh, Adam, batches of 32): each call "
        "runs its updates from the state the last answer gave and answers with the losses, "
        "the 40 × 40 decision boundary and the diagram's 16 × 16 picture of every unit. The "
        "naive way, in the same run: a server that keeps no state and a client that carries "
        f"none retrains from the start for every frame (here at epoch {naive['epoch']}).",
        "",
        "| what | p50 | p90 | max | frames a second | answer (gzip) |",
        "|---|---|---|---|---|---|",
        f"| Play: one epoch a frame ({play['updates']} updates) | {play['p50_ms']:.1f} ms | "
        f"{play['p90_ms']:.1f} ms | {play['max_ms']:.1f} ms | {play['frames_per_s']:.0f} | "
        f"{play['gzip_kb']:.0f} kB |",
        f"| … with L2 regularization | {regularized['p50_ms']:.1f} ms | "
        f"{regularized['p90_ms']:.1f} ms | {regularized['max_ms']:.1f} ms | "
        f"{regularized['frames_per_s']:.0f} | {regularized['gzip_kb']:.0f} kB |",
        f"| Step: one update | {step['p50_ms']:.1f} ms | {step['p90_ms']:.1f} ms | "
        f"{step['max_ms']:.1f} ms | {step['frames_per_s']:.0f} | {step['gzip_kb']:.0f} kB |",
        f"| naive: retrain to epoch {naive['epoch']} for one frame | {naive['p50_ms']:.1f} ms | "
        f"{naive['p90_ms']:.1f} ms | {naive['max_ms']:.1f} ms | "
        f"{1000 / naive['p50_ms']:.1f} | |",
        f"| the largest call admitted ({largest['rows']:,} rows: {largest['updates']} updates "
        f"of 4,096, 4,874 parameters, 4,000 samples) | {largest['p50_ms']:.0f} ms | "
        f"{largest['p90_ms']:.0f} ms | {largest['max_ms']:.0f} ms | | |",
        "",
        f"At epoch {naive['epoch']} the carried state answers a frame "
        f"{naive['p50_ms'] / play['p50_ms']:.0f}× sooner than retraining, and the gap grows "
        "with every epoch. The browser's drawing comes on top of these times (its own budget, "
        "measured by the page's frame counter in the browser tests).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(run()))
