"""Read models shared by the member's home screen and the staff scan result."""

from __future__ import annotations

from datetime import datetime

from backend.cards.card_state import CardState, read_card_state
from backend.cards.ledger import tier_window_days
from backend.cards.programs import tier_ladder
from backend.cards.schemas import (
    ActivityOut,
    CardOut,
    LastActionOut,
    NextTierOut,
    RewardOut,
    ScanMemberOut,
    ScanOut,
    TierOut,
    TierProgressOut,
)
from backend.cards.stamping import open_card
from backend.cards.tables import LedgerEntry, Program, Reward, Scan
from backend.members.tables import Member
from digital_stampcard import rewards as reward_rules
from digital_stampcard.tiers import Tier, TierProgress, held_tier, tier_progress
from digital_stampcard.undo import can_be_undone


async def card_out(member_id: int, program: Program) -> CardOut:
    card = await open_card(member_id, program)
    if card is None:  # no stamp yet: show the card the first stamp will open
        return CardOut(program.name, 0, program.capacity, program.reward_text)
    return CardOut(program.name, card.stamps, card.capacity, card.reward_text)


def card_of(state: CardState, program: Program) -> CardOut:
    if state.card is None:  # no stamp yet: show the card the first stamp will open
        return CardOut(program.name, 0, program.capacity, program.reward_text)
    return CardOut(program.name, state.card.stamps, state.card.capacity, state.card.reward_text)


async def member_state(member: Member, program: Program | None, now: datetime) -> tuple[CardState, Tier, TierProgress]:
    """The member's cards (one read, `card_state`) with the tier held and the progress to the next."""
    ladder = await tier_ladder()
    window_days = await tier_window_days()
    state = await read_card_state(member.id, program.id if program is not None else None, now, window_days)
    tier = held_tier(member.tier_code, state.earned, ladder)
    return state, tier, tier_progress(tier, state.earned, ladder, window_days)


def rewards_of(state: CardState) -> list[RewardOut]:
    return [RewardOut(r.id, r.title, "active", r.expires_at) for r in state.rewards]


def reward_out(reward: Reward, now: datetime) -> RewardOut:
    return RewardOut(
        reward.id, reward.title, reward_rules.effective_status(reward.status, reward.expires_at, now), reward.expires_at
    )


def tier_out(tier: Tier, lang: str) -> TierOut:
    return TierOut(tier.code, tier.name(lang))


def progress_out(progress: TierProgress, lang: str) -> TierProgressOut:
    nxt = progress.next
    return TierProgressOut(
        earned=progress.earned,
        next=NextTierOut(nxt.code, nxt.name(lang), nxt.threshold) if nxt else None,
        remaining=progress.remaining,
        fraction=round(progress.fraction, 4),
        window_days=progress.window_days,
    )


def last_action_out(state: CardState, now: datetime) -> LastActionOut | None:
    entry = state.last_action
    if entry is None or not can_be_undone(entry.kind, entry.reversed):
        return None
    undo_until = entry.created_at + reward_rules.UNDO_WINDOW
    if now > undo_until:
        return None
    return LastActionOut(entry.id, entry.kind, entry.stamps, undo_until)


async def activity(member_id: int, limit: int = 20) -> list[ActivityOut]:
    rows = (
        await LedgerEntry.select(
            LedgerEntry.created_at,
            LedgerEntry.kind,
            LedgerEntry.stamps,
            LedgerEntry.reason,
            LedgerEntry.store.name,
        )
        .where(LedgerEntry.member == member_id)
        .order_by(LedgerEntry.id, ascending=False)
        .limit(limit)
    )
    return [ActivityOut(r["created_at"], r["kind"], r["stamps"], r["reason"], r["store.name"]) for r in rows]


async def scan_out(
    scan: Scan,
    member: Member,
    program: Program | None,
    now: datetime,
    lang: str,
    tier: Tier | None = None,
    *,
    state: CardState | None = None,
) -> ScanOut:
    """`program`: the one that applies at the till; None when none does (no card, nothing to stamp).
    `tier`: the tier a visit just decided, else the one the member holds. `state`: the member's
    cards as the caller knows them now, when it does (else read)."""
    if state is None or tier is None:
        state, held, _ = await member_state(member, program, now)
    else:
        held = tier
    return ScanOut(
        scan_id=scan.public_id,
        method=scan.method,
        expires_at=scan.expires_at,
        member=ScanMemberOut(member.first_name, member.member_number, tier_out(tier or held, lang)),
        card=card_of(state, program) if program is not None else None,
        rewards=rewards_of(state),
        can_redeem=scan.method == "qr",
        last_action=last_action_out(state, now),
        stamp_basis=program.stamp_basis if program is not None else "visit",
        ore_per_stamp=program.ore_per_stamp if program is not None and program.stamp_basis == "amount" else 0,
    )
