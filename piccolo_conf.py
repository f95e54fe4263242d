"""Piccolo's entry point (used by `piccolo migrations ...`). The app binds its own engine at start."""

import os

from piccolo.conf.apps import AppRegistry

from backend.db import make_engine

DB = make_engine(os.environ.get("DATABASE_URL", "sqlite:///var/stampcard.sqlite3"))

APP_REGISTRY = AppRegistry(
    apps=[
        "backend.club.piccolo_app",
        "backend.members.piccolo_app",
        "backend.accounts.piccolo_app",
        "backend.cards.piccolo_app",
        "backend.messaging.piccolo_app",
        "backend.campaigns.piccolo_app",
        "backend.push.piccolo_app",
        "backend.integrations.piccolo_app",
    ]
)
