"""`make load`: a class of students on one server at once, against the issue's targets.

Starts ``descentlab serve`` on a free port (warm-up on, a fresh compilation cache), waits
for the warm-up to finish, compiles each request shape once, then runs the class
(bench/load_class.py) and measures the server's memory and CPU around it. Then the
keep-alive latency with several workers (bench/load_nodelay.py). Writes
docs/load_results.json and replaces the load section of docs/BENCHMARKS.md.

The targets (2-core machine): zero 5xx, p95 ≤ 250 ms for trajectory requests, memory
growth ≤ 100 MB. They are printed as PASS or MISS, never asserted: timing depends on the
machine and on what else runs on it.
"""

import argparse
import json
import os
import platform
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import load_nodelay, load_report
from bench import load_workloads as workloads
from bench.load_class import CLIENTS, MOVE_EVERY_S, ClassConfig, Records, Sample, run_class
from bench.load_server import Server, running
from bench.nginx_proxy import deployment_proxy
from bench.redis_server import redis_server, start_worker, stop

BENCHMARKS = load_report.DOCS / "BENCHMARKS.md"
P95_TARGET_MS = 250.0
GROWTH_TARGET_MB = 100.0


def _percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(0, min(len(sorted_values) - 1, round(q * len(sorted_values)) - 1))
    return sorted_values[rank]


def _latencies(samples: list[Sample]) -> dict[str, float | None]:
    ms = sorted(s.seconds * 1000 for s in samples if 200 <= s.status < 300)
    return {
        "p50_ms": _percentile(ms, 0.50),
        "p95_ms": _percentile(ms, 0.95),
        "p99_ms": _percentile(ms, 0.99),
        "max_ms": ms[-1] if ms else None,
    }


def _by_kind(samples: list[Sample], seconds: float) -> dict[str, dict[str, Any]]:
    kinds: dict[str, list[Sample]] = {}
    for sample in samples:
        kinds.setdefault(sample.kind, []).append(sample)
    out = {}
    for kind, group in sorted(kinds.items()):
        statuses = Counter(str(s.status) if s.status else s.error or "no answer" for s in group)
        out[kind] = {
            "count": len(group),
            "per_s": len(group) / seconds,
            **_latencies(group),
            "statuses": dict(statuses),
            "server_errors": sum(1 for s in group if s.status >= 500),
            "transport_errors": sum(1 for s in group if s.status == 0),
            "cache_hits": sum(1 for s in group if s.cache == "hit"),
        }
    return out


def _by_group(records: Records, config: ClassConfig) -> dict[str, dict[str, Any]]:
    lesson = round(config.lesson_share * config.students)
    sizes = {"random": config.students - lesson, "lesson": lesson}
    out = {}
    for name, students in sizes.items():
        races = [s for s in records.samples if s.kind == "trajectories" and s.group == name]
        if not students or not races:
            continue
        answered = [s for s in races if 200 <= s.status < 300]
        out[name] = {
            "students": students,
            "count": len(races),
            "updates_per_student_s": len(answered) / students / config.seconds,
            **_latencies(races),
            "cache_hit_share": sum(1 for s in races if s.cache == "hit") / len(races),
        }
    return out


def _jobs(records: Records) -> dict[str, Any]:
    outcomes = Counter(job.outcome for job in records.jobs)
    times = sorted(job.seconds for job in records.jobs if job.seconds is not None)
    return {
        "submitted": len(records.jobs),
        "done": outcomes["done"],
        "failed": outcomes["failed"],
        "rejected": outcomes["rejected"],
        "unfinished": outcomes["unfinished"],
        "p50_s": _percentile(times, 0.5) or 0.0,
        "max_s": times[-1] if times else 0.0,
    }


def _targets(requests: dict[str, dict[str, Any]], growth_mb: float) -> list[dict[str, Any]]:
    server_errors = sum(f["server_errors"] for f in requests.values())
    transport = sum(f["transport_errors"] for f in requests.values())
    p95 = requests.get("trajectories", {}).get("p95_ms")
    return [
        {
            "name": "zero 5xx (503 included) and no failed connections",
            "measured": f"{server_errors} × 5xx, {transport} failed",
            "passed": server_errors == 0 and transport == 0,
        },
        {
            "name": f"trajectory requests p95 ≤ {P95_TARGET_MS:.0f} ms",
            "measured": "–" if p95 is None else f"{p95:.0f} ms",
            "passed": p95 is not None and p95 <= P95_TARGET_MS,
        },
        {
            "name": f"memory growth ≤ {GROWTH_TARGET_MB:.0f} MB",
            "measured": f"{growth_mb:+.0f} MB",
            "passed": growth_mb <= GROWTH_TARGET_MB,
        },
    ]


def _first_use(url: str, workers: int) -> dict[str, float]:
    """Each request shape the class sends, once, before the run (what compiles on first
    use, so the memory it takes counts before the run, not as growth). With several
    workers, from several connections at once, so that every worker is likely to get
    some (each compiles for itself); the slowest is reported."""
    shapes = {
        "race on Rosenbrock": ("/api/trajectories", workloads.default_race()),
        "race on the valley": ("/api/trajectories", workloads.default_race(condition=100.0)),
        "grid of the valley": ("/api/grid", workloads.grid(100.0)),
    }

    def prime(seed: int) -> dict[str, float]:
        figures = {}
        with httpx.Client(base_url=url, timeout=120) as client:
            for name, (path, body) in shapes.items():
                started = time.perf_counter()
                client.post(path, json=body).raise_for_status()
                figures[name] = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            submitted = client.post("/api/experiments", json=workloads.small_training(seed))
            job = f"/api/experiments/{submitted.raise_for_status().json()['id']}"
            while client.get(job).json()["status"] in ("queued", "running"):
                time.sleep(0.2)
            figures["small train job"] = (time.perf_counter() - started) * 1000
        return figures

    connections = 1 if workers == 1 else 4 * workers
    with ThreadPoolExecutor(connections) as pool:
        runs = list(pool.map(prime, range(99_000, 99_000 + connections)))
    return {name: max(run[name] for run in runs) for name in runs[0]}


class _MemoryTimeline:
    """The server's resident memory every ``every_s`` seconds, from a thread."""

    def __init__(self, server: "Server | Processes", every_s: float = 2.0) -> None:
        self.points: list[tuple[float, float]] = []
        self._server, self._every_s = server, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "_MemoryTimeline":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        started = time.perf_counter()
        while not self._stop.is_set():
            self.points.append((time.perf_counter() - started, self._server.rss_mb()))
            self._stop.wait(self._every_s)


class Processes:
    """Several servers (each with its process tree) measured as one."""

    def __init__(self, *servers: Server) -> None:
        self.servers = servers

    def rss_mb(self) -> float:
        return sum(server.rss_mb() for server in self.servers)

    def cpu_s(self) -> float:
        return sum(server.cpu_s() for server in self.servers)


def _measured_run(
    url: str, processes: Server | Processes, config: ClassConfig, answering: int
) -> dict[str, Any]:
    """The class against ``url`` (``answering`` processes behind it, each compiling for
    itself), with ``processes``' memory and CPU around it."""
    first_use = _first_use(url, answering)
    rss_before, cpu_before = processes.rss_mb(), processes.cpu_s()
    load_average = os.getloadavg()[0]  # other work on the machine skews every figure
    print(f"{config.students} students for {config.seconds:.0f} s…", flush=True)
    with _MemoryTimeline(processes) as memory:
        records, wall, generator_cpu = run_class(url, config)
    rss_after, server_cpu = processes.rss_mb(), processes.cpu_s() - cpu_before
    requests = _by_kind(records.samples, config.seconds)
    growth = rss_after - rss_before
    return {
        "wall_s": wall,
        "load_average_before": load_average,
        "first_use_ms": first_use,
        "requests": requests,
        "groups": _by_group(records, config),
        "moves": {"made": records.moves, "sent": records.sent},
        "jobs": _jobs(records),
        "server": {
            "rss_before_mb": rss_before,
            "rss_after_mb": rss_after,
            "rss_growth_mb": growth,
            "rss_timeline_mb": [(round(t, 1), round(mb, 1)) for t, mb in memory.points],
            "cpu_s": server_cpu,
            "cores": server_cpu / wall,
        },
        "generator": {"cpu_s": generator_cpu, "cores": generator_cpu / wall},
        "targets": _targets(requests, growth),
    }


def measure_class(config: ClassConfig, workers: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as cache,
        running(cache_dir=Path(cache), workers=workers) as server,
    ):
        print(f"server ready in {server.seconds_to_ready:.1f} s (warm-up done)", flush=True)
        measured = _measured_run(server.url, server, config, workers)
    measured["server"]["ready_s"] = server.seconds_to_ready
    config_json = {**asdict(config), "workers": workers, "move_every_s": MOVE_EVERY_S}
    return {"config": config_json, **measured}


def measure_replicas(config: ClassConfig, replicas: int) -> dict[str, Any]:
    """The same class through deploy/nginx.conf (least connections, no affinity) in front
    of ``replicas`` web processes, with one ``descentlab worker`` and Redis: the compose
    setup's processes on this machine. Memory and CPU are all of them together."""
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        base = Path(folder)
        redis_url = stack.enter_context(redis_server(base / "redis"))
        environment = {
            "DESCENTLAB_REDIS_URL": redis_url,
            "DESCENTLAB_COMPUTE_SLOTS": "1",  # as docker-compose.yml sets per replica
            "DESCENTLAB_EXPERIMENT_QUEUE": "24",
            # The load generator is one address for the whole class (as a school NAT is).
            "DESCENTLAB_EXPERIMENT_SHARE": "24",
        }
        webs = [
            stack.enter_context(running(cache_dir=base / "cache", extra_env=environment))
            for _ in range(replicas)
        ]
        worker = start_worker(
            {**environment, "DESCENTLAB_COMPILATION_CACHE_DIR": str(base / "cache")}
        )
        stack.callback(stop, worker)
        ports = [int(web.url.rsplit(":", 1)[1]) for web in webs]
        url, nginx_pid = stack.enter_context(deployment_proxy(ports, base / "nginx"))
        print(f"{replicas} web replicas, a worker, Redis and nginx at {url}", flush=True)
        extra = [Server("", pid, 0.0) for pid in (worker.pid, nginx_pid, _redis_pid(redis_url))]
        measured = _measured_run(url, Processes(*webs, *extra), config, replicas)
    measured["server"]["ready_s"] = max(web.seconds_to_ready for web in webs)
    config_json = {**asdict(config), "workers": 1, "move_every_s": MOVE_EVERY_S}
    return {"config": config_json, "replicas": replicas, "job_workers": 1, **measured}


def _redis_pid(url: str) -> int:
    import redis

    pid: int = redis.Redis.from_url(url).info("server")["process_id"]
    return pid


def _print_summary(results: dict[str, Any]) -> None:
    for kind, f in results["requests"].items():
        print(
            f"{kind:>18}: {f['count']:6d} ({f['per_s']:6.1f}/s)  p50 {f['p50_ms'] or 0:7.1f}  "
            f"p95 {f['p95_ms'] or 0:7.1f}  p99 {f['p99_ms'] or 0:7.1f} ms  {f['statuses']}"
        )
    for target in results["targets"]:
        verdict = "PASS" if target["passed"] else "MISS"
        print(f"{verdict}  {target['name']}: {target['measured']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--lesson-share", type=float, default=0.2)
    parser.add_argument("--constant-share", type=float, default=0.15)
    parser.add_argument("--job-clients", type=int, default=3)
    parser.add_argument("--job-every", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--replicas",
        type=int,
        default=2,
        help="then the same class on this many web replicas, a worker and Redis behind "
        "nginx (0: skip; needs redis-server and nginx)",
    )
    parser.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="raw",
        help="the students' HTTP client (raw: bench/load_http.py, a quarter of httpx's CPU)",
    )
    parser.add_argument(
        "--skip-keep-alive",
        action="store_true",
        help="keep the previous keep-alive rows instead of measuring them again",
    )
    parser.add_argument("--output", type=Path, default=load_report.LOAD_RESULTS)
    parser.add_argument(
        "--no-docs", action="store_true", help="write the JSON only, not BENCHMARKS.md"
    )
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite BENCHMARKS.md from the JSON; no run"
    )
    args = parser.parse_args(argv)
    if args.render_only:
        _write_section(args.output)
        return
    config = ClassConfig(
        students=args.students,
        seconds=args.seconds,
        lesson_share=args.lesson_share,
        constant_share=args.constant_share,
        job_clients=args.job_clients,
        job_every_s=args.job_every,
        seed=args.seed,
        client=args.client,
    )
    results = measure_class(config, args.workers)
    _print_summary(results)
    if args.replicas:
        replicated = measure_replicas(config, args.replicas)
        _print_summary(replicated)
    previous = json.loads(args.output.read_text()) if args.output.exists() else {}
    if args.skip_keep_alive:
        keep_alive = previous.get("keep_alive")
        keep_alive_requests = previous.get("keep_alive_requests")
    else:
        print("keep-alive latency with several workers…", flush=True)
        keep_alive, keep_alive_requests = load_nodelay.run(), load_nodelay.REQUESTS
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    results = {
        "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine,
        **results,
        "keep_alive": keep_alive,
        "keep_alive_requests": keep_alive_requests,
        "replicated": replicated if args.replicas else previous.get("replicated"),
    }
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.output}")
    if not args.no_docs:
        _write_section(args.output)


def _write_section(results: Path) -> None:
    """Replace just the load section of BENCHMARKS.md (``make bench`` writes the rest)."""
    section = load_report.render(results)
    BENCHMARKS.write_text(load_report.replace_section(BENCHMARKS.read_text(), section))
    print(f"wrote the load section of {BENCHMARKS}")


if __name__ == "__main__":
    main()
