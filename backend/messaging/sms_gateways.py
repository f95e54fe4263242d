"""SMS gateways behind one interface: how each one wants a message sent, and how each one reports
what became of it. `send` does the HTTP, with retries on 5xx, 429 and timeouts and none on 4xx.

- generic: POST JSON {to, from, text, reference} to SMS_GATEWAY_URL with a bearer token; answers
  {"id": ...}. Reports: POST JSON {"id" or "reference", "status": queued|sent|delivered|failed}.
- linkmobility: LINK Mobility's REST API (POST /sms/send, Basic auth, platform ids); reports from the
  gate SMS_LINK_GATE_ID, JSON {id, refId, resultCode}.
- sveve: Sveve's SendMessage (user, passwd, to, msg, from, f=json); reports as query parameters
  {id, ref, status=true|false}.
- twilio: POST /2010-04-01/Accounts/{sid}/Messages.json (form, Basic auth); status callbacks are
  form posts, signed with X-Twilio-Signature (HMAC-SHA1 with the auth token), checked here.

Every report reaches the app at PUBLIC_URL/api/sms/reports/<gateway>/<SMS_CALLBACK_TOKEN>."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import random
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
import msgspec

from backend.settings import Settings
from digital_stampcard.retries import backoff
from digital_stampcard.sms import DeliveryStatus

SEND_TRIES = 3  # a one-time code is awaited by a member at the till: a few quick tries, then say so
RETRY_BASE_SECONDS = 0.5
RETRY_CAP_SECONDS = 4.0


class OutgoingSms(msgspec.Struct, frozen=True):
    to: str  # E.164
    sender: str
    text: str
    reference: str  # ours, unique per message; gateways that can echo it back do
    report_url: str


class Report(msgspec.Struct, frozen=True):
    """One delivery report: the gateway's message id or our reference, and what it says."""

    status: DeliveryStatus
    message_id: str | None = None
    reference: str | None = None
    error: str | None = None


class ReportRequest(msgspec.Struct, frozen=True):
    """What a gateway's callback brought: its URL, query, headers and body (as the app received it)."""

    url: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


class GatewayRefused(Exception):
    """The gateway said no for good (4xx, or an error in a 200 answer): no retry."""

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(f"{status}: {reason}" if status else reason)
        self.status, self.reason = status, reason


class GatewayUnavailable(Exception):
    """5xx, 429 or a timeout on every try."""


class InvalidReport(Exception):
    """A callback that is not a report from this gateway (bad signature or shape)."""


class Gateway(Protocol):
    name: str

    def request(self, client: httpx.AsyncClient, sms: OutgoingSms) -> httpx.Request: ...

    def message_id(self, response: httpx.Response) -> str: ...

    def reports(self, callback: ReportRequest) -> list[Report]: ...


async def send(client: httpx.AsyncClient, gateway: Gateway, sms: OutgoingSms, tries: int = SEND_TRIES) -> str:
    """The gateway's id for the message, once it has taken it."""
    for attempt in range(1, tries + 1):
        retry_after: float | None = None
        try:
            response = await client.send(gateway.request(client, sms))
        except httpx.TransportError:  # slow (a timeout) or unreachable: try again
            pass
        else:
            if response.status_code < 300:
                return gateway.message_id(response)
            if response.status_code != 429 and response.status_code < 500:
                raise GatewayRefused(response.status_code, _reason(response))
            retry_after = _seconds(response.headers.get("retry-after"))
        if attempt < tries:
            await asyncio.sleep(
                backoff(
                    attempt,
                    base=RETRY_BASE_SECONDS,
                    cap=RETRY_CAP_SECONDS,
                    jitter=random.random(),
                    retry_after=retry_after,
                )
            )
    raise GatewayUnavailable(f"{gateway.name}: no answer after {tries} tries")


def _reason(response: httpx.Response) -> str:
    return response.text[:200]  # the gateway's words, for our log of the message (never the text sent)


def _seconds(value: str | None) -> float | None:
    try:
        return min(float(value), RETRY_CAP_SECONDS * 4) if value else None
    except ValueError:
        return None


class GenericGateway:
    name = "generic"

    def __init__(self, settings: Settings) -> None:
        self.url, self.token = settings.sms_gateway_url, settings.sms_gateway_password

    def request(self, client: httpx.AsyncClient, sms: OutgoingSms) -> httpx.Request:
        body = {
            "to": sms.to,
            "from": sms.sender,
            "text": sms.text,
            "reference": sms.reference,
            "report_url": sms.report_url,
        }
        return client.build_request("POST", self.url, json=body, headers={"Authorization": f"Bearer {self.token}"})

    def message_id(self, response: httpx.Response) -> str:
        return str(_json(response).get("id") or _refused(response, "no id in the answer"))

    def reports(self, callback: ReportRequest) -> list[Report]:
        body = _json_body(callback.body)
        status = body.get("status")
        if status not in ("queued", "sent", "delivered", "failed"):
            raise InvalidReport("status must be queued, sent, delivered or failed")
        error = (_text(body.get("error")) or "not delivered") if status == "failed" else None
        return [Report(status, _text(body.get("id")), _text(body.get("reference")), error)]


class LinkMobilityGateway:
    name = "linkmobility"
    # resultCode: 1001 delivered, 1005 queued, 1007 delivered to the operator; anything else failed.
    STATUS_BY_RESULT: dict[int, DeliveryStatus] = {1001: "delivered", 1005: "queued", 1007: "sent"}

    def __init__(self, settings: Settings) -> None:
        self.url = (settings.sms_gateway_url or "https://wsx.sp247.net").rstrip("/") + "/sms/send"
        self.auth = (settings.sms_gateway_username, settings.sms_gateway_password)
        self.platform_id, self.partner_id = settings.sms_link_platform_id, settings.sms_link_platform_partner_id
        self.gate_id = settings.sms_link_gate_id

    def request(self, client: httpx.AsyncClient, sms: OutgoingSms) -> httpx.Request:
        body: dict[str, Any] = {
            "source": sms.sender,
            "sourceTON": "MSISDN" if sms.sender.lstrip("+").isdigit() else "ALPHANUMERIC",
            "destination": sms.to,
            "userData": sms.text,
            "platformId": self.platform_id,
            "platformPartnerId": self.partner_id,
            "refId": sms.reference,
            "useDeliveryReport": bool(self.gate_id),
        }
        if self.gate_id:
            body["deliveryReportGates"] = [self.gate_id]
        return client.build_request("POST", self.url, json=body, headers=_basic(*self.auth))

    def message_id(self, response: httpx.Response) -> str:
        answer = _json(response)
        if answer.get("resultCode") not in (1005, 1001, 1007):
            _refused(response, str(answer.get("description") or answer.get("resultCode")))
        return str(answer.get("messageId") or _refused(response, "no messageId in the answer"))

    def reports(self, callback: ReportRequest) -> list[Report]:
        body = _json_body(callback.body)
        code = body.get("resultCode")
        if not isinstance(code, int):
            raise InvalidReport("resultCode missing")
        status = self.STATUS_BY_RESULT.get(code, "failed")
        error = None if status != "failed" else str(body.get("description") or code)
        return [Report(status, _text(body.get("id")), _text(body.get("refId")), error)]


class SveveGateway:
    name = "sveve"

    def __init__(self, settings: Settings) -> None:
        self.url = (settings.sms_gateway_url or "https://sveve.no").rstrip("/") + "/SMS/SendMessage"
        self.user, self.password = settings.sms_gateway_username, settings.sms_gateway_password

    def request(self, client: httpx.AsyncClient, sms: OutgoingSms) -> httpx.Request:
        form = {
            "user": self.user,
            "passwd": self.password,
            "to": sms.to.removeprefix("+"),
            "msg": sms.text,
            "from": sms.sender,
            "ref": sms.reference,
            "f": "json",
        }
        return client.build_request("POST", self.url, data=form)

    def message_id(self, response: httpx.Response) -> str:
        answer = _json(response).get("response") or {}
        if answer.get("fatalError") or answer.get("errors") or not answer.get("ids"):
            _refused(response, str(answer.get("fatalError") or answer.get("errors") or "no ids in the answer"))
        return str(answer["ids"][0])

    def reports(self, callback: ReportRequest) -> list[Report]:
        query = callback.query
        if "status" not in query or ("id" not in query and "ref" not in query):
            raise InvalidReport("id or ref, and status, are needed")
        delivered = query["status"].lower() == "true"
        error = None if delivered else (query.get("errorDesc") or query.get("errorCode") or "not delivered")
        return [Report("delivered" if delivered else "failed", query.get("id"), query.get("ref"), error)]


class TwilioGateway:
    name = "twilio"
    STATUS: dict[str, DeliveryStatus] = {
        "accepted": "queued",
        "queued": "queued",
        "sending": "queued",
        "sent": "sent",
        "delivered": "delivered",
        "undelivered": "failed",
        "failed": "failed",
    }

    def __init__(self, settings: Settings) -> None:
        self.sid, self.token = settings.sms_gateway_username, settings.sms_gateway_password
        base = (settings.sms_gateway_url or "https://api.twilio.com").rstrip("/")
        self.url = f"{base}/2010-04-01/Accounts/{self.sid}/Messages.json"

    def request(self, client: httpx.AsyncClient, sms: OutgoingSms) -> httpx.Request:
        form = {"To": sms.to, "From": sms.sender, "Body": sms.text, "StatusCallback": sms.report_url}
        return client.build_request("POST", self.url, data=form, headers=_basic(self.sid, self.token))

    def message_id(self, response: httpx.Response) -> str:
        return str(_json(response).get("sid") or _refused(response, "no sid in the answer"))

    def reports(self, callback: ReportRequest) -> list[Report]:
        form = dict(httpx.QueryParams(callback.body.decode("utf-8", "replace")))
        if not hmac.compare_digest(callback.headers.get("x-twilio-signature", ""), self.signature(callback.url, form)):
            raise InvalidReport("X-Twilio-Signature does not match")
        status = self.STATUS.get(form.get("MessageStatus", ""))
        if status is None or "MessageSid" not in form:
            raise InvalidReport("MessageSid and MessageStatus are needed")
        error = form.get("ErrorCode") if status == "failed" else None
        return [Report(status, form["MessageSid"], None, error)]

    def signature(self, url: str, form: Mapping[str, str]) -> str:
        """Twilio's: the full URL, then each form field's name and value, sorted by name."""
        signed = url + "".join(f"{name}{form[name]}" for name in sorted(form))
        return base64.b64encode(hmac.new(self.token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def make_gateway(settings: Settings) -> Gateway | None:
    """The configured gateway; None for the development outbox."""
    gateways: dict[str, type[GenericGateway | LinkMobilityGateway | SveveGateway | TwilioGateway]] = {
        "generic": GenericGateway,
        "linkmobility": LinkMobilityGateway,
        "sveve": SveveGateway,
        "twilio": TwilioGateway,
    }
    kind = gateways.get(settings.sms_transport)
    return kind(settings) if kind else None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        _refused(response, "the answer is not JSON")
    return answer if isinstance(answer, dict) else {}


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise InvalidReport("the body is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidReport("the body is not a JSON object")
    return value


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _refused(response: httpx.Response, reason: str) -> Any:
    raise GatewayRefused(response.status_code, reason)
