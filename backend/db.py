"""Database engines: SQLite (embedded default) or PostgreSQL, bound to every table at start."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiosqlite
import asyncpg
import msgspec
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from backend import metrics

BUSY_TIMEOUT_SECONDS = 30

# What a broken unique key raises, on either engine: the last line of defence against doubles.
UNIQUE_VIOLATIONS = (asyncpg.UniqueViolationError, sqlite3.IntegrityError)


T = TypeVar("T", bound=Table)


def table_row(table: type[T], row: dict[str, Any], prefix: str = "") -> T:
    """A table object from a raw row that holds its columns (named `prefix` + column), with JSON
    loaded as `.output(load_json=True)` does: for the hot paths that read two tables in one statement."""
    meta = table._meta
    values = {c._meta.name: row[prefix + c._meta.name] for c in meta.columns}
    for column in meta.json_columns:
        if isinstance(values[column._meta.name], str):
            values[column._meta.name] = msgspec.json.decode(values[column._meta.name])
    return table(**values, _exists_in_db=True)


SQLITE_IDLE_CONNECTIONS = 8  # kept open per process; more are opened when busy, and closed after


class TunedSQLiteEngine(SQLiteEngine):
    """SQLite for a web app: WAL, and connections that are kept open. Piccolo opens a new aiosqlite
    connection (a thread, a connect and its PRAGMAs) for every statement outside a transaction and
    for every transaction, and runs a PRAGMA before every statement in one: on the hot paths that
    cost more than the statements. Here each connection is set up once (foreign keys, busy timeout,
    synchronous=NORMAL) and goes back to a small idle list after use."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__(path=path, timeout=timeout)
        self._idle: list[Any] = []
        # How many idle connections are kept: none until `stampcard`'s start-up (`backend.startup`)
        # says so and takes the job of closing them; a one-off engine (a test's, a migration's)
        # closes each connection after use, as Piccolo does.
        self.keep_idle = 0
        self.writer = asyncio.Lock()  # this process's write transactions, one at a time (write_transaction)

    async def _open(self) -> Any:
        connecting = aiosqlite.connect(**self.connection_kwargs)
        # The connection's thread must not keep the process alive at exit while it sits idle.
        connecting._thread.daemon = True
        connection = await connecting
        connection.file_id = self._file_id()  # type: ignore[attr-defined]  # which file it has open (get_connection)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in ("foreign_keys = 1", f"busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}", "synchronous = NORMAL"):
            metrics.DB_STATEMENTS.inc()
            await connection.execute(f"PRAGMA {pragma}")
        return connection

    def _file_id(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    async def get_connection(self) -> Any:
        # A kept connection still reads the file it opened: when the file was replaced (a restore)
        # or removed, the idle ones go, and the next connection opens what is there now.
        if self._idle and self._idle[-1].file_id != self._file_id():
            await self.close_connections()
        return self._idle.pop() if self._idle else await self._open()

    async def give_back(self, connection: Any) -> None:
        if len(self._idle) < self.keep_idle and connection.file_id == self._file_id():
            self._idle.append(connection)
        else:
            await connection.close()

    async def close_connections(self) -> None:
        self.keep_idle = 0  # from here on each connection closes after use
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        return _KeptConnectionTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        """A statement outside a transaction: autocommit on a kept connection."""
        connection = await self.get_connection()
        metrics.DB_STATEMENTS.inc()
        try:
            async with connection.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
        except BaseException:
            await connection.close()  # its state is unknown: not reused
            raise
        await self.give_back(connection)
        return rows

    async def _run_in_existing_connection(
        self, connection: Any, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        """A statement in a transaction; the connection's PRAGMAs were set when it was opened."""
        metrics.DB_STATEMENTS.inc()
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()


class _KeptConnectionTransaction(SQLiteTransaction):
    """Piccolo's transaction, except that the connection goes back to the engine's idle list."""

    async def begin(self) -> None:
        metrics.DB_STATEMENTS.inc()
        await super().begin()  # type: ignore[no-untyped-call]

    async def commit(self) -> None:
        metrics.DB_STATEMENTS.inc()
        await super().commit()  # type: ignore[no-untyped-call]

    async def rollback(self) -> None:
        metrics.DB_STATEMENTS.inc()
        await super().rollback()  # type: ignore[no-untyped-call]

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        engine = self.engine
        assert isinstance(engine, TunedSQLiteEngine)
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            await self.connection.close()  # a failed COMMIT or ROLLBACK: not reused
            raise
        finally:
            engine.current_transaction.reset(self.context)
        await engine.give_back(self.connection)
        return exception is None


def _count_statement(_: object) -> None:
    metrics.DB_STATEMENTS.inc()


async def count_statements(connection: asyncpg.Connection) -> None:
    """The PostgreSQL pool's `init`: the driver counts each statement of this connection (asyncpg's
    query logger sees every execute, fetch, BEGIN and COMMIT). On SQLite the engine counts each
    statement it hands aiosqlite (sqlite3's trace callback repeats a statement for each trigger step)."""
    connection.add_query_logger(_count_statement)


class _OutageInOneLine(logging.Filter):
    """While the database is down, asyncpg logs a traceback at each try to reconnect its pool: the
    error's one line says as much."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and is_unreachable(record.exc_info[1] or Exception()):
            record.msg, record.args = f"{record.getMessage()}: {record.exc_info[1]}", ()
            record.exc_info = None
        return True


def make_engine(url: str) -> Engine[Any]:
    if url.startswith(("postgresql://", "postgres://")):
        pool_log = logging.getLogger("asyncpg.pool")
        if not any(isinstance(f, _OutageInOneLine) for f in pool_log.filters):
            pool_log.addFilter(_OutageInOneLine())
        return PostgresEngine(config={"dsn": url})
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        return TunedSQLiteEngine(path=path, timeout=BUSY_TIMEOUT_SECONDS)
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, got {url!r}")


async def close_pool(engine: PostgresEngine, grace_seconds: float = 10) -> None:
    """Waits for connections in use, then cuts them: shutdown must not hang on a stuck query."""
    pool = engine.pool
    if pool is None:
        return
    try:
        await asyncio.wait_for(pool.close(), grace_seconds)
    except TimeoutError:
        pool.terminate()
    engine.pool = None


def is_unreachable(exc: BaseException) -> bool:
    """The database is down or restarting, not a query at fault: the caller waits and tries again."""
    return isinstance(
        exc,
        OSError
        | TimeoutError
        | asyncpg.PostgresConnectionError  # the connection died, or could not be made
        | asyncpg.exceptions.OperatorInterventionError  # shutting down, or still starting up
        | asyncpg.InterfaceError,  # a pooled connection that was closed under it
    )


def is_postgres(engine: Engine[Any]) -> bool:
    return engine.engine_type == "postgres"


def all_tables() -> list[Any]:
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    return [*Finder().get_table_classes(), Migration]


def bind_engine(engine: Engine[Any]) -> None:
    """Point piccolo_conf and every table at `engine` (create_app decides the database, not imports)."""
    import piccolo_conf

    piccolo_conf.DB = engine
    for table in all_tables():
        table._meta.db = engine


async def prepare(engine: Engine[Any]) -> None:
    if isinstance(engine, SQLiteEngine):
        # WAL persists in the file; it lets readers run beside the single writer.
        await engine.run_ddl("PRAGMA journal_mode = WAL")


async def migrate(engine: Engine[Any]) -> None:
    """Brings the schema forward. Runs that start together queue on one lock, so each migration is
    applied once and every run succeeds (several app processes, or compose's one-shot step)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    bind_engine(engine)
    async with migration_lock(engine):
        await prepare(engine)
        await _refuse_an_older_schema()
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


# Any fixed number, the same in every process: the key of the advisory lock that serialises migrations.
MIGRATION_LOCK_KEY = 0x5354414D50  # "STAMP"


@asynccontextmanager
async def migration_lock(engine: Engine[Any]) -> AsyncIterator[None]:
    """PostgreSQL: a session advisory lock on a connection of its own (closing it releases the lock,
    even if this process dies). SQLite: an exclusive lock on a file beside the database; a lock
    inside the database would also shut out the migrations' own connection."""
    if isinstance(engine, PostgresEngine):
        connection = await asyncpg.connect(**engine.config)
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            yield
        finally:
            await connection.close()
        return
    assert isinstance(engine, SQLiteEngine)
    lock_file = os.open(f"{engine.path}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, lock_file, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock_file)  # closing the file releases the lock


@functools.cache
def known_migrations() -> frozenset[str]:
    """The migration ids this version ships, read once from the apps' folders."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.conf.apps import Finder

    manager = BaseMigrationManager()
    return frozenset(
        migration_id
        for app in Finder().get_app_configs()
        for migration_id in manager.get_migration_ids(manager.get_migration_modules(str(app.migrations_folder_path)))
    )


async def applied_migrations() -> set[str]:
    from piccolo.apps.migrations.tables import Migration

    if not await Migration.table_exists():
        return set()
    return {row["name"] for row in await Migration.select(Migration.name)}


async def pending_migrations() -> set[str]:
    """What `stampcard migrate` would still apply; a server is not ready while any is left."""
    return set(known_migrations()) - await applied_migrations()


async def _refuse_an_older_schema() -> None:
    """The migrations were squashed into one initial per app before the first deployment (issue 11):
    a database made by the earlier ones cannot be brought forward, and says so in one line."""
    unknown = await applied_migrations() - known_migrations()
    if unknown:
        raise SystemExit(
            f"This database was made by {len(unknown)} migrations this version no longer has (they were squashed): "
            "delete it (embedded SQLite: the file in var/) or point DATABASE_URL at a new one."
        )


@asynccontextmanager
async def write_transaction(engine: Engine[Any]) -> AsyncIterator[None]:
    """One writer at a time on SQLite (BEGIN IMMEDIATE); row locks do the job on PostgreSQL.

    On SQLite the writers of this process first queue on the engine's asyncio lock, in order: left
    to SQLite's busy handler, sixteen tills retry with sleeps of up to 100 ms each, and the unlucky
    one waits seconds. The busy timeout still covers another process (a `stampcard worker`)."""
    if isinstance(engine, TunedSQLiteEngine) and engine.current_transaction.get() is None:
        async with engine.writer, engine.transaction(transaction_type=TransactionType.immediate):
            yield
    elif isinstance(engine, SQLiteEngine):  # nested: the outer transaction holds the lock
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with forgotten_if_lost(engine), engine.transaction():
            yield


@asynccontextmanager
async def forgotten_if_lost(engine: Engine[Any]) -> AsyncIterator[None]:
    """Piccolo forgets a transaction only once its COMMIT or ROLLBACK has run. When the connection
    dies first (a database restart), the dead transaction would stay the current one for the rest
    of the task, and a worker's loop would fail on it forever: forget it here, and give its
    connection back to the pool, which replaces it."""
    before = engine.current_transaction.get()
    try:
        yield
    except BaseException:
        stale = engine.current_transaction.get()
        if stale is not None and stale is not before:
            engine.current_transaction.reset(stale.context)
            pool = getattr(engine, "pool", None)
            if pool is not None:
                with contextlib.suppress(Exception):
                    await pool.release(stale.connection)
        raise
