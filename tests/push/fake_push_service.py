"""A local Web Push service for tests and benchmarks: an aiohttp server on 127.0.0.1 that checks what a real
push service checks.

- VAPID (RFC 8292): ``Authorization: vapid t=<JWT>, k=<key>``, or the older draft-01 form that
  ``py_vapid.Vapid01`` sends, ``Authorization: WebPush <JWT>`` plus ``Crypto-Key: p256ecdsa=<key>``.
  The ES256 signature must verify with the key. ``aud`` must be this service's origin, ``exp`` must be in the
  future and at most 24 h ahead, and ``sub`` must be a ``mailto:`` or ``https:`` URI that is not on localhost.
- A ``TTL`` header (integer >= 0), valid ``Urgency`` and ``Topic`` headers (RFC 8030), ``Content-Encoding:
  aes128gcm``, and a body of at most 4096 bytes that decrypts (RFC 8291) with the subscriber's keys.

Usage::

    async with FakePushService() as push:
        sub = push.new_subscription()  # sub.info is what the browser hands to the app
        ...  # the app pushes to sub.info
        [message] = await push.wait_for(1)
        assert message.json["notification"]["title"] == "..."

The service answers 201 Created, or what a test programmed with ``respond()`` / ``gone()``. Refusals answer
with a JSON body ``{"code": status, "error": reason}`` and are kept in ``attempts`` with their reason.

Status codes:
    400  missing/invalid TTL, Urgency or Topic; Content-Encoding other than aes128gcm; no body; a body that is
         not one aes128gcm record or does not decrypt
    401  missing or malformed VAPID header, bad signature, expired ``exp``
    403  ``aud`` is not this origin, ``exp`` more than 24 h ahead, bad ``sub``, or a VAPID key other than the
         pinned one (``expected_vapid_public_key`` or the subscription's ``application_server_key``)
    404  unknown subscription (also after ``forget()``)
    413  body larger than 4096 bytes
    410/429/5xx...  programmed with ``gone()`` / ``respond()`` (only for requests that pass every check)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import re
import secrets
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

__all__ = [
    "Attempt",
    "FakePushService",
    "FakeSubscription",
    "Received",
    "VapidClaims",
    "b64url_decode",
    "b64url_encode",
    "public_key_b64",
]

MAX_PAYLOAD = 4096  # RFC 8030 §7.2: a push service MUST support 4096 octets; most refuse more with 413
MAX_EXP_AHEAD = 24 * 60 * 60  # RFC 8292 §2: exp MUST NOT be more than 24 hours from the request
URGENCIES = frozenset({"very-low", "low", "normal", "high"})  # RFC 8030 §5.3
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 §5.4: at most 32 chars of the URL-safe base64 alphabet
_TTL = re.compile(r"[0-9]{1,10}")
_AES128GCM_HEADER = 16 + 4 + 1  # salt, record size, keyid length (RFC 8188 §2.1)
_P256_POINT = 65  # uncompressed point; RFC 8291 §4 puts the sender's public key in keyid
_JWT_CACHE_LIMIT = 50_000


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    raw = text.encode("ascii") if isinstance(text, str) else text
    raw = raw.rstrip(b"=")
    return base64.b64decode(raw + b"=" * (-len(raw) % 4), altchars=b"-_", validate=True)


def public_key_b64(key: Any) -> str:
    """A P-256 public key as base64url (unpadded) of its uncompressed point, the form of VAPID ``k=`` and
    ``applicationServerKey``. Takes that string, the raw 65 bytes, a cryptography public or private key, or a
    ``py_vapid.Vapid01``/``Vapid02`` object."""
    if isinstance(key, str):
        raw = b64url_decode(key)
    elif isinstance(key, bytes | bytearray):
        raw = bytes(key)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        return public_key_b64(key.public_key())
    elif isinstance(key, ec.EllipticCurvePublicKey):
        raw = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    elif isinstance(getattr(key, "public_key", None), ec.EllipticCurvePublicKey):  # py_vapid.Vapid01/02
        return public_key_b64(key.public_key)
    else:
        raise TypeError(f"cannot read a P-256 public key from {type(key).__name__}")
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)  # ValueError when not a P-256 point
    return b64url_encode(raw)


def _clock_function(clock: Any) -> Callable[[], float]:
    """``None`` (wall clock), a callable returning epoch seconds, or an object with ``now() -> datetime`` (such
    as ``backend.clock.FrozenClock``) so the fake judges ``exp`` on the same clock the app signs with."""
    if clock is None:
        return time.time
    now = getattr(clock, "now", None)
    if callable(now):

        def from_clock() -> float:
            value = now()
            return value.timestamp() if isinstance(value, datetime) else float(value)

        return from_clock
    if callable(clock):
        return lambda: float(clock())
    raise TypeError("clock must be a callable returning epoch seconds or an object with now() -> datetime")


@dataclass(frozen=True)
class VapidClaims:
    aud: str
    exp: int
    sub: str
    extra: dict[str, Any] = field(default_factory=dict)  # any other claims in the JWT


@dataclass
class FakeSubscription:
    """What a browser keeps after ``pushManager.subscribe()``: the endpoint and the private half of the keys."""

    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    application_server_key: str | None = None  # when set, only this VAPID key may push (403 otherwise)

    @property
    def p256dh(self) -> str:
        return public_key_b64(self.private_key.public_key())

    @property
    def auth(self) -> str:
        return b64url_encode(self.auth_secret)

    @property
    def info(self) -> dict[str, Any]:
        """``PushSubscription.toJSON()``, a fresh dict each time."""
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, body: bytes) -> bytes:
        """Decrypt an aes128gcm push body the way the browser does."""
        return bytes(
            http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")
        )


@dataclass(frozen=True)
class Received:
    """One delivered push message."""

    subscription_id: str
    payload: bytes | None  # None when the service runs with decrypt=False
    json: Any  # the payload parsed as JSON, or None when it is not JSON (or not decrypted)
    ttl: int
    urgency: str | None
    topic: str | None
    claims: VapidClaims
    vapid_public_key: str  # base64url, as in k= / p256ecdsa=
    vapid_scheme: str  # "vapid" (RFC 8292) or "webpush" (draft-01, py_vapid.Vapid01)
    received_at: float  # epoch seconds on the service's clock
    body_size: int
    headers: dict[str, str]  # lower-cased names

    @property
    def exp_ahead(self) -> float:
        """Seconds between receipt and the JWT's exp (the guide wants at most 12 h)."""
        return self.claims.exp - self.received_at

    @property
    def text(self) -> str:
        if self.payload is None:
            raise ValueError("the service ran with decrypt=False")
        return self.payload.decode("utf-8")


@dataclass(frozen=True)
class Attempt:
    """One request to a push endpoint, accepted or not."""

    subscription_id: str
    status: int
    reason: str  # why it was refused or programmed; "" when delivered with 201
    at: float

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class _Verified:
    scheme: str
    key: str
    claims: VapidClaims


@dataclass(frozen=True)
class _Programmed:
    status: int
    retry_after: str | None
    body: str | None


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class FakePushService:
    """A fake Web Push service. See the module docstring for what it checks.

    :param expected_vapid_public_key: pin the application server key (403 for any other ``k``).
    :param decrypt: decrypt every body (off for pure-throughput runs; the aes128gcm header is still checked).
    :param latency: seconds to sleep in every request, to model a network (may be changed at any time).
    :param clock: what "now" is for ``exp`` checks; see ``_clock_function``.
    :param allow_empty: accept a push without a body (the app should always send a notification payload).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        expected_vapid_public_key: Any = None,
        decrypt: bool = True,
        latency: float = 0.0,
        clock: Any = None,
        allow_empty: bool = False,
        max_payload: int = MAX_PAYLOAD,
        max_exp_ahead: int = MAX_EXP_AHEAD,
    ) -> None:
        self.host = host
        self.port = port
        self.expected_vapid_public_key = (
            None if expected_vapid_public_key is None else public_key_b64(expected_vapid_public_key)
        )
        self.decrypt = decrypt
        self.latency = latency
        self.allow_empty = allow_empty
        self.max_payload = max_payload
        self.max_exp_ahead = max_exp_ahead
        self.now = _clock_function(clock)

        self.subscriptions: dict[str, FakeSubscription] = {}
        self.received: list[Received] = []
        self.attempts: list[Attempt] = []
        self.jwt_verifications = 0  # signature checks actually done (the rest came from the per-token cache)

        self._received_by: dict[str, list[Received]] = {}  # per subscription id, so lookups stay O(1) at 10k
        self._attempts_by: dict[str, list[Attempt]] = {}
        self._programmed: dict[str, deque[_Programmed]] = {}
        self._gone: set[str] = set()
        self._jwt_cache: dict[tuple[str, str, str], _Verified | tuple[int, str]] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._origin: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``: the ``aud`` every VAPID JWT must carry."""
        if self._origin is None:
            raise RuntimeError("FakePushService is not started")
        return self._origin

    async def start(self) -> FakePushService:
        if self._runner is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.setblocking(False)
        app = web.Application(client_max_size=max(64 * 1024, self.max_payload * 4))
        app.router.add_post("/push/{id}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0, auto_decompress=False)
        await runner.setup()
        site = web.SockSite(runner, sock, backlog=4096)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._origin = f"http://{self.host}:{self.port}"
        self._runner = runner
        return self

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakePushService:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- subscriptions and programming -------------------------------------------------------------------------

    def new_subscription(self, application_server_key: Any = None) -> FakeSubscription:
        """Make a subscriber key pair (P-256 ECDH + 16-byte auth secret) as a browser does. With
        ``application_server_key`` (as passed to ``pushManager.subscribe``) only that VAPID key may push."""
        sub_id = secrets.token_urlsafe(16)
        subscription = FakeSubscription(
            id=sub_id,
            endpoint=f"{self.origin}/push/{sub_id}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=secrets.token_bytes(16),
            application_server_key=None if application_server_key is None else public_key_b64(application_server_key),
        )
        self.subscriptions[sub_id] = subscription
        return subscription

    def new_subscriptions(self, count: int, application_server_key: Any = None) -> list[FakeSubscription]:
        return [self.new_subscription(application_server_key) for _ in range(count)]

    def respond(
        self,
        subscription: Any,
        status: int,
        *,
        times: int = 1,
        retry_after: int | str | None = None,
        body: str | None = None,
    ) -> None:
        """Queue ``times`` answers with ``status`` (e.g. 404, 410, 413, 429, 500) for the next requests to this
        subscription that pass every check; then it answers 201 again."""
        if not 100 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status}")
        programmed = _Programmed(status, None if retry_after is None else str(retry_after), body)
        self._programmed.setdefault(self._sid(subscription), deque()).extend([programmed] * times)

    def gone(self, subscription: Any) -> None:
        """410 Gone for every later request that passes the checks (the user unsubscribed)."""
        self._gone.add(self._sid(subscription))

    def forget(self, subscription: Any) -> None:
        """Drop the subscription: later requests get 404, as for an endpoint the service never issued."""
        self.subscriptions.pop(self._sid(subscription), None)

    def reset(self) -> None:
        """Clear received messages, attempts and programmed answers (subscriptions stay)."""
        self.received.clear()
        self.attempts.clear()
        self._received_by.clear()
        self._attempts_by.clear()
        self._programmed.clear()
        self._gone.clear()

    # -- inspection --------------------------------------------------------------------------------------------

    def received_for(self, subscription: Any) -> list[Received]:
        return list(self._received_by.get(self._sid(subscription), ()))

    def attempts_for(self, subscription: Any) -> int:
        """How many requests reached this subscription's endpoint, refused ones included."""
        return len(self._attempts_by.get(self._sid(subscription), ()))

    def attempt_log_for(self, subscription: Any) -> list[Attempt]:
        return list(self._attempts_by.get(self._sid(subscription), ()))

    @property
    def refused(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts if not attempt.accepted]

    async def wait_for(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (the tests' API: a deadline that names the refusals when it passes)
        *,
        subscription: Any = None,
    ) -> list[Received]:
        """Wait until ``count`` messages were delivered (to ``subscription`` when given) and return them all.
        Raises ``TimeoutError`` naming the latest refusals."""
        sid = None if subscription is None else self._sid(subscription)

        def delivered() -> list[Received]:
            return self.received if sid is None else self._received_by.get(sid, [])

        await self._wait_until(lambda: len(delivered()) >= count, timeout, f"{count} deliveries")
        return list(delivered())

    async def wait_for_attempts(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (as wait_for)
        *,
        subscription: Any = None,
    ) -> list[Attempt]:
        """Wait until ``count`` requests (accepted or refused) arrived, e.g. to see retries."""
        sid = None if subscription is None else self._sid(subscription)

        def seen() -> list[Attempt]:
            return self.attempts if sid is None else self._attempts_by.get(sid, [])

        await self._wait_until(lambda: len(seen()) >= count, timeout, f"{count} attempts")
        return list(seen())

    async def _wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                refusals = "; ".join(f"{a.status} {a.reason}" for a in self.refused[-5:]) or "none"
                raise TimeoutError(
                    f"waited {timeout}s for {what}: {len(self.received)} delivered, {len(self.attempts)} attempts, "
                    f"latest refusals: {refusals}"
                )
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    @staticmethod
    def _sid(subscription: Any) -> str:
        if isinstance(subscription, FakeSubscription):
            return subscription.id
        if isinstance(subscription, dict):  # subscription info
            subscription = subscription["endpoint"]
        if isinstance(subscription, str):
            return subscription.rstrip("/").rsplit("/", 1)[-1]
        raise TypeError(f"not a subscription: {subscription!r}")

    # -- the endpoint ------------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.latency:
            await asyncio.sleep(self.latency)
        sid = request.match_info["id"]
        now = self.now()
        try:
            subscription = self.subscriptions.get(sid)
            if subscription is None:
                raise _Refused(404, "no such subscription")
            body = await self._read_body(request)
            ttl, urgency, topic = self._check_headers(request, body)
            verified = self._check_vapid(request, subscription, now)
            payload = self._check_body(subscription, body)
        except _Refused as refused:
            return self._refuse(sid, refused.status, refused.reason, now)

        programmed: _Programmed | None = None
        if sid in self._gone:
            programmed = _Programmed(410, None, "subscription is gone")
        elif queue := self._programmed.get(sid):
            programmed = queue.popleft()
        if programmed is not None and not 200 <= programmed.status < 300:
            headers = {} if programmed.retry_after is None else {"Retry-After": programmed.retry_after}
            return self._refuse(sid, programmed.status, programmed.body or "programmed answer", now, headers)

        message = Received(
            subscription_id=sid,
            payload=payload,
            json=_maybe_json(payload),
            ttl=ttl,
            urgency=urgency,
            topic=topic,
            claims=verified.claims,
            vapid_public_key=verified.key,
            vapid_scheme=verified.scheme,
            received_at=now,
            body_size=len(body),
            headers={name.lower(): value for name, value in request.headers.items()},
        )
        self.received.append(message)
        self._received_by.setdefault(sid, []).append(message)
        status = 201 if programmed is None else programmed.status
        self._record_attempt(Attempt(sid, status, "" if programmed is None else "programmed answer", now))
        location = f"{self.origin}/message/{uuid.uuid4().hex}"
        return web.Response(status=status, headers={"Location": location, "TTL": str(ttl)})

    def _record_attempt(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)
        self._attempts_by.setdefault(attempt.subscription_id, []).append(attempt)
        self._notify()

    def _refuse(
        self, sid: str, status: int, reason: str, now: float, headers: dict[str, str] | None = None
    ) -> web.Response:
        self._record_attempt(Attempt(sid, status, reason, now))
        return web.json_response({"code": status, "error": reason}, status=status, headers=headers)

    async def _read_body(self, request: web.Request) -> bytes:
        if request.content_length is not None and request.content_length > self.max_payload:
            raise _Refused(413, f"payload of {request.content_length} bytes is over {self.max_payload}")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge as too_large:
            raise _Refused(413, f"payload is over {self.max_payload} bytes") from too_large
        if len(body) > self.max_payload:
            raise _Refused(413, f"payload of {len(body)} bytes is over {self.max_payload}")
        return body

    def _check_headers(self, request: web.Request, body: bytes) -> tuple[int, str | None, str | None]:
        ttl_header = request.headers.get("TTL")
        if ttl_header is None:
            raise _Refused(400, "missing TTL header")
        if not _TTL.fullmatch(ttl_header.strip()):
            raise _Refused(400, f"TTL must be an integer >= 0, got {ttl_header!r}")
        urgency = request.headers.get("Urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise _Refused(400, f"Urgency must be one of {sorted(URGENCIES)}, got {urgency!r}")
        topic = request.headers.get("Topic")
        if topic is not None and not _TOPIC.fullmatch(topic):
            raise _Refused(400, f"Topic must be 1-32 characters of [A-Za-z0-9_-], got {topic!r}")
        encoding = request.headers.get("Content-Encoding")
        if body or encoding is not None:
            if encoding is None or encoding.strip().lower() != "aes128gcm":
                raise _Refused(400, f"Content-Encoding must be aes128gcm, got {encoding!r}")
        elif not self.allow_empty:
            raise _Refused(400, "push without a payload (always send a notification payload)")
        return int(ttl_header), urgency, topic

    def _check_vapid(self, request: web.Request, subscription: FakeSubscription, now: float) -> _Verified:
        scheme, token, key = _parse_vapid_headers(
            request.headers.get("Authorization"), request.headers.get("Crypto-Key")
        )
        verified = self._verify_token(scheme, token, key)
        claims = verified.claims
        if claims.aud.lower() != self.origin:
            raise _Refused(403, f"JWT aud {claims.aud!r} is not this push service's origin {self.origin!r}")
        if claims.exp <= now:
            raise _Refused(401, f"JWT expired {now - claims.exp:.0f}s ago")
        if claims.exp - now > self.max_exp_ahead:
            raise _Refused(403, f"JWT exp is {claims.exp - now:.0f}s ahead, over {self.max_exp_ahead}s")
        problem = _sub_problem(claims.sub)
        if problem:
            raise _Refused(403, problem)
        pinned = subscription.application_server_key or self.expected_vapid_public_key
        if pinned is not None and verified.key != pinned:
            raise _Refused(403, "VAPID key is not the application server key this subscription was made with")
        return verified

    def _verify_token(self, scheme: str, token: str, key: str) -> _Verified:
        """Signature and claim shapes, cached per (scheme, token, key): the app signs once per audience and
        reuses the header, so a benchmark verifies each token once. Time-dependent checks are not cached."""
        cache_key = (scheme, token, key)
        hit = self._jwt_cache.get(cache_key)
        if hit is None:
            self.jwt_verifications += 1
            try:
                hit = _verify_es256(scheme, token, key)
            except _Refused as refused:
                hit = (refused.status, refused.reason)
            if len(self._jwt_cache) >= _JWT_CACHE_LIMIT:
                self._jwt_cache.clear()
            self._jwt_cache[cache_key] = hit
        if isinstance(hit, tuple):
            raise _Refused(*hit)
        return hit

    def _check_body(self, subscription: FakeSubscription, body: bytes) -> bytes | None:
        if not body:
            return None
        if len(body) < _AES128GCM_HEADER:
            raise _Refused(400, "aes128gcm body is shorter than its header")
        record_size = int.from_bytes(body[16:20], "big")
        keyid_length = body[20]
        if keyid_length != _P256_POINT:
            raise _Refused(400, f"aes128gcm keyid must be the sender's 65-byte public key, is {keyid_length} bytes")
        ciphertext = len(body) - _AES128GCM_HEADER - keyid_length
        if record_size < 18 or ciphertext < 17:
            raise _Refused(400, "aes128gcm record is too small")
        if ciphertext > record_size:
            raise _Refused(400, "a push message must be a single aes128gcm record (RFC 8291 §4)")
        if not self.decrypt:
            return None
        try:
            return subscription.decrypt(body)
        except Exception as error:  # http_ece raises ECEException, ValueError, struct.error...
            detail = getattr(error, "message", None) or repr(error)
            raise _Refused(400, f"body does not decrypt with the subscription's keys: {detail}") from error


def _maybe_json(payload: bytes | None) -> Any:
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def _parse_vapid_headers(authorization: str | None, crypto_key: str | None) -> tuple[str, str, str]:
    if not authorization:
        raise _Refused(401, "missing Authorization header (VAPID is required)")
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() == "vapid":  # RFC 8292: vapid t=<jwt>, k=<key>  (py_vapid.Vapid02 sends "t=...,k=...")
        params: dict[str, str] = {}
        for part in rest.split(","):
            name, sep, value = part.strip().partition("=")
            if sep:
                params[name.strip().lower()] = value.strip()
        token, key = params.get("t"), params.get("k")
        if not token or not key:
            raise _Refused(401, "vapid Authorization needs t=<JWT> and k=<public key>")
        return "vapid", token, key
    if scheme.lower() == "webpush":  # draft-ietf-webpush-vapid-01, py_vapid.Vapid01
        key = None
        for part in re.split(r"[;,]", crypto_key or ""):
            name, sep, value = part.strip().partition("=")
            if sep and name.strip().lower() == "p256ecdsa":
                key = value.strip()
        if not rest.strip() or not key:
            raise _Refused(401, "WebPush Authorization needs a JWT and a Crypto-Key: p256ecdsa=<key> header")
        return "webpush", rest.strip(), key
    raise _Refused(401, f"Authorization scheme {scheme!r} is not vapid or WebPush")


def _verify_es256(scheme: str, token: str, key: str) -> _Verified:
    parts = token.split(".")
    if len(parts) != 3:
        raise _Refused(401, "VAPID token is not a compact JWS")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
        raw_key = b64url_decode(key)
    except (ValueError, binascii.Error) as error:
        raise _Refused(401, f"VAPID token or key is not valid base64url JSON: {error}") from error
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise _Refused(401, f"VAPID JWT alg must be ES256, header is {header!r}")
    if len(signature) != 64:
        raise _Refused(401, "ES256 signature must be 64 bytes (r || s)")
    if len(raw_key) != _P256_POINT or raw_key[0] != 4:
        raise _Refused(401, "VAPID key must be an uncompressed P-256 point (65 bytes)")
    try:
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw_key)
    except ValueError as error:
        raise _Refused(401, "VAPID key is not a P-256 point") from error
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise _Refused(401, "VAPID JWT signature does not verify with the given key") from error
    if not isinstance(claims, dict):
        raise _Refused(401, "VAPID JWT claims are not an object")
    aud, exp, sub = claims.get("aud"), claims.get("exp"), claims.get("sub")
    if not isinstance(aud, str) or not isinstance(sub, str) or not isinstance(exp, int) or isinstance(exp, bool):
        raise _Refused(401, f"VAPID JWT needs aud (string), exp (integer) and sub (string), got {claims!r}")
    extra = {name: value for name, value in claims.items() if name not in ("aud", "exp", "sub")}
    return _Verified(scheme=scheme, key=b64url_encode(raw_key), claims=VapidClaims(aud, exp, sub, extra))


def _sub_problem(sub: str) -> str | None:
    lowered = sub.lower()
    if lowered.startswith("mailto:"):
        local, at, domain = sub[len("mailto:") :].rpartition("@")
        domain = domain.lower().rstrip(".")
        if not at or not local or not domain or any(char.isspace() for char in sub):
            return f"JWT sub {sub!r} is not a mailto: e-mail address"
        if domain == "localhost" or domain.endswith(".localhost") or "." not in domain:
            return f"JWT sub {sub!r} is not a real address (Apple answers 403 BadJwtToken for @localhost)"
        return None
    if lowered.startswith("https://"):
        host = urlsplit(sub).hostname
        if not host or host == "localhost" or host.endswith(".localhost"):
            return f"JWT sub {sub!r} is not a public https: URL"
        return None
    return f"JWT sub {sub!r} must be a mailto: or https: URI"
