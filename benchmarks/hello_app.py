"""The bare Litestar app that `member_home.py` measures GET /api/me against: `@get("/")` returning a dict,
served by uvicorn with the settings `stampcard serve` uses (backend/cli.py `_serve`: a factory, the
workers, host and port, no proxy headers, log level info, no uvicorn access line, the graceful stop).

    .venv/bin/python benchmarks/hello_app.py --port 8001 [--workers 1]
"""

from __future__ import annotations

import argparse
import sys

from litestar import Litestar, get

STOP_GRACE_SECONDS = 25  # backend.worker.STOP_GRACE_SECONDS; _serve waits 5 s less for requests in flight


@get("/")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


def create_app() -> Litestar:
    return Litestar([hello])


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description="a bare Litestar hello app under uvicorn")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    uvicorn.run(
        "benchmarks.hello_app:create_app",
        factory=True,
        workers=args.workers,
        host=args.host,
        port=args.port,
        proxy_headers=False,
        forwarded_allow_ips=None,
        log_level="info",
        access_log=False,  # `stampcard serve` turns uvicorn's access line off too (it writes its own)
        timeout_graceful_shutdown=STOP_GRACE_SECONDS - 5,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
