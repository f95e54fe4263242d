"""The process's Prometheus metrics, in a registry of its own (served at /metrics, and by
`stampcard worker` on METRICS_PORT). Counters only count; the outbox gauges are filled at scrape
time by `backend.observability`."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

REGISTRY = CollectorRegistry()
# Set by `stampcard serve` for its server processes before they start: each then keeps its values
# in files there, and any one of them answers /metrics with the sum of all.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram(
    "stampcard_http_request_duration_seconds",
    "Time to answer a request, by route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
STAMPS = Counter("stampcard_stamps_total", "Stamps given at tills and through the POS API.", registry=REGISTRY)
# Counted by the database driver itself (asyncpg's query logger, sqlite3's trace callback): every
# statement a request or job sends, BEGIN and COMMIT included, so a change that adds round trips shows.
DB_STATEMENTS = Counter(
    "stampcard_db_statements_total", "SQL statements sent to the database, counted by the driver.", registry=REGISTRY
)
REDEMPTIONS = Counter("stampcard_redemptions_total", "Rewards redeemed.", registry=REGISTRY)
CODES_SENT = Counter("stampcard_codes_sent_total", "One-time codes sent, by channel.", ["channel"], registry=REGISTRY)
WEBHOOK_FAILURES = Counter(
    "stampcard_webhook_failures_total",
    "Webhook attempts that failed; final=yes when the delivery was given up.",
    ["final"],
    registry=REGISTRY,
)
RATE_LIMIT_FALLBACKS = Counter(
    "stampcard_rate_limit_fallbacks_total",
    "Rate-limit hits counted in this process because Redis was unreachable.",
    registry=REGISTRY,
)
# Read from the database at scrape time, so with several processes the latest reading is the truth.
OUTBOX_DEPTH = Gauge(
    "stampcard_outbox_depth",
    "Rows waiting to be sent, per outbox.",
    ["outbox"],
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
OUTBOX_OLDEST_SECONDS = Gauge(
    "stampcard_outbox_oldest_age_seconds",
    "Age of the oldest row waiting, per outbox (0 when empty).",
    ["outbox"],
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)


def exposition() -> bytes:
    """The text /metrics answers: this process's metrics, or every server process's together."""
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
