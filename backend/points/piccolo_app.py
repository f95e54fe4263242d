import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="points",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["backend.points.tables"], exclude_imported=True),
    migration_dependencies=[
        "backend.club.piccolo_app",
        "backend.members.piccolo_app",
        "backend.accounts.piccolo_app",
        "backend.cards.piccolo_app",
    ],
    commands=[],
)
