"""Piccolo's entry point (used by `piccolo migrations ...`). Nothing is read at import: the app binds
its own engine at start (`backend.db.bind_engine` sets `DB`), and a bare `piccolo` command gets the
engine for DATABASE_URL on first use."""

from typing import Any

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(
    apps=[
        "backend.core.piccolo_app",
        "backend.club.piccolo_app",
        "backend.members.piccolo_app",
        "backend.accounts.piccolo_app",
        "backend.cards.piccolo_app",
        "backend.prepaid.piccolo_app",
        "backend.points.piccolo_app",
        "backend.messaging.piccolo_app",
        "backend.campaigns.piccolo_app",
        "backend.push.piccolo_app",
        "backend.integrations.piccolo_app",
        "backend.dashboard.piccolo_app",
    ]
)


def __getattr__(name: str) -> Any:
    if name != "DB":
        raise AttributeError(name)
    import os

    from backend.db import make_engine

    engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///var/stampcard.sqlite3"))
    globals()["DB"] = engine
    return engine
