"""The load section of docs/BENCHMARKS.md, rendered from docs/load_results.json.

``make load`` (bench/load.py) writes the JSON and replaces just this section, between its
markers, in the existing BENCHMARKS.md; ``make bench`` re-renders it from the JSON, so the
rows survive a benchmark run that did not repeat the load test.
"""

import json
import textwrap
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs"
LOAD_RESULTS = DOCS / "load_results.json"
BEGIN = "<!-- load:begin (written by make load from docs/load_results.json) -->"
END = "<!-- load:end -->"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _statuses(figures: dict[str, Any]) -> str:
    counts = figures["statuses"]
    return ", ".join(f"{code}: {n:,}" for code, n in sorted(counts.items())) or "–"


def _request_rows(requests: dict[str, dict[str, Any]]) -> list[tuple[str, ...]]:
    return [
        (
            kind,
            f"{f['count']:,}",
            f"{f['per_s']:.1f}",
            _ms(f["p50_ms"]),
            _ms(f["p95_ms"]),
            _ms(f["p99_ms"]),
            f"{f['cache_hits']:,}",
            _statuses(f),
        )
        for kind, f in requests.items()
    ]


def _group_rows(groups: dict[str, dict[str, Any]]) -> list[tuple[str, ...]]:
    return [
        (
            name,
            str(f["students"]),
            f"{f['count']:,}",
            f"{f['updates_per_student_s']:.1f}",
            _ms(f["p50_ms"]),
            _ms(f["p95_ms"]),
            f"{f['cache_hit_share']:.0%}",
        )
        for name, f in groups.items()
    ]


def _keep_alive_table(rows: list[dict[str, Any]]) -> str:
    body = []
    for row in rows:
        figures = row["figures"]
        body.append(
            (
                row["setup"],
                row["loop"],
                *(
                    _ms(figures[client][payload]["p50_ms"])
                    for client in ("httpx", "http.client")
                    for payload in ("small", "large")
                ),
            )
        )
    return _table(
        (
            "server",
            "event loop",
            "httpx, small",
            "httpx, large",
            "http.client, small",
            "http.client, large",
        ),
        body,
    )


def _targets(targets: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return [(t["name"], t["measured"], "PASS" if t["passed"] else "MISS") for t in targets]


def _prose(*sentences: str) -> str:
    """One Markdown paragraph, wrapped (the figures make its lines' lengths unpredictable)."""
    return textwrap.fill(
        " ".join(sentences), width=92, break_long_words=False, break_on_hyphens=False
    )


def _setup(data: dict[str, Any]) -> str:
    config = data["config"]
    workers = "1 worker" if config["workers"] == 1 else f"{config['workers']} workers"
    first_use = ", ".join(f"{kind} {_ms(ms)}" for kind, ms in data["first_use_ms"].items())
    return _prose(
        f"Written by `make load` (`python -m bench.load`) on {data['when']}, {data['machine']}",
        f"(1-minute load average {data['load_average_before']:.1f} just before the run);",
        f"the server (`descentlab serve`, {workers}, warm-up done) and the load generator",
        f"share the machine. {config['students']} students for {config['seconds']:.0f} s:",
        f"each drags a slider ({1 / config['move_every_s']:.0f} values a second, latest wins:",
        "one request in flight, then only the newest value);",
        f"{config['constant_share']:.0%} of moves change the elongated valley's κ (grid 128²",
        "and race), the others a run's learning rate (the UI's default race: 4 runs × 500",
        f"steps, ~350 kB of JSON). {config['lesson_share']:.0%} of the students follow one",
        "lesson (identical requests); the others' values are their own.",
        f"{config['job_clients']} more clients each start a small `train` job every",
        f"{config['job_every_s']:.0f} s and follow its events to the end. Each request shape",
        f"was sent once before the run (its first use compiles): {first_use}.",
    )


def _keep_alive_part(data: dict[str, Any]) -> str:
    if not data.get("keep_alive"):
        return ""
    prose = _prose(
        "Sequential keep-alive requests on one connection, p50 of",
        f"{data['keep_alive_requests']} after 5 warm-up requests: small is `GET /api/health`",
        "(~100 B), large the default race (~350 kB, a response-cache hit). uvicorn's own",
        "multi-worker socket leaves Nagle's algorithm on under asyncio's event loop (the",
        "response's body waits for the client's delayed ACK of its headers); uvloop, which",
        "`uvicorn[standard]` installs and uvicorn picks, sets `TCP_NODELAY` on every",
        "connection itself; `descentlab serve --workers N` creates the listening socket with",
        "`TCP_NODELAY` (and `IPPROTO_TCP`, so that asyncio sets it too).",
    )
    return (
        "\n### Keep-alive latency with several workers (uvicorn issue 3149)\n\n"
        f"{prose}\n\n{_keep_alive_table(data['keep_alive'])}\n"
    )


def _replicated_part(data: dict[str, Any]) -> str:
    """The same class on web replicas, a worker and Redis behind nginx (``--replicas``)."""
    run = data.get("replicated")
    if not run:
        return ""
    server, jobs = run["server"], run["jobs"]
    prose = _prose(
        "The same class, in the same `make load`, through deploy/nginx.conf (least",
        f"connections, no affinity) in front of {run['replicas']} `descentlab serve`",
        "processes (one compute slot each, as docker-compose.yml sets), with one",
        "`descentlab worker` running the jobs and Redis holding them, the rate buckets and",
        "the response cache: the compose setup's processes, all on this machine's cores with",
        "the load generator. Every poll and event stream may land on either web process.",
    )
    jobs_line = _prose(
        f"Jobs: {jobs['submitted']} submitted, {jobs['done']} done, {jobs['rejected']}",
        f"refused (queue full), {jobs['unfinished']} unfinished; submit → done p50",
        f"{jobs['p50_s']:.1f} s, max {jobs['max_s']:.1f} s.",
    )
    server_line = _prose(
        "All the lab's processes (web replicas, worker, Redis, nginx): resident memory",
        f"{server['rss_before_mb']:.0f} MB before the run, {server['rss_after_mb']:.0f} MB",
        f"after ({server['rss_growth_mb']:+.0f} MB); CPU {server['cpu_s']:.0f} s in",
        f"{run['wall_s']:.0f} s ({server['cores']:.2f} cores).",
    )
    request_table = _table(
        ("requests", "count", "per s", "p50", "p95", "p99", "cache hits", "statuses"),
        _request_rows(run["requests"]),
    )
    parts = [
        f"\n### {run['replicas']} web replicas, a worker and Redis behind nginx",
        prose,
        _table(("target", "measured", ""), _targets(run["targets"])),
        request_table,
        jobs_line,
        server_line,
    ]
    return "\n\n".join(parts) + "\n"


def render(path: Path = LOAD_RESULTS) -> str:
    """Markdown for the load section, between its markers (a line if none was recorded)."""
    if not path.exists():
        return f"{BEGIN}\n## Load\n\nNo load test recorded yet (`make load`).\n{END}\n"
    data = json.loads(path.read_text())
    server, generator, jobs, moves = data["server"], data["generator"], data["jobs"], data["moves"]
    request_table = _table(
        ("requests", "count", "per s", "p50", "p95", "p99", "cache hits", "statuses"),
        _request_rows(data["requests"]),
    )
    group_table = _table(
        ("students", "n", "races", "new paths / student / s", "p50", "p95", "cache hits"),
        _group_rows(data["groups"]),
    )
    moves_line = _prose(
        f"Latencies are of 2xx answers. Slider moves: {moves['made']:,} made,",
        f"{moves['sent']:,} sent ({moves['sent'] / max(moves['made'], 1):.0%}; the rest were",
        "overtaken while a request was in flight, as in the UI).",
    )
    jobs_line = _prose(
        f"Jobs: {jobs['submitted']} submitted, {jobs['done']} done, {jobs['rejected']}",
        f"refused (queue full), {jobs['unfinished']} unfinished; submit → done p50",
        f"{jobs['p50_s']:.1f} s, max {jobs['max_s']:.1f} s.",
    )
    server_line = _prose(
        f"Server: resident memory {server['rss_before_mb']:.0f} MB after the warm-up,",
        f"{server['rss_after_mb']:.0f} MB after the run ({server['rss_growth_mb']:+.0f} MB);",
        f"CPU {server['cpu_s']:.0f} s in {data['wall_s']:.0f} s ({server['cores']:.2f}",
        f"cores). The load generator: {generator['cpu_s']:.0f} s of CPU",
        f"({generator['cores']:.2f} cores).",
    )
    parts = [
        f"## Load: a class of {data['config']['students']} students",
        _setup(data),
        _table(("target", "measured", ""), _targets(data["targets"])),
        request_table,
        moves_line,
        group_table,
        jobs_line,
        server_line,
    ]
    return (
        f"{BEGIN}\n"
        + "\n\n".join(parts)
        + f"\n{_replicated_part(data)}{_keep_alive_part(data)}{END}\n"
    )


def replace_section(markdown: str, section: str, begin: str = BEGIN, end: str = END) -> str:
    """``markdown`` with the section between ``begin`` and ``end`` swapped for ``section``
    (appended if absent)."""
    if begin in markdown and end in markdown:
        head, rest = markdown.split(begin, 1)
        tail = rest.split(end, 1)[1]
        return head + section.rstrip("\n") + tail
    return markdown.rstrip("\n") + "\n\n" + section


def write_section(section: str, begin: str, end: str) -> None:
    """Replace one marked section of docs/BENCHMARKS.md (for the benchmarks run alone)."""
    report = DOCS / "BENCHMARKS.md"
    report.write_text(replace_section(report.read_text(), section, begin, end))
