"""`python -m router` (from apps/router): the router in a container, with the limits
router/server.py lists. `--port` (or `PORT`, default 8000), `--host` (0.0.0.0),
`--no-access-log` (uvicorn's access log is on by default; it never shows a `code=`)."""

from __future__ import annotations

import argparse
import os

import uvicorn

from router.server import server_options


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m router", description=__doc__)
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    args = parser.parse_args(argv)
    uvicorn.run(
        "router.local:app",
        host=args.host,
        port=args.port,
        access_log=args.access_log,
        log_level="warning" if not args.access_log else "info",
        **server_options(),
    )


if __name__ == "__main__":
    main()
