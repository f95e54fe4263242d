"""`stampcard backup FILE` and `stampcard restore FILE`: a consistent copy of a running database.

SQLite: the online backup API copies the file page by page while tills keep writing (each step sees
one committed state). PostgreSQL: `pg_dump --format=custom` (one snapshot, in one transaction) and
`pg_restore`, which must be the server's major version or newer. A restore goes into an empty
database only: it never overwrites a club."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

PAGES_PER_STEP = 1024  # a step holds the read lock this long; writers go on between steps


class BackupError(Exception):
    """One line for the operator: what went wrong and what to do."""


def backup(database_url: str, target: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} exists already: name a new file")
    if database_url.startswith("sqlite:///"):
        _copy_sqlite(_sqlite_path(database_url), target)
    else:
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}", database_url)


def restore(database_url: str, source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if database_url.startswith("sqlite:///"):
        path = _sqlite_path(database_url)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"{path} exists: restore into a new database (point DATABASE_URL at a new file)")
        path.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(source, path)
    else:
        if asyncio.run(_postgres_has_tables(database_url)):
            raise BackupError("the database is not empty: restore into a new one (createdb, then DATABASE_URL)")
        _run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={database_url}", str(source))


def _sqlite_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


def _copy_sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    partial = target.with_name(target.name + ".partial")  # a copy cut short is never taken for a backup
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
        src.backup(dst, pages=PAGES_PER_STEP)
    os.replace(partial, target)


async def _postgres_has_tables(database_url: str) -> bool:
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await connection.close()
    return bool(count)


def _run(program: str, *args: str) -> None:
    binary = shutil.which(program)
    if binary is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run([binary, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # The tool's own last line names the problem; the URL (with any password) is not repeated.
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise BackupError(f"{program} failed ({done.returncode}): {last[0]}")
