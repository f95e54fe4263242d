"""docker-compose.yml, the Dockerfile and the Caddyfile as production runs them. (Docker itself is
not on the test machines, so this reads the files; the settings they give go through the app's own
validation.)"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from backend.settings import settings_from_env
from tests.ops.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SECRET_VARIABLES = {
    "SECRET_KEY",
    "DATABASE_URL",
    "VAPID_PRIVATE_KEY",
    "SMTP_PASSWORD",
    "METRICS_TOKEN",
    "POSTGRES_PASSWORD",
}


def test_secrets_come_as_docker_secrets_never_as_environment_variables() -> None:
    for name, service in SERVICES.items():
        environment = service.get("environment", {})
        assert not SECRET_VARIABLES & set(environment), f"{name} has a secret in its environment"
        for variable, path in environment.items():
            if variable.endswith("_FILE"):
                secret = path.removeprefix("/run/secrets/")
                assert secret in service["secrets"] and secret in COMPOSE["secrets"], f"{name}: {variable}"
    env_example = (ROOT / "deploy/stampcard.env.example").read_text()
    assert not any(re.match(rf"^{variable}=", env_example, re.M) for variable in SECRET_VARIABLES)
    assert "deploy/secrets/" in (ROOT / ".gitignore").read_text().splitlines()


def test_every_service_rotates_its_logs_and_restarts_unless_it_is_a_one_off() -> None:
    for name, service in SERVICES.items():
        assert service["logging"]["options"]["max-size"] and service["logging"]["options"]["max-file"], name
        assert service["restart"] == ("no" if name == "migrate" else "unless-stopped"), name


def test_only_the_proxy_is_published_and_the_app_trusts_forwarded_headers_from_it_alone() -> None:
    assert [name for name, service in SERVICES.items() if service.get("ports")] == ["proxy"]
    proxy_address = SERVICES["proxy"]["networks"]["edge"]["ipv4_address"]
    for name in ("app", "worker", "migrate"):
        assert SERVICES[name]["environment"]["FORWARDED_ALLOW_IPS"] == proxy_address
    caddyfile = (ROOT / "deploy/Caddyfile").read_text()
    assert re.search(r"dynamic a \{\s*name app\s*port 8000", caddyfile)


def test_the_compose_settings_pass_the_apps_own_validation(tmp_path: Path) -> None:
    secrets = {
        "database_url": "postgresql://stampcard:pw@postgres:5432/stampcard",
        "secret_key": "k" * 48,
        "vapid_private_key": "",
        "metrics_token": "m" * 48,
        "smtp_password": "",
    }
    for name, value in secrets.items():
        (tmp_path / name).write_text(value + "\n")
    env_file = dict(
        line.split("=", 1)
        for line in (ROOT / "deploy/stampcard.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name in ("app", "worker", "migrate"):
        environment = {
            variable: str(value).replace("/run/secrets", str(tmp_path))
            for variable, value in SERVICES[name]["environment"].items()
        }
        settings = settings_from_env({**env_file, **environment})
        assert settings.is_production and settings.trust_forwarded_headers
        assert settings.database_url == secrets["database_url"] and settings.server_processes == 2


def test_the_image_installs_the_locked_hashes_runs_as_a_user_and_checks_its_health() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements/app.lock" in dockerfile
    assert re.search(r"^USER stampcard", dockerfile, re.M)
    assert re.search(r'^HEALTHCHECK .*"stampcard", "probe", "/health"', dockerfile, re.M)
    assert SERVICES["app"]["healthcheck"]["test"] == ["CMD", "stampcard", "probe", "/ready"]
