"""Fanning out due notifications: each is decided with the policy (its channel and that channel's
consent, the service switch, the weekly marketing cap across all channels, quiet hours) and becomes one
delivery per device for push, or one e-mail or SMS delivery, all in bulk: a few reads, the pure rules
per notification, one INSERT ... SELECT and grouped UPDATEs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import msgspec

from backend.campaigns.reachability import reachability
from backend.context import AppContext
from backend.db import is_postgres, write_transaction
from backend.members.consent_ledger import counted_consents
from backend.members.tables import Member
from backend.push.tables import MessageDelivery, Notification, PushDelivery
from digital_stampcard import channels
from digital_stampcard import notifications as rules

INSERT_CHUNK = 1000  # notifications per fan-out INSERT (one parameter each)


async def expand_due(ctx: AppContext, policy: rules.PushPolicy, batch: int) -> int:
    """Fans out up to `batch` due notifications. Returns how many were decided."""
    now = ctx.clock.now()
    async with write_transaction(ctx.engine):
        rows = await locked(
            ctx,
            "SELECT id, member, kind, data FROM notification WHERE status = 'pending' AND due_at <= {} "
            "ORDER BY id LIMIT {}",
            now,
            batch,
        )
        if rows:
            await _expand(ctx, rows, now, policy)
    return len(rows)


async def _expand(ctx: AppContext, rows: list[dict[str, Any]], now: datetime, policy: rules.PushPolicy) -> None:
    for row in rows:
        row["data"] = _data(row)
    members = {r["member"] for r in rows}
    marketing = {r["member"] for r in rows if rules.is_marketing(r["kind"])}
    service_enabled = await _service_enabled(members)
    reach, given_consents = await reachability(ctx, members)
    sent_or_due = await _marketing_times(marketing, now)
    statuses: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    deferred: dict[datetime, list[int]] = defaultdict(list)
    sending = []
    by_message: list[tuple[dict[str, Any], channels.Channel]] = []
    for row in rows:
        member, kind = row["member"], row["kind"]
        if member not in service_enabled or member not in reach:
            statuses["skipped", "member_gone"].append(row["id"])
            continue
        choice = channels.choice_for(kind, row["data"].get("channel"))
        pick = channels.pick(kind, choice, reach[member])
        times = sent_or_due[member] if rules.is_marketing(kind) else []
        consent = pick.reason != "no_consent" and may_personalise(given_consents.get(member, {}), row)
        state = rules.MemberPushState(service_enabled[member], consent, list(times))
        decision = rules.decide(kind, now, state, policy)
        if decision.action == "skip":
            statuses["skipped", decision.reason].append(row["id"])
            continue
        if pick.channel is None:
            statuses["skipped", "no_device" if choice == "push" else "no_address"].append(row["id"])
            continue
        times.append(decision.send_at)  # the cap counts what this batch sends or schedules, on any channel
        if decision.action == "defer":
            deferred[decision.send_at].append(row["id"])
        elif pick.channel == "push":
            sending.append(row)
        else:
            by_message.append((row, pick.channel))
    with_devices = await _fan_out([r["id"] for r in sending], now)
    for row in sending:
        statuses[("expanded", None) if row["id"] in with_devices else ("skipped", "no_device")].append(row["id"])
    await _to_messages(by_message, now)
    statuses["expanded", None].extend(row["id"] for row, _ in by_message)
    for send_at, ids in deferred.items():
        await Notification.update({Notification.due_at: send_at}).where(Notification.id.is_in(ids))
    for (status, reason), ids in statuses.items():
        if ids:
            await Notification.update({Notification.status: status, Notification.skip_reason: reason}).where(
                Notification.id.is_in(ids)
            )


async def _to_messages(rows: list[tuple[dict[str, Any], channels.Channel]], now: datetime) -> None:
    """One e-mail or SMS delivery per notification; the unique "notification:channel" key makes a second
    fan-out add nothing."""
    deliveries = [
        MessageDelivery(
            notification=row["id"],
            member=row["member"],
            channel=channel,
            delivery_key=f"{row['id']}:{channel}",
            # The SMS's reference for the gateway and its reports, the same on every try (see `backend.push.messages`).
            reference=message_reference(row["id"]) if channel == "sms" else None,
            next_attempt_at=now,
            created_at=now,
        )
        for row, channel in rows
    ]
    for chunk in chunks(deliveries, INSERT_CHUNK):
        await MessageDelivery.insert(*chunk).on_conflict(target=MessageDelivery.delivery_key, action="DO NOTHING")


async def _service_enabled(member_ids: Iterable[int]) -> dict[int, bool]:
    rows = await Member.select(Member.id, Member.push_service_enabled).where(Member.id.is_in(sorted(member_ids)))
    return {r["id"]: r["push_service_enabled"] for r in rows}


async def _marketing_times(member_ids: set[int], now: datetime) -> defaultdict[int, list[datetime]]:
    """When these members' marketing pushes went out, a week either side of now."""
    times: defaultdict[int, list[datetime]] = defaultdict(list)
    if member_ids:
        rows = await Notification.select(Notification.member, Notification.due_at).where(
            Notification.member.is_in(sorted(member_ids))
            & Notification.kind.is_in(sorted(rules.MARKETING_KINDS))
            & (Notification.status == "expanded")
            & (Notification.due_at >= now - rules.CAP_WINDOW)
            & (Notification.due_at <= now + rules.CAP_WINDOW)
        )
        for r in rows:
            times[r["member"]].append(r["due_at"])
    return times


async def _fan_out(notification_ids: list[int], now: datetime) -> set[int]:
    """One delivery per unflagged device of each notification's member, one INSERT ... SELECT per chunk.
    The unique "notification:subscription" key makes a second fan-out add nothing. Returns the
    notifications that have a delivery."""
    expanded: set[int] = set()
    for chunk in chunks(notification_ids, INSERT_CHUNK):
        rows = await PushDelivery.raw(
            "INSERT INTO push_delivery (notification, subscription, delivery_key, status, attempts, next_attempt_at, "
            "created_at) SELECT n.id, s.id, CAST(n.id AS TEXT) || ':' || CAST(s.id AS TEXT), 'pending', 0, {}, {} "
            "FROM notification n JOIN push_subscription s ON s.member = n.member AND s.flagged_at IS NULL "
            f"WHERE n.id IN ({', '.join('{}' for _ in chunk)}) ORDER BY n.id, s.id "
            "ON CONFLICT (delivery_key) DO NOTHING RETURNING notification",
            now,
            now,
            *chunk,
        )
        expanded.update(r["notification"] for r in rows)
    if missing := set(notification_ids) - expanded:  # no device, or (last line of defence) fanned out before
        rows = await PushDelivery.select(PushDelivery.notification).where(
            PushDelivery.notification.is_in(sorted(missing))
        )
        expanded.update(r["notification"] for r in rows)
    return expanded


def message_reference(notification_id: int) -> str:
    """One name per e-mail or SMS, the same on every try: the SMS's reference at the gateway (and in its
    delivery reports) and the e-mail's Message-ID."""
    return f"n{notification_id}"


async def consent_withdrawn(rows: Iterable[Offer], channel: channels.Channel) -> set[int]:
    """The ids of the marketing messages among `rows` whose member has since withdrawn the consent they
    need on `channel` (checked again at send time: a retry hours after the fan-out must not go out
    after a "no")."""
    offers = [row for row in rows if rules.is_marketing(row.kind)]
    if not offers:
        return set()
    purpose = channels.CONSENT[channel]
    given = await counted_consents({row.member_id for row in offers}, [purpose, "analysis"])
    withdrawn = set()
    for row in offers:
        said = given.get(row.member_id, {})
        if not (said.get(purpose, False) and may_personalise(said, {"kind": row.kind, "data": row.data})):
            withdrawn.add(row.id)
    return withdrawn


class Offer(NamedTuple):
    id: int  # the delivery's
    member_id: int
    kind: rules.Kind
    data: Any  # the notification's data, as JSON text or decoded


def may_personalise(given: dict[str, bool], row: dict[str, Any]) -> bool:
    """A campaign picked by visits or interests also needs the personalised-offers (analysis) consent,
    as the ledger says now: withdrawing it after the campaign was planned still takes the member out."""
    return not _personalised(row) or given.get("analysis", False)


def _personalised(row: dict[str, Any]) -> bool:
    """Whether a campaign chose this member by their history (see `digital_stampcard.segments`)."""
    return row["kind"] == "campaign" and bool(_data(row).get("personalised", False))


def _data(row: dict[str, Any]) -> dict[str, Any]:
    data = row["data"]
    if isinstance(data, (str, bytes)):
        data = msgspec.json.decode(data) if data else {}
    return data or {}


async def locked(ctx: AppContext, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows for this worker only: PostgreSQL skips rows another worker holds; SQLite has one writer."""
    if is_postgres(ctx.engine):
        sql += " FOR UPDATE SKIP LOCKED"
    rows: list[dict[str, Any]] = await Notification.raw(sql, *args)
    return rows


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    return (items[i : i + size] for i in range(0, len(items), size))
