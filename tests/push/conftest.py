from tests.api.conftest import app, client, new_browser  # noqa: F401  (the same real app, reused)
