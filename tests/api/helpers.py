"""Phones and tills for API tests: each Browser has its own cookie jar and device key."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Litestar

from backend.accounts.passwords import hash_password
from backend.accounts.tables import StaffAccount
from backend.club.tables import Store
from backend.context import AppContext
from backend.demo import create_club
from digital_stampcard import member_qr

STAFF = {"kasse1": "passord-kasse1", "kasse2": "passord-kasse2", "eier": "passord-eier", "sluttet": "passord-sluttet"}
_HASHES: dict[str, str] = {}  # Argon2 is slow on purpose; hash each test password once per run


def password_hash(username: str) -> str:
    if username not in _HASHES:
        _HASHES[username] = hash_password(STAFF[username])
    return _HASHES[username]


async def seed_club(app: Litestar) -> None:
    ctx: AppContext = app.state["ctx"]
    now = ctx.clock.now()
    await create_club(ctx, "Testkaffe")
    ids = []
    for slug, name in [("sentrum", "Sentrum"), ("bryggen", "Bryggen")]:
        rows = await Store.insert(Store(slug=slug, name=name, created_at=now)).returning(Store.id)
        ids.append(rows[0]["id"])
    for username, store, role, disabled in [
        ("kasse1", ids[0], "staff", False),
        ("kasse2", ids[1], "staff", False),
        ("eier", None, "owner", False),
        ("sluttet", ids[0], "staff", True),
    ]:
        await StaffAccount.insert(
            StaffAccount(
                username=username,
                name=username.title(),
                password_hash=password_hash(username),
                role=role,
                store=store,
                created_at=now,
                disabled_at=now if disabled else None,
            )
        )


def new_device_key() -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return key, base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Browser:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf: str | None = None
        self.key, self.public_key = new_device_key()
        self.device_id: str | None = None

    async def ensure_csrf(self) -> None:
        if self.csrf is None:
            await self.client.get("/api/config")
            self.csrf = self.client.cookies.get("csrftoken")

    async def get(self, url: str, **kw: Any) -> Any:
        return await self.client.get(url, **kw)

    async def post(
        self, url: str, json: Any = None, *, key: str | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        await self.ensure_csrf()
        h = {"x-csrftoken": self.csrf or ""}
        if key:
            h["Idempotency-Key"] = key
        h.update(headers or {})
        return await self.client.post(url, json=json, headers=h)

    async def patch(self, url: str, json: Any = None) -> Any:
        await self.ensure_csrf()
        return await self.client.patch(url, json=json, headers={"x-csrftoken": self.csrf or ""})

    async def latest_code(self, to: str) -> str:
        response = await self.client.get("/api/dev/outbox", params={"to": to})
        return str(response.json()[0]["code"])

    async def join(self, identifier: str = "912 34 567", **start: Any) -> dict[str, Any]:
        body = {"identifier": identifier, "purpose": "join", "terms_accepted": True, **start}
        response = await self.post("/api/auth/otp/start", body)
        assert response.status_code == 202, response.text
        code = await self.latest_code(identifier)
        verified = await self.post(
            "/api/auth/otp/verify",
            {
                "identifier": identifier,
                "code": code,
                "device_public_key": self.public_key,
                "device_label": "test phone",
            },
        )
        assert verified.status_code == 200, verified.text
        self.device_id = verified.json()["device_id"]
        return dict(verified.json())

    def qr(self, step: int, version: str = member_qr.VERSION) -> str:
        assert self.device_id
        return member_qr.sign_token(self.key, self.device_id, step, version)

    async def staff_login(self, username: str = "kasse1") -> Any:
        response = await self.post("/api/staff/login", {"username": username, "password": STAFF[username]})
        assert response.status_code == 200, response.text
        return response.json()

    async def scan(self, code: str, other_readings: list[str] | None = None) -> Any:
        body: dict[str, Any] = {"code": code}
        if other_readings is not None:
            body["other_readings"] = other_readings
        return await self.post("/api/staff/scans", body)

    async def stamp(self, scan_id: str, count: int = 1, key: str | None = None) -> Any:
        return await self.post("/api/staff/stamps", {"scan_id": scan_id, "count": count}, key=key or str(uuid.uuid4()))


async def call(browser: Browser, method: str, url: str, body: Any = None) -> Any:
    """Any endpoint by method; unsafe ones carry a fresh Idempotency-Key (ignored where not needed)."""
    if method == "GET":
        return await browser.get(url)
    if method == "PATCH":
        return await browser.patch(url, body)
    return await browser.post(url, body, key=str(uuid.uuid4()))
