"""``descentlab serve`` starts the lab; ``descentlab export`` writes lessons as HTML files.

With ``--workers N`` the listening socket is created here, with ``TCP_NODELAY`` and
``IPPROTO_TCP``, and handed to uvicorn's supervisor. uvicorn's own multi-worker socket
leaves ``proto`` at 0, so asyncio's event loop never sets ``TCP_NODELAY`` on accepted
connections and a keep-alive request can wait ~40 ms on the peer's delayed ACK (uvicorn
issue 3149). Linux copies ``TCP_NODELAY`` from the listener to every accepted socket, and
asyncio sets it again once it sees ``IPPROTO_TCP``; uvloop sets it in any case.

``descentlab export LESSON_ID --out FILE.html`` (or ``--all --out DIR``) writes standalone
pages that work from ``file://`` or any static host (``descentlab.export``).
"""

import argparse
import re
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

APP_FACTORY = "descentlab.api.app:create_app"


# An idle keep-alive connection is closed after this long (a proxy in front closes its
# own idle ones sooner: deploy/nginx.conf's upstream keepalive_timeout).
KEEP_ALIVE_S = 5


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket with Nagle's algorithm off, inheritable by worker processes."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def connection_limits() -> dict[str, Any]:
    """uvicorn's settings that bound what a client can hold open (see api/connections.py)."""
    from descentlab.api.connections import GuardedHttpToolsProtocol
    from descentlab.api.settings import get_settings

    settings = get_settings()
    return {
        "http": GuardedHttpToolsProtocol,
        "timeout_keep_alive": KEEP_ALIVE_S,
        "timeout_graceful_shutdown": settings.shutdown_timeout_s,
    }


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    display_host = f"[{host}]" if ":" in host else host
    print(f"Descent Lab: http://{display_host}:{port}/  (API docs at /docs)", flush=True)
    if workers == 1:
        from descentlab.api.app import create_app

        print("Compiling the default scenario first; ready when uvicorn says it is running.")
        uvicorn.run(
            create_app(),
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            **connection_limits(),
        )
        return
    # Each worker imports the app and runs its own warm-up, job queue and caches.
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        **connection_limits(),
    )
    print(
        f"{workers} worker processes share one listening socket (TCP_NODELAY); each compiles"
        " the default scenario first, ready when each says its start-up is complete.",
        flush=True,
    )
    Multiprocess(config, sockets=[listening_socket(host, port)]).run()


def _export(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from descentlab.core.precision import use_engine_precision
    from descentlab.export import UnknownLessonError, write_all, write_lesson

    use_engine_precision()  # a network lesson runs its experiment (core/precision.py)

    if args.all == (args.lesson is not None):
        parser.error("export: give one lesson id, or --all (not both)")
    if args.lab_url and not re.match(r"https?://[^\s\"'<>]+$", args.lab_url):
        parser.error("export: --lab-url must be an http:// or https:// address")

    def wrote(path: Path) -> None:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)", flush=True)

    try:
        if args.all:
            write_all(args.out, args.lab_url, progress=wrote)
        else:
            wrote(write_lesson(args.lesson, args.out, args.lab_url))
    except UnknownLessonError as unknown:
        print(f"descentlab export: {unknown}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="descentlab", description=(__doc__ or "").split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web lab")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (each compiles and keeps its own jobs: see the README)",
    )
    export = commands.add_parser(
        "export", help="write lessons as standalone HTML files that need no server"
    )
    export.add_argument("lesson", nargs="?", help="a lesson id (GET /api/lessons lists them)")
    export.add_argument("--all", action="store_true", help="every lesson, and an index.html")
    export.add_argument("--out", type=Path, required=True, help="the file (with --all: a folder)")
    export.add_argument(
        "--lab-url", help="the live lab's address: each page links to its lesson there"
    )
    from descentlab.core.experiments.registry import QUEUES

    worker = commands.add_parser(
        "worker", help="run queued experiments (needs DESCENTLAB_REDIS_URL; README: deploying)"
    )
    worker.add_argument(
        "--queue",
        action="append",
        choices=QUEUES,
        help=f"take this queue's jobs only (repeatable; default: all of {', '.join(QUEUES)})",
    )
    worker.add_argument(
        "--burst", action="store_true", help="stop once the queues are empty (for scripts)"
    )
    args = parser.parse_args(argv)
    if args.command == "worker":
        from descentlab.api.settings import get_settings
        from descentlab.worker import run_worker

        return run_worker(get_settings(), args.queue or list(QUEUES), burst=args.burst)
    if args.command == "serve" and args.workers < 1:
        parser.error("--workers must be at least 1")
    from descentlab.api.settings import get_settings
    from descentlab.assets import FrontendMissingError, require_frontend

    try:  # both serve and write the lab's pages: without them, say so and do nothing
        require_frontend(get_settings().frontend_dir)
    except FrontendMissingError as missing:
        print(f"descentlab {args.command}: {missing}", file=sys.stderr)
        return 1
    if args.command == "export":
        return _export(parser, args)
    if args.command == "serve":
        _serve(args.host, args.port, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
