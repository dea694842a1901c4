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

from bench.browser import CHROMIUM, CHROMIUM_ARGS
from bench.server import serve, wait_for_background_warmup
from descentlab.core.experiments.live import MAX_ROWS, MAX_UPDATES

FRAMES = 100
PLAY_S = 6  # the browser plays this long
# Times every Plotly.react of the page (a global the page's modules call at each redraw).
_COUNT_REDRAWS = """() => {
  window.redraws = [];
  const react = Plotly.react;
  Plotly.react = async function (element, ...rest) {
    const started = performance.now();
    const out = await react.call(this, element, ...rest);
    window.redraws.push({ id: element.id, at: started, ms: performance.now() - started });
    return out;
  };
}"""
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


def _epoch(status: str) -> float:
    """The epoch in the page's status line ("epoch 87 · 870 updates of batch 32")."""
    return float(status.split()[1].replace(",", ""))


def browser_frames(url: str) -> dict[str, Any] | None:
    """The Networks page played for ``PLAY_S`` in Chromium: redraws a second of the
    decision boundary and the curves, the answers a second, the redraws' median time."""
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/networks.html")
        page.wait_for_selector("#live-play")
        page.click("#live-step")  # the first picture: not counted
        page.wait_for_function("() => document.getElementById('data-plot').data?.length > 2")
        page.evaluate(_COUNT_REDRAWS)
        before = _epoch(page.text_content("#live-epoch") or "")
        started = time.perf_counter()
        page.click("#live-play")
        page.wait_for_timeout(PLAY_S * 1000)
        page.click("#live-play")
        seconds = time.perf_counter() - started
        redraws = page.evaluate("() => window.redraws")
        after = _epoch(page.text_content("#live-epoch") or "")
        browser.close()
    figures: dict[str, Any] = {"seconds": seconds, "epochs": after - before}
    for element in ("data-plot", "curves-plot"):
        mine = [r for r in redraws if r["id"] == element]
        span = (mine[-1]["at"] - mine[0]["at"]) / 1000 if len(mine) > 1 else 0.0
        figures[element] = {
            "per_s": (len(mine) - 1) / span if span else 0.0,
            "median_ms": statistics.median(r["ms"] for r in mine) if mine else 0.0,
        }
    return figures


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
        page = browser_frames(server.url)
    return {
        "play": play,
        "step": step,
        "regularized": regularized,
        "naive": {**_percentiles(naive), "epoch": NAIVE_EPOCH},
        "largest": {**_percentiles(largest), "updates": largest_updates, "rows": rows},
        "browser": page,
    }


def _browser_lines(page: dict[str, Any] | None) -> list[str]:
    if page is None:
        return ["", "(No Chromium here: the page's own frame rate was not measured.)", ""]
    data, curves = page["data-plot"], page["curves-plot"]
    return [
        f"In Chromium (1400 × 1000, the page's Play for {PLAY_S} s, its default speed of one "
        f"epoch a frame): the decision boundary redrawn {data['per_s']:.1f} times a second "
        f"(each redraw {data['median_ms']:.0f} ms, median), the curves {curves['per_s']:.1f} "
        f"times a second ({curves['median_ms']:.0f} ms), and {page['epochs']:.0f} epochs "
        f"trained in {page['seconds']:.1f} s: the answers come faster than Plotly draws, and "
        "each plot draws the newest frame at most every 80 ms.",
        "",
    ]


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
        *_browser_lines(figures["browser"]),
        f"At epoch {naive['epoch']} the carried state answers a frame "
        f"{naive['p50_ms'] / play['p50_ms']:.0f}× sooner than retraining, and the gap grows "
        "with every epoch.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(run()))
