"""A local SMS gateway for tests and benchmarks: a real HTTP server (aiohttp on 127.0.0.1) that
speaks the send APIs of the generic gateway, LINK Mobility, Sveve and Twilio, checks their
credentials, and can be slow, fail or rate-limit on demand.

    async with FakeSmsGateway(username="user", password="secret") as gateway:
        settings = ...sms_gateway_url=gateway.url...
        [sms] = gateway.received  # what arrived: gateway, to, sender, text, reference, report_url
        method, path, kwargs = gateway.report(sms, delivered=True)  # the callback that gateway would make

`fail(n, status)` answers the next n sends with `status` (5xx: the app retries; 4xx: it must not);
`rate_limit(n, retry_after)` answers 429; `delay` holds every answer that many seconds."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import socket
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from backend.settings import Settings

CALLBACK_TOKEN = "sms-callback-" + "t" * 24


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ReceivedSms:
    gateway: str
    to: str
    sender: str
    text: str
    reference: str | None
    report_url: str | None
    message_id: str


@dataclass
class FakeSmsGateway:
    username: str = "fake-user"
    password: str = "fake-secret"
    platform_id: str = "fake-platform"
    partner_id: str = "fake-partner"
    delay: float = 0.0
    received: list[ReceivedSms] = field(default_factory=list)
    attempts: list[tuple[str, int]] = field(default_factory=list)  # (gateway, status answered), every try
    arrivals: int = 0  # sends that reached the server, answered yet or not
    duplicates: int = 0  # generic sends of a reference already taken (answered with the first id)
    _failures: list[tuple[int, float | None]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    _by_reference: dict[str, ReceivedSms] = field(default_factory=dict)

    async def __aenter__(self) -> FakeSmsGateway:
        app = web.Application()
        app.router.add_post("/generic/send", self._generic)
        app.router.add_post("/sms/send", self._link)
        app.router.add_post("/SMS/SendMessage", self._sveve)
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._twilio)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        self.port = _free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, times: int, status: int = 503) -> None:
        self._failures.extend([(status, None)] * times)

    def rate_limit(self, times: int, retry_after: float = 0.2) -> None:
        self._failures.extend([(429, retry_after)] * times)

    # ------------------------------------------------------------------ the send APIs

    async def _answer(self, gateway: str, authorised: bool, take: dict[str, Any]) -> web.Response | None:
        """A programmed failure or a refused login, or None to go on and take the message."""
        self.arrivals += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if not authorised:
            self.attempts.append((gateway, 401))
            return web.json_response({"error": "bad credentials"}, status=401)
        if self._failures:
            status, retry_after = self._failures.pop(0)
            self.attempts.append((gateway, status))
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            return web.json_response({"error": f"programmed {status}"}, status=status, headers=headers)
        self.attempts.append((gateway, 200))
        # The generic gateway's contract: `reference` is an idempotency key (a retry is not a second SMS).
        seen = self._by_reference.get(take.get("reference") or "") if gateway == "generic" else None
        if seen is not None:
            self.duplicates += 1
            return web.json_response({"id": seen.message_id})
        self.received.append(ReceivedSms(gateway=gateway, message_id=str(next(self._ids)), **take))
        if take.get("reference"):
            self._by_reference[take["reference"]] = self.received[-1]
        return None

    def _basic_ok(self, request: web.Request, user: str, password: str) -> bool:
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return hmac.compare_digest(request.headers.get("Authorization", ""), expected)

    async def _generic(self, request: web.Request) -> web.Response:
        body = await request.json()
        ok = hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {self.password}")
        take = {"to": body["to"], "sender": body["from"], "text": body["text"], "reference": body["reference"]}
        refused = await self._answer("generic", ok, {**take, "report_url": body.get("report_url")})
        return refused or web.json_response({"id": self.received[-1].message_id})

    async def _link(self, request: web.Request) -> web.Response:
        body = await request.json()
        ok = self._basic_ok(request, self.username, self.password) and (
            body.get("platformId"),
            body.get("platformPartnerId"),
        ) == (self.platform_id, self.partner_id)
        take = {
            "to": body["destination"],
            "sender": body["source"],
            "text": body["userData"],
            "reference": body.get("refId"),
        }
        refused = await self._answer("linkmobility", ok, {**take, "report_url": None})
        return refused or web.json_response(
            {"messageId": self.received[-1].message_id, "resultCode": 1005, "description": "Queued"}
        )

    async def _sveve(self, request: web.Request) -> web.Response:
        form = await request.post()
        ok = form.get("user") == self.username and form.get("passwd") == self.password
        if not ok:  # Sveve answers 200 with an error in the body
            self.arrivals += 1
            self.attempts.append(("sveve", 200))
            return web.json_response({"response": {"msgOkCount": 0, "fatalError": "Feil brukernavn/passord"}})
        take = {
            "to": str(form["to"]),
            "sender": str(form["from"]),
            "text": str(form["msg"]),
            "reference": form.get("ref"),
        }
        refused = await self._answer("sveve", True, {**take, "report_url": None})
        if refused:
            return refused
        return web.json_response(
            {"response": {"msgOkCount": 1, "stdSMSCount": 1, "ids": [int(self.received[-1].message_id)]}}
        )

    async def _twilio(self, request: web.Request) -> web.Response:
        form = await request.post()
        ok = request.match_info["sid"] == self.username and self._basic_ok(request, self.username, self.password)
        take = {"to": str(form["To"]), "sender": str(form["From"]), "text": str(form["Body"]), "reference": None}
        refused = await self._answer("twilio", ok, {**take, "report_url": str(form.get("StatusCallback"))})
        if refused:
            return refused
        sid = f"SM{int(self.received[-1].message_id):032x}"
        self.received[-1].message_id = sid
        return web.json_response({"sid": sid, "status": "queued"}, status=201)

    # ------------------------------------------------------------------ delivery reports

    def report(self, sms: ReceivedSms, *, delivered: bool, report_url: str) -> tuple[str, str, dict[str, Any]]:
        """(method, path with query, httpx request kwargs) of the delivery report this gateway would
        send to `report_url` (the app's address for it) about `sms`."""
        path = urlsplit(report_url).path
        if sms.gateway == "generic":
            body = (
                {"id": sms.message_id, "status": "delivered"}
                if delivered
                else {"id": sms.message_id, "status": "failed", "error": "unknown number"}
            )
            return "POST", path, {"content": json.dumps(body), "headers": {"Content-Type": "application/json"}}
        if sms.gateway == "linkmobility":
            body = {"id": sms.message_id, "refId": sms.reference, "resultCode": 1001 if delivered else 1006}
            return "POST", path, {"content": json.dumps(body), "headers": {"Content-Type": "application/json"}}
        if sms.gateway == "sveve":
            query = {"id": sms.message_id, "number": sms.to, "status": "true" if delivered else "false"}
            if not delivered:
                query |= {"errorCode": "6", "errorDesc": "Ukjent nummer"}
            return "GET", f"{path}?{urlencode(query)}", {}
        form = {"MessageSid": sms.message_id, "MessageStatus": "delivered" if delivered else "undelivered"}
        if not delivered:
            form["ErrorCode"] = "30003"
        return "POST", path, {"content": urlencode(form), "headers": {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.twilio_signature(report_url, form),
        }}  # fmt: skip

    def twilio_signature(self, url: str, form: dict[str, str]) -> str:
        signed = url + "".join(f"{name}{form[name]}" for name in sorted(form))
        return base64.b64encode(hmac.new(self.password.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def sms_settings(database_url: str, gateway: FakeSmsGateway, transport: str, **overrides: Any) -> Settings:
    """The API tests' settings with `transport` pointed at this fake gateway."""
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-" + "x" * 32,
        public_url="http://testserver.local",
        push_dispatcher="off",
        sms_transport=transport,  # type: ignore[arg-type]
        sms_gateway_url=gateway.url + ("/generic/send" if transport == "generic" else ""),
        sms_gateway_username=gateway.username,
        sms_gateway_password=gateway.password,
        sms_link_platform_id=gateway.platform_id,
        sms_link_platform_partner_id=gateway.partner_id,
        sms_callback_token=CALLBACK_TOKEN,
        **overrides,
    )
