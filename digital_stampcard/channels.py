"""Which channel a message to a member goes by: push, e-mail or SMS.

Consent is per channel (markedsføringsloven §15): a marketing message goes only by a channel the
member said yes to. "best" is push where the member has a phone that takes pushes, else e-mail (free,
and it can carry a picture and a link), else SMS (it costs per segment). Service messages (a reward
that is ready, the birthday greeting) need no marketing consent, only the member's service switch.
The weekly cap and quiet hours belong to the message, not the channel (`notifications.decide`), so
they hold across all channels at once. Pure."""

from __future__ import annotations

from typing import Literal, get_args

import msgspec

from digital_stampcard.notifications import Kind, is_marketing

Channel = Literal["push", "email", "sms"]
Choice = Literal["best", "push", "email", "sms"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)
CHOICES: tuple[Choice, ...] = get_args(Choice)
BEST_ORDER: tuple[Channel, ...] = ("push", "email", "sms")
CONSENT: dict[Channel, str] = {"push": "marketing_push", "email": "marketing_email", "sms": "marketing_sms"}
# The automatic messages that matter to a member without the app: they go by the best channel.
# Every other automatic message (a stamp at the till, a tier change) is push only: an SMS per stamp
# would cost the shop and tire the member.
EVERY_CHANNEL_KINDS: frozenset[Kind] = frozenset({"reward_ready", "we_miss_you", "birthday"})


def stored_choice(value: str | None) -> Choice:
    for choice in CHOICES:
        if value == choice:
            return choice
    return "push"  # campaigns from before channels existed


class Reachable(msgspec.Struct, frozen=True):
    """What the club can reach a member by, and what they said yes to."""

    push_device: bool  # a phone whose push subscription works
    email: bool  # an address that has not bounced
    phone: bool
    consents: frozenset[str] = frozenset()  # the marketing purposes that count now


class Pick(msgspec.Struct, frozen=True):
    channel: Channel | None
    reason: Literal["ok", "no_consent", "no_address"]


def choice_for(kind: Kind, campaign_choice: str | None) -> Choice:
    """A campaign's own choice; for the automatic messages, best channel or push only."""
    if kind == "campaign":
        return stored_choice(campaign_choice)
    return "best" if kind in EVERY_CHANNEL_KINDS else "push"


def pick(kind: Kind, choice: Choice, member: Reachable) -> Pick:
    """The channel this message goes by, or why there is none."""
    candidates = BEST_ORDER if choice == "best" else (choice,)
    consented = [c for c in candidates if not is_marketing(kind) or CONSENT[c] in member.consents]
    if not consented:
        return Pick(None, "no_consent")
    for channel in consented:
        if _has_address(channel, member):
            return Pick(channel, "ok")
    return Pick(None, "no_address")


def _has_address(channel: Channel, member: Reachable) -> bool:
    return {"push": member.push_device, "email": member.email, "sms": member.phone}[channel]


def marketing_sms(club_name: str, title: str, body: str, opt_out_url: str, lang: str) -> str:
    """The SMS a campaign sends: who it is from, the offer, and the opt-out link every marketing SMS
    carries (markedsføringsloven §15: stopping must be simple and free)."""
    stop = "Stop receiving offers" if lang == "en" else "Stopp tilbud"
    return f"{club_name}: {title}\n{body}\n{stop}: {opt_out_url}"


class SmsCost(msgspec.Struct, frozen=True):
    messages: int
    segments: int
    nok: float


def sms_cost(
    segments_per_message: dict[str, int], messages_per_lang: dict[str, int], nok_per_segment: float
) -> SmsCost:
    """What a campaign's SMS cost: each language's text in segments times the members who read it."""
    segments = sum(segments_per_message.get(lang, 0) * n for lang, n in messages_per_lang.items())
    return SmsCost(sum(messages_per_lang.values()), segments, round(segments * nok_per_segment, 2))
