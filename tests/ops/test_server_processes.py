"""STAMPCARD_WORKERS=N: `stampcard serve` runs N server processes on one port, and any of them
answers /metrics with the counts of all."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from pathlib import Path

import httpx

from tests.ops.conftest import ROOT, free_port, stampcard_env


def _access_pids(log_file: Path, route: str) -> list[int]:
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    return [line["pid"] for line in lines if line.get("event") == "request" and line.get("route") == route]


async def test_two_server_processes_share_one_port_and_their_metrics(fresh_database_url: str, tmp_path: Path) -> None:
    port, log_file = free_port(), tmp_path / "serve.log"
    env = stampcard_env(fresh_database_url, STAMPCARD_PORT=str(port), STAMPCARD_WORKERS="2", PUSH_DISPATCHER="off")
    with log_file.open("wb") as out:
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backend.cli", "serve", cwd=ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        # Until both processes have started (a state in the log, polled).
        for _ in range(1200):
            if log_file.read_text().count("Application startup complete") == 2:
                break
            assert server.returncode is None, log_file.read_text()
            await asyncio.sleep(0.05)
        started = set(re.findall(r"Started server process \[(\d+)\]", log_file.read_text()))
        assert len(started) == 2, log_file.read_text()

        # New connections until each process has answered some (the kernel spreads them).
        sent = 0
        async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_keepalive_connections=0)) as client:
            while len(set(_access_pids(log_file, "/health"))) < 2:
                assert sent < 2000, "one process answered every request"
                answers = await asyncio.gather(*(client.get("/health") for _ in range(8)))
                assert all(answer.status_code == 200 for answer in answers)
                sent += len(answers)
            assert {str(pid) for pid in _access_pids(log_file, "/health")} == started
            # The access line is written after the request's metric, so once all are there, all counted.
            for _ in range(600):
                if len(_access_pids(log_file, "/health")) == sent:
                    break
                await asyncio.sleep(0.05)

            text = (await client.get("/metrics")).text
        counted = re.search(
            r'stampcard_http_request_duration_seconds_count\{method="GET",route="/health",status="200"\} (\S+)', text
        )
        assert counted and float(counted.group(1)) == sent  # both processes' requests, summed
    finally:
        server.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.wait(), 30) == 0, log_file.read_text()
