"""``descentlab serve``: start the lab and say where it is."""

import argparse
import sys
from collections.abc import Sequence


def _serve(host: str, port: int) -> None:
    import uvicorn

    from descentlab.api.app import create_app

    display_host = f"[{host}]" if ":" in host else host
    print(f"Descent Lab: http://{display_host}:{port}/  (API docs at /docs)", flush=True)
    print("Compiling the default scenario first; ready when uvicorn says it is running.")
    uvicorn.run(create_app(), host=host, port=port, log_level="info", access_log=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="descentlab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web lab")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
