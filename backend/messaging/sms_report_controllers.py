"""POST or GET /api/sms/reports/<gateway>/<SMS_CALLBACK_TOKEN>: where the SMS gateway tells us what
became of each message. The token in the address authenticates the gateway (Twilio also signs its
callbacks, which its adapter checks); a wrong token or gateway answers 404, as an unknown address does."""

from __future__ import annotations

import hmac
from typing import Any

import msgspec
from litestar import Controller, Request, route
from litestar.di import NamedDependency

from backend.context import AppContext
from backend.messaging.sms import record_reports, report_url
from backend.messaging.sms_gateways import InvalidReport, ReportRequest, make_gateway
from digital_stampcard.errors import DomainError


class ReportsOut(msgspec.Struct):
    recorded: int  # reports that matched a message of ours


class SmsReportController(Controller):
    path = "/api/sms/reports"
    tags = ["SMS"]
    include_in_schema = False  # called by the gateway, not by our clients
    opt = {"exclude_from_csrf": True}  # no cookies: the secret address is the credential

    @route("/{gateway:str}/{token:str}", http_method=["GET", "POST"], status_code=200, operation_id="receiveSmsReport")
    async def receive(
        self, ctx: NamedDependency[AppContext], request: Request[Any, Any, Any], gateway: str, token: str
    ) -> ReportsOut:
        configured = make_gateway(ctx.settings)
        expected = ctx.settings.sms_callback_token
        if configured is None or configured.name != gateway or not expected:
            raise DomainError("not_found", "Not found.", kind="not_found")
        if not hmac.compare_digest(token.encode(), expected.encode()):
            raise DomainError("not_found", "Not found.", kind="not_found")
        # The address the gateway was given (PUBLIC_URL based), which is what Twilio signs.
        url = report_url(ctx.settings, gateway)
        if request.url.query:
            url += f"?{request.url.query}"
        callback = ReportRequest(
            url=url,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
        )
        try:
            reports = configured.reports(callback)
        except InvalidReport as exc:
            raise DomainError("invalid_report", f"Not a delivery report: {exc}.") from None
        return ReportsOut(await record_reports(reports, ctx.clock.now()))
