"""The owner's POS and web-shop API keys (one store each, scoped; the key is shown once and only
its SHA-256 is kept) and the bearer check every POS request passes.

Each key gets its own service account (role "pos", no password, so it can never log in): scans and
ledger rows must name a staff account, and "Kasse: <name>" tells the audit trail it was the POS."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.di import NamedDependency

from backend import logs
from backend.accounts.tables import StaffAccount
from backend.club.tables import Store
from backend.context import Actor, AppContext
from backend.db import write_transaction
from backend.integrations.tables import ApiKey
from backend.ratelimit import enforce
from backend.web.auth import client_ip
from digital_stampcard.errors import DomainError

SCOPES = ("members:read", "stamps:write", "stamps:void", "rewards:redeem")
KEY_PREFIX = "sk_live_"
SHOWN_PREFIX_LENGTH = len(KEY_PREFIX) + 6
REQUESTS_PER_KEY_PER_MINUTE = 300
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is a hint, not a log: spare the writes


class ApiKeyIn(msgspec.Struct, forbid_unknown_fields=True):
    store_id: int
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    scopes: Annotated[list[str], msgspec.Meta(min_length=1, max_length=len(SCOPES))]


class ApiKeyOut(msgspec.Struct):
    id: int
    name: str
    store_id: int
    store_name: str
    scopes: list[str]
    prefix: str  # the key's first characters, to recognise it
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class CreatedApiKey(ApiKeyOut):
    key: str  # shown this once: only its hash is stored


class ApiKeyList(msgspec.Struct):
    keys: list[ApiKeyOut]
    scopes: list[str]  # every scope there is


@dataclass(frozen=True)
class PosCaller:
    """An authenticated POS request: the key and the actor the ledger names."""

    key_id: int
    store_id: int
    scopes: list[str]
    actor: Actor

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise DomainError(
                "scope_missing", f"This API key does not have the scope {scope}.", kind="forbidden", scope=scope
            )


def new_key() -> str:
    return KEY_PREFIX + base64.b32encode(secrets.token_bytes(32)).decode().rstrip("=").lower()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _clean_name(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise DomainError("validation_error", "Give the key a name.", field="name")
    return text


def _check_scopes(scopes: list[str]) -> list[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise DomainError("scope_unknown", f"Unknown scope: {', '.join(unknown)}.", field="scopes")
    return [s for s in SCOPES if s in scopes]  # one order, no repeats


async def _out(rows: list[dict[str, Any]]) -> list[ApiKeyOut]:
    stores = {s["id"]: s["name"] for s in await Store.select(Store.id, Store.name)}
    return [
        ApiKeyOut(
            id=r["id"],
            name=r["name"],
            store_id=r["store"],
            store_name=stores.get(r["store"], ""),
            scopes=list(r["scopes"]),
            prefix=r["prefix"],
            created_at=r["created_at"],
            last_used_at=r["last_used_at"],
            revoked_at=r["revoked_at"],
        )
        for r in rows
    ]


async def create(ctx: AppContext, owner: Actor, data: ApiKeyIn) -> CreatedApiKey:
    name, scopes = _clean_name(data.name), _check_scopes(data.scopes)
    if not await Store.exists().where(Store.id == data.store_id):
        raise DomainError("store_unknown", "That store does not exist.", field="store_id")
    key, now = new_key(), ctx.clock.now()
    prefix = key[:SHOWN_PREFIX_LENGTH]
    async with write_transaction(ctx.engine):
        [staff] = await StaffAccount.insert(
            StaffAccount(
                username=f"pos:{secrets.token_hex(8)}",  # ":" is never in a chosen username
                name=f"Kasse: {name}"[:120],
                password_hash="",  # matches no password: this account cannot log in
                role="pos",
                store=data.store_id,
                created_at=now,
            )
        ).returning(StaffAccount.id)
        [row] = await ApiKey.insert(
            ApiKey(
                key_hash=key_hash(key),
                prefix=prefix,
                name=name,
                store=data.store_id,
                scopes=scopes,
                staff=staff["id"],
                created_by=owner.staff_id,
                created_at=now,
            )
        ).returning(ApiKey.id)
    [out] = await _out(await _rows(ApiKey.id == row["id"]))
    return CreatedApiKey(**msgspec.structs.asdict(out), key=key)


async def _rows(where: Any = None) -> list[dict[str, Any]]:
    query = ApiKey.select().order_by(ApiKey.id, ascending=False).output(load_json=True)
    return list(await (query.where(where) if where is not None else query))


async def list_keys() -> ApiKeyList:
    return ApiKeyList(await _out(await _rows()), list(SCOPES))


async def revoke(ctx: AppContext, key_id: int) -> ApiKeyOut:
    """The key stops working at once, and its service account is disabled with it."""
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        row = await ApiKey.select(ApiKey.staff).where(ApiKey.id == key_id).first()
        if row is None:
            raise DomainError("api_key_not_found", "There is no such API key.", kind="not_found")
        await ApiKey.update({ApiKey.revoked_at: now}).where((ApiKey.id == key_id) & ApiKey.revoked_at.is_null())
        await StaffAccount.update({StaffAccount.disabled_at: now}).where(
            (StaffAccount.id == row["staff"]) & StaffAccount.disabled_at.is_null()
        )
    [out] = await _out(await _rows(ApiKey.id == key_id))
    return out


def _unauthenticated(detail: str) -> DomainError:
    return DomainError("api_key_invalid", detail, kind="unauthenticated")


async def authenticate(ctx: AppContext, authorization: str | None, ip: str) -> PosCaller:
    """`Authorization: Bearer <key>` → the caller, or 401 for a missing, unknown or revoked key."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise _unauthenticated("Send the API key as `Authorization: Bearer <key>`.")
    # A lookup by the hash: equal keys have equal hashes, and the database compares hashes, not keys.
    row = await ApiKey.objects().where(ApiKey.key_hash == key_hash(key.strip())).output(load_json=True).first()
    if row is None or row.revoked_at is not None:
        raise _unauthenticated("This API key is unknown or revoked.")
    await enforce(ctx.limiter, f"pos-key:{row.id}", REQUESTS_PER_KEY_PER_MINUTE, 60)
    now = ctx.clock.now()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        await ApiKey.update({ApiKey.last_used_at: now}).where(ApiKey.id == row.id)
    # A negative session id: the key's scans can never be taken for a web session's, and back.
    actor = Actor(row.staff, "pos", row.store, -row.id, f"pos:{row.prefix}", ip)
    return PosCaller(row.id, row.store, list(row.scopes), actor)


async def provide_pos_caller(request: Request[Any, Any, Any], ctx: NamedDependency[AppContext]) -> PosCaller:
    caller = await authenticate(ctx, request.headers.get("authorization"), client_ip(request))
    logs.bind(api_key_id=caller.key_id)
    return caller
