import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="integrations",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["backend.integrations.tables"], exclude_imported=True),
    # cards and club too: the configuration generation's triggers watch their tables.
    migration_dependencies=[
        "backend.accounts.piccolo_app",
        "backend.cards.piccolo_app",
        "backend.club.piccolo_app",
        "backend.points.piccolo_app",
    ],
    commands=[],
)
