"""`/health` is liveness (no I/O); `/ready` names what keeps the process from serving."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from litestar import Litestar

from backend.app import create_app
from backend.db import known_migrations, make_engine, migrate
from backend.settings import Settings
from tests.api.conftest import running
from tests.conftest import ENGINE_NAME, _pg_admin


def _settings(database_url: str, redis_url: str = "") -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        redis_url=redis_url,
        secret_key="test-secret-" + "x" * 32,
        public_url="http://testserver.local",
        push_dispatcher="off",
    )


def _client(app: Litestar) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")


async def test_a_server_on_pending_migrations_is_alive_but_not_ready(fresh_database_url: str) -> None:
    app = create_app(_settings(fresh_database_url), run_migrations=False)
    async with running(app), _client(app) as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        response = await client.get("/ready")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"] == "not_ready"
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["migrations"].endswith("pending (run stampcard migrate)")
        assert "migrations" in body["detail"]

        await migrate(make_engine(fresh_database_url))
        response = await client.get("/ready")
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}


async def test_ready_names_an_unreachable_redis_and_health_stays_up(fresh_database_url: str) -> None:
    await migrate(make_engine(fresh_database_url))
    closed_port = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    app = create_app(_settings(fresh_database_url, redis_url=closed_port), run_migrations=False)
    async with running(app), _client(app) as client:
        assert (await client.get("/health")).status_code == 200
        response = await client.get("/ready")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "unreachable"}
        assert "redis unreachable" in response.json()["detail"]


async def test_ready_notices_when_the_database_goes_away(fresh_database_url: str) -> None:
    await migrate(make_engine(fresh_database_url))
    app = create_app(_settings(fresh_database_url), run_migrations=False)
    async with running(app), _client(app) as client:
        assert (await client.get("/ready")).status_code == 200
        if ENGINE_NAME == "postgres":
            name = fresh_database_url.rsplit("/", 1)[1]
            await _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')  # cuts the pool's connections too
            expected = {"database": "unreachable", "migrations": "unknown (no database)"}
        else:
            os.remove(Path(fresh_database_url.removeprefix("sqlite:///")))  # the next connection finds an empty file
            expected = {"database": "ok", "migrations": f"{len(known_migrations())} pending (run stampcard migrate)"}
        response = await client.get("/ready")
        assert response.status_code == 503
        assert response.json()["checks"] == expected
        assert (await client.get("/health")).status_code == 200
