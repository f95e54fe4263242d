"""The owner's webhook endpoints: add (the secret is shown once), list, disable, and the delivery log."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated

import msgspec

from backend.context import Actor, AppContext
from backend.integrations.tables import WebhookDelivery, WebhookEndpoint
from digital_stampcard import webhooks as rules
from digital_stampcard.errors import DomainError


class EndpointIn(msgspec.Struct, forbid_unknown_fields=True):
    url: Annotated[str, msgspec.Meta(max_length=500)]
    events: Annotated[list[str], msgspec.Meta(max_length=len(rules.EVENTS))]  # up to every event there is
    description: Annotated[str, msgspec.Meta(max_length=120)] = ""


class EndpointOut(msgspec.Struct):
    id: int
    url: str
    description: str
    events: list[str]
    created_at: datetime
    disabled_at: datetime | None


class CreatedEndpoint(EndpointOut):
    secret: str  # shown once: the owner puts it in the receiving system


class EndpointList(msgspec.Struct):
    endpoints: list[EndpointOut]
    events: list[str]  # every event there is


class DeliveryOut(msgspec.Struct):
    id: int
    event: str
    event_id: str
    status: str
    attempts: int
    response_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime


class DeliveryLog(msgspec.Struct):
    deliveries: list[DeliveryOut]


def _out(row: dict[str, object]) -> EndpointOut:
    return msgspec.convert(row, EndpointOut, from_attributes=True)


async def create(ctx: AppContext, owner: Actor, data: EndpointIn) -> CreatedEndpoint:
    url = rules.check_url(data.url, allow_private=ctx.settings.dev_tools_enabled)
    events = rules.check_events(data.events)
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    [row] = await WebhookEndpoint.insert(
        WebhookEndpoint(
            url=url,
            description=data.description.strip(),
            events=list(events),
            secret=secret,
            created_by=owner.staff_id,
            created_at=ctx.clock.now(),
        )
    ).returning(*WebhookEndpoint.all_columns())
    return CreatedEndpoint(**msgspec.structs.asdict(_out(_loaded(row))), secret=secret)


def _loaded(row: dict[str, object]) -> dict[str, object]:
    events = row["events"]
    return {**row, "events": msgspec.json.decode(events) if isinstance(events, (str, bytes)) else events}


async def list_endpoints() -> EndpointList:
    rows = await WebhookEndpoint.select().order_by(WebhookEndpoint.id).output(load_json=True)
    return EndpointList([_out(r) for r in rows], list(rules.EVENTS))


async def disable(ctx: AppContext, endpoint_id: int) -> EndpointOut:
    await WebhookEndpoint.update({WebhookEndpoint.disabled_at: ctx.clock.now()}).where(
        (WebhookEndpoint.id == endpoint_id) & WebhookEndpoint.disabled_at.is_null()
    )
    row = await WebhookEndpoint.select().where(WebhookEndpoint.id == endpoint_id).output(load_json=True).first()
    if row is None:
        raise DomainError("webhook_not_found", "There is no such webhook.", kind="not_found")
    return _out(row)


async def deliveries(endpoint_id: int, limit: int = 100) -> DeliveryLog:
    if not await WebhookEndpoint.exists().where(WebhookEndpoint.id == endpoint_id):
        raise DomainError("webhook_not_found", "There is no such webhook.", kind="not_found")
    rows = (
        await WebhookDelivery.select(
            WebhookDelivery.id,
            WebhookDelivery.event.event.as_alias("event"),
            WebhookDelivery.event.event_id.as_alias("event_id"),
            WebhookDelivery.status,
            WebhookDelivery.attempts,
            WebhookDelivery.response_status,
            WebhookDelivery.last_error,
            WebhookDelivery.created_at,
            WebhookDelivery.delivered_at,
            WebhookDelivery.next_attempt_at,
        )
        .where(WebhookDelivery.endpoint == endpoint_id)
        .order_by(WebhookDelivery.id, ascending=False)
        .limit(limit)
    )
    return DeliveryLog([msgspec.convert(r, DeliveryOut) for r in rows])
