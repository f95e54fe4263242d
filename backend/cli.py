"""`stampcard`: serve, migrate, demo data and staff accounts."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from backend import logs
from backend.settings import Settings, SettingsError, settings_from_env

if TYPE_CHECKING:
    from backend.context import AppContext


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except SettingsError as exc:  # a wrong setting is the operator's to fix: one line, no traceback
        print(f"stampcard: {exc}", file=sys.stderr)
        return 2


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="stampcard", description="Digital Stampcard")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web app (migrates the embedded database first)")
    serve.add_argument("--demo", action="store_true", help="load demo data when the database is empty")
    sub.add_parser("migrate", help="run database migrations (a separate step in production)")
    sub.add_parser("worker", help="the background loop: campaigns, scheduled messages, pushes, webhooks")
    sub.add_parser("vapid", help="print a new VAPID key pair for VAPID_PRIVATE_KEY")
    sub.add_parser("demo", help="load demo data into an empty database")
    sub.add_parser("routes", help="list every API route: method, path, operation id, file:line")
    backup = sub.add_parser("backup", help="copy the database to FILE while the app runs (restore puts it back)")
    backup.add_argument("file")
    restore = sub.add_parser("restore", help="restore a backup FILE into an empty database")
    restore.add_argument("file")
    probe = sub.add_parser("probe", help="ask this machine's server for /health or /ready (container health checks)")
    probe.add_argument("path", choices=["/health", "/ready"])
    init = sub.add_parser("init", help="create the club (business) in an empty database")
    init.add_argument("--name", required=True)
    staff = sub.add_parser("create-staff", help="create a staff or owner account")
    staff.add_argument("--username", required=True)
    staff.add_argument("--name", required=True)
    staff.add_argument("--role", choices=["staff", "manager", "owner"], default="staff")
    staff.add_argument("--store", help="store slug (required for staff)")
    staff.add_argument("--password", help="omit to be asked, or to generate one with --generate")
    staff.add_argument("--generate", action="store_true", help="generate and print a password")
    args = parser.parse_args(argv)
    settings = settings_from_env()
    logs.configure(settings)
    if args.command == "serve":
        return _serve(settings, demo=args.demo)
    if args.command == "vapid":
        from backend.push.vapid import new_private_key

        private, public = new_private_key()
        print(f"VAPID_PRIVATE_KEY={private}\n# public (application server) key: {public}")
        return 0
    if args.command == "routes":
        from backend.app import create_app
        from backend.route_table import route_table

        print("\n".join(route_table(create_app(settings, run_migrations=False, start_dispatcher=False))))
        return 0
    if args.command == "worker":
        return asyncio.run(_worker(settings))
    if args.command in ("backup", "restore"):
        return _backup_or_restore(settings, args.command, Path(args.file))
    if args.command == "probe":
        return _probe(settings, args.path)
    return asyncio.run(_run(settings, args))


def _backup_or_restore(settings: Settings, command: str, file: Path) -> int:
    from backend import backup

    try:
        (backup.backup if command == "backup" else backup.restore)(settings.database_url, file)
    except backup.BackupError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 1
    print(f"{command}: done ({file})")
    return 0


def _probe(settings: Settings, path: str) -> int:
    """0 when the local server answers `path` with 200. It asks as the public host: the allowed-hosts
    check refuses `Host: localhost` in production."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    request = urllib.request.Request(
        f"http://127.0.0.1:{settings.port}{path}", headers={"Host": urlsplit(settings.public_url).netloc}
    )
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1


def _serve(settings: Settings, *, demo: bool) -> int:
    import uvicorn

    from backend.worker import STOP_GRACE_SECONDS

    asyncio.run(_prepare(settings, demo))
    with _metrics_shared_by(settings.server_processes):
        uvicorn.run(
            "backend.app:app_from_env",
            factory=True,
            workers=settings.server_processes,
            host=settings.host,
            port=settings.port,
            proxy_headers=settings.trust_forwarded_headers,
            forwarded_allow_ips=settings.forwarded_allow_ips if settings.trust_forwarded_headers else None,
            log_level="info",
            # SIGTERM: stop accepting, let requests in flight finish (then the in-process worker's round).
            timeout_graceful_shutdown=STOP_GRACE_SECONDS - 5,
        )
    return 0


@contextmanager
def _metrics_shared_by(processes: int) -> Iterator[None]:
    """Several server processes keep their metrics in one directory, so /metrics sums them all."""
    if processes == 1:
        yield
        return
    from backend.metrics import MULTIPROCESS_DIR

    with tempfile.TemporaryDirectory(prefix="stampcard-metrics-") as directory:
        os.environ[MULTIPROCESS_DIR] = directory  # read by each process's prometheus_client at import
        try:
            yield
        finally:
            del os.environ[MULTIPROCESS_DIR]


async def _prepare(settings: Settings, demo: bool) -> None:
    if settings.is_production:
        if demo:
            raise SystemExit("Demo data is refused in production.")
        return  # production runs `stampcard migrate` as its own step before the app starts
    from backend.startup import open_context

    async with open_context(settings, run_migrations=True) as ctx:  # embedded mode: migrations run at start
        if demo:
            from backend import demo as demo_data

            if await demo_data.is_empty():
                logins = await demo_data.load_demo(ctx)
                print("\nDemo data loaded: café 'Kaffe & Kanel', two stores, ~50 members.")
            else:
                logins = [(u, p, r) for u, p, _, r, _ in demo_data.DEMO_LOGINS]
            print(f"\n  Open {settings.public_url}  (members: /join, staff: /staff/login)")
            for username, password, role in logins:
                print(f"  {role:6} login: {username} / {password}")
            print()


async def _worker(settings: Settings) -> int:
    import signal

    from backend.startup import open_context
    from backend.worker import run_worker

    if settings.metrics_port:
        from prometheus_client import start_http_server

        from backend.metrics import REGISTRY

        start_http_server(settings.metrics_port, addr=settings.host, registry=REGISTRY)  # GET /metrics on it
    async with open_context(settings, pool_size=min(settings.db_pool_size, 10)) as ctx:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)  # finish the round in flight, then exit
        await run_worker(ctx, stop)
    return 0


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    from backend.startup import open_context

    async with open_context(settings, run_migrations=True, pool_size=2) as ctx:
        if args.command == "migrate":
            return 0
        return await _command(ctx, args)


async def _command(ctx: AppContext, args: argparse.Namespace) -> int:
    settings = ctx.settings
    if args.command == "demo":
        from backend import demo as demo_data

        if settings.is_production:
            print("Demo data is refused in production.", file=sys.stderr)
            return 2
        if not await demo_data.is_empty():
            print("The database already has a club; demo data is only loaded into an empty one.", file=sys.stderr)
            return 1
        for username, password, role in await demo_data.load_demo(ctx):
            print(f"{role} login: {username} / {password}")
        return 0
    if args.command == "init":
        from backend import demo as demo_data

        if not await demo_data.is_empty():
            print("The club already exists.", file=sys.stderr)
            return 1
        await demo_data.create_club(ctx, args.name)
        print(f"Created club {args.name!r}. Add stores and staff next.")
        return 0
    return await _create_staff(ctx, args)


async def _create_staff(ctx: AppContext, args: argparse.Namespace) -> int:
    from backend.accounts.passwords import hash_password
    from backend.accounts.tables import StaffAccount
    from backend.club.tables import Store

    store_id = None
    if args.store:
        store = await Store.objects().where(Store.slug == args.store).first()
        if store is None:
            print(f"No store with slug {args.store!r}.", file=sys.stderr)
            return 1
        store_id = store.id
    elif args.role != "owner":
        print("Staff accounts are bound to a store: pass --store.", file=sys.stderr)
        return 1
    password = args.password or (secrets.token_urlsafe(12) if args.generate else getpass.getpass("Password: "))
    if len(password) < 8:
        print("The password must have at least 8 characters.", file=sys.stderr)
        return 1
    await StaffAccount.insert(
        StaffAccount(
            username=args.username.lower(),
            name=args.name,
            password_hash=hash_password(password),
            role=args.role,
            store=store_id,
            created_at=ctx.clock.now(),
        )
    )
    print(f"Created {args.role} {args.username!r}" + (f" with password {password}" if args.generate else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
