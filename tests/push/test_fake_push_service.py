"""The fake push service is real enough: pywebpush (sync and async) gets through it, and it refuses what a real
push service refuses."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from py_vapid import Vapid01, Vapid02
from pywebpush import WebPusher, WebPushException, webpush, webpush_async

from tests.push.fake_push_service import FakePushService, FakeSubscription, public_key_b64

SUB = "mailto:push-tests@stampcard.example.no"
TIMEOUT = aiohttp.ClientTimeout(total=10)
MESSAGE = {
    "web_push": 8030,
    "notification": {"title": "Ett stempel til!", "body": "Du har 7 av 10 stempler.", "navigate": "/club/cards"},
}


def new_vapid(cls: type[Vapid01] = Vapid02, conf: dict[str, Any] | None = None) -> Vapid01:
    vapid = cls(conf=conf)
    vapid.generate_keys()
    return vapid


def vapid_header(vapid: Vapid01, aud: str, **claims: Any) -> dict[str, str]:
    """What the app does: sign once per audience (a fresh claims dict each time) and reuse the header."""
    headers: dict[str, str] = vapid.sign({"sub": SUB, "aud": aud, "exp": int(time.time()) + 12 * 3600, **claims})
    return headers


def encrypted(subscription: FakeSubscription, payload: Any) -> bytes:
    body: bytes = WebPusher(subscription.info).encode(json.dumps(payload).encode())["body"]
    return body


@pytest.fixture
async def push() -> AsyncIterator[FakePushService]:
    async with FakePushService() as service:
        yield service


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
        yield client


@pytest.fixture
def vapid() -> Vapid01:
    return new_vapid()


async def send(
    session: aiohttp.ClientSession,
    subscription: FakeSubscription,
    vapid: Vapid01,
    payload: Any = MESSAGE,
    **kwargs: Any,
) -> aiohttp.ClientResponse:
    kwargs.setdefault("ttl", 3600)
    kwargs.setdefault("vapid_claims", {"sub": SUB})
    response = await webpush_async(
        subscription.info,
        json.dumps(payload),
        vapid_private_key=vapid,
        aiohttp_session=session,
        timeout=10,
        **kwargs,
    )
    assert isinstance(response, aiohttp.ClientResponse)
    return response


async def refused_status(coroutine: Any) -> int:
    with pytest.raises(WebPushException) as caught:
        await coroutine
    status: int | None = caught.value.status_code
    assert status is not None
    return status


# -- accepted -------------------------------------------------------------------------------------------------


async def test_webpush_async_is_accepted_decrypted_and_recorded(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscription = push.new_subscription()
    assert subscription.info["endpoint"] == f"{push.origin}/push/{subscription.id}"
    assert set(subscription.info["keys"]) == {"p256dh", "auth"}

    response = await send(session, subscription, vapid, headers={"Urgency": "high", "Topic": "card-42"})

    assert response.status == 201
    assert response.headers["Location"].startswith(f"{push.origin}/message/")
    [message] = push.received_for(subscription)
    assert message.json == MESSAGE
    assert message.payload == json.dumps(MESSAGE).encode()
    assert (message.ttl, message.urgency, message.topic) == (3600, "high", "card-42")
    assert message.headers["content-encoding"] == "aes128gcm"
    assert message.vapid_scheme == "vapid"
    assert message.vapid_public_key == public_key_b64(vapid)
    assert message.claims.aud == push.origin
    assert message.claims.sub == SUB
    assert 0 < message.exp_ahead <= 12 * 3600
    assert push.attempts_for(subscription) == 1


@pytest.mark.parametrize("vapid_class", [Vapid01, Vapid02], ids=["WebPush+Crypto-Key", "vapid t=,k="])
async def test_sync_webpush_in_a_thread_both_vapid_schemes(push: FakePushService, vapid_class: type[Vapid01]) -> None:
    subscription = push.new_subscription()
    vapid = new_vapid(vapid_class)

    response = await asyncio.to_thread(
        webpush,
        subscription.info,
        json.dumps(MESSAGE),
        vapid_private_key=vapid,
        vapid_claims={"sub": SUB},
        ttl=60,
        timeout=10,
    )

    assert response.status_code == 201
    [message] = await push.wait_for(1, subscription=subscription)
    assert message.json == MESSAGE
    assert message.vapid_scheme == ("webpush" if vapid_class is Vapid01 else "vapid")
    assert message.vapid_public_key == public_key_b64(vapid)


async def test_webpusher_send_async_with_one_cached_header_per_audience(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscriptions = push.new_subscriptions(300)
    headers = vapid_header(vapid, push.origin)

    async def one(subscription: FakeSubscription, index: int) -> int:
        pusher = WebPusher(subscription.info, aiohttp_session=session)
        payload = json.dumps({**MESSAGE, "n": index})
        response = await pusher.send_async(payload, dict(headers, Urgency="normal"), ttl=600, timeout=TIMEOUT)
        assert isinstance(response, aiohttp.ClientResponse)
        return response.status

    statuses = await asyncio.gather(*(one(sub, n) for n, sub in enumerate(subscriptions)))

    assert set(statuses) == {201}
    assert sorted(message.json["n"] for message in push.received) == list(range(300))
    assert all(message.ttl == 600 for message in push.received)
    assert push.jwt_verifications == 1  # the same token string is verified once


async def test_throughput_mode_skips_decryption_but_still_checks_headers(
    session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    async with FakePushService(decrypt=False, latency=0.01) as push:
        subscription = push.new_subscription()
        assert (await send(session, subscription, vapid)).status == 201
        assert push.received[0].payload is None
        assert push.received[0].json is None

        headers = vapid_header(vapid, push.origin)
        headers.update({"Content-Encoding": "aes128gcm"})
        async with session.post(
            subscription.endpoint, data=encrypted(subscription, MESSAGE), headers=headers
        ) as no_ttl:
            assert no_ttl.status == 400


# -- refused: headers and body --------------------------------------------------------------------------------


async def test_missing_ttl_is_refused(push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01) -> None:
    # pywebpush always adds TTL (defaulting to 0), so send the request by hand.
    subscription = push.new_subscription()
    headers = vapid_header(vapid, push.origin)
    headers["Content-Encoding"] = "aes128gcm"

    async with session.post(subscription.endpoint, data=encrypted(subscription, MESSAGE), headers=headers) as response:
        assert response.status == 400
        assert "TTL" in (await response.json())["error"]

    headers["TTL"] = "60"
    async with session.post(subscription.endpoint, data=encrypted(subscription, MESSAGE), headers=headers) as response:
        assert response.status == 201
    assert push.attempts_for(subscription) == 2
    assert [attempt.status for attempt in push.attempt_log_for(subscription)] == [400, 201]


@pytest.mark.parametrize(
    "headers",
    [{"TTL": "-1"}, {"TTL": "1.5"}, {"Urgency": "urgent"}, {"Topic": "card:42"}, {"Topic": "x" * 33}],
    ids=["negative-ttl", "float-ttl", "bad-urgency", "topic-with-colon", "topic-too-long"],
)
async def test_invalid_ttl_urgency_or_topic_is_refused(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01, headers: dict[str, str]
) -> None:
    subscription = push.new_subscription()
    status = await refused_status(send(session, subscription, vapid, ttl=0, headers=headers))
    assert status == 400
    assert push.received == []


async def test_aesgcm_content_encoding_is_refused(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscription = push.new_subscription()
    assert await refused_status(send(session, subscription, vapid, content_encoding="aesgcm")) == 400
    assert "aes128gcm" in push.refused[0].reason


async def test_a_body_that_does_not_decrypt_is_refused(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscription, other = push.new_subscription(), push.new_subscription()
    headers = vapid_header(vapid, push.origin)
    headers.update({"Content-Encoding": "aes128gcm", "TTL": "60"})
    tampered = bytearray(encrypted(subscription, MESSAGE))
    tampered[-1] ^= 1

    for body in (bytes(tampered), encrypted(other, MESSAGE), b"not encrypted at all"):
        async with session.post(subscription.endpoint, data=body, headers=headers) as response:
            assert response.status == 400
    assert push.received == []


async def test_a_payload_over_4096_bytes_is_refused(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscription = push.new_subscription()
    assert await refused_status(send(session, subscription, vapid, payload={"x": "y" * 5000})) == 413


async def test_an_unknown_subscription_is_404(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscription = push.new_subscription()
    push.forget(subscription)
    assert await refused_status(send(session, subscription, vapid)) == 404


# -- refused: VAPID -------------------------------------------------------------------------------------------


async def test_a_jwt_signed_by_another_key_than_k_is_refused(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscription = push.new_subscription()
    header = vapid_header(vapid, push.origin)["Authorization"]
    other_key = public_key_b64(new_vapid())
    forged = {"Authorization": header.rsplit("k=", 1)[0] + "k=" + other_key}

    response = await WebPusher(subscription.info, aiohttp_session=session).send_async(
        json.dumps(MESSAGE), forged, ttl=60, timeout=TIMEOUT
    )

    assert response.status == 401
    assert "signature" in push.refused[0].reason


async def test_a_missing_authorization_header_is_refused(push: FakePushService, session: aiohttp.ClientSession) -> None:
    subscription = push.new_subscription()
    response = await WebPusher(subscription.info, aiohttp_session=session).send_async(
        json.dumps(MESSAGE), {}, ttl=60, timeout=TIMEOUT
    )
    assert response.status == 401


@pytest.mark.parametrize(
    "sub",
    ["mailto:ops@localhost", "mailto:ops@stampcard.localhost", "https://localhost", "ops@example.no", "http://x.no"],
)
async def test_a_bad_sub_is_refused(push: FakePushService, session: aiohttp.ClientSession, sub: str) -> None:
    # py_vapid itself accepts mailto:…@localhost; no-strict lets the other bad forms through to the service.
    vapid = new_vapid(conf={"no-strict": True})
    subscription = push.new_subscription()
    assert await refused_status(send(session, subscription, vapid, vapid_claims={"sub": sub})) == 403
    assert "sub" in push.refused[0].reason


async def test_an_expired_or_too_distant_exp_is_refused(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscription = push.new_subscription()
    pusher = WebPusher(subscription.info, aiohttp_session=session)
    now = int(time.time())

    expired = vapid_header(vapid, push.origin, exp=now - 60)
    assert (await pusher.send_async(json.dumps(MESSAGE), expired, ttl=60, timeout=TIMEOUT)).status == 401
    too_far = vapid_header(vapid, push.origin, exp=now + 25 * 3600)
    assert (await pusher.send_async(json.dumps(MESSAGE), too_far, ttl=60, timeout=TIMEOUT)).status == 403

    # py_vapid's own default is 24 h: accepted by the service, but recorded so app tests can insist on <= 12 h.
    default_exp = vapid.sign({"sub": SUB, "aud": push.origin})
    assert (await pusher.send_async(json.dumps(MESSAGE), default_exp, ttl=60, timeout=TIMEOUT)).status == 201
    assert push.received[0].exp_ahead > 12 * 3600


async def test_the_service_judges_exp_on_the_injected_clock(session: aiohttp.ClientSession, vapid: Vapid01) -> None:
    async with FakePushService(clock=lambda: time.time() + 13 * 3600) as push:
        subscription = push.new_subscription()
        # pywebpush signs exp = wall clock + 12 h, which is already past on the service's clock.
        assert await refused_status(send(session, subscription, vapid)) == 401


async def test_a_reused_claims_dict_carries_the_first_aud_to_the_next_service(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    claims: dict[str, str | int] = {"sub": SUB}
    async with FakePushService() as other_push:
        assert (await send(session, push.new_subscription(), vapid, vapid_claims=claims)).status == 201
        assert claims["aud"] == push.origin  # pywebpush wrote aud (and exp) into our dict
        status = await refused_status(send(session, other_push.new_subscription(), vapid, vapid_claims=claims))
        assert status == 403
        assert "aud" in other_push.refused[0].reason


async def test_a_pinned_application_server_key_refuses_other_keys(
    session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    intruder = new_vapid()
    async with FakePushService(expected_vapid_public_key=vapid) as push:
        subscription = push.new_subscription()
        assert await refused_status(send(session, subscription, intruder)) == 403
        assert (await send(session, subscription, vapid)).status == 201

    async with FakePushService() as push:
        subscription = push.new_subscription(application_server_key=public_key_b64(vapid))
        assert await refused_status(send(session, subscription, intruder)) == 403
        assert (await send(session, subscription, vapid)).status == 201


# -- programmed answers ---------------------------------------------------------------------------------------


async def test_a_programmed_410_then_201(push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01) -> None:
    subscription = push.new_subscription()
    push.respond(subscription, 410)

    assert await refused_status(send(session, subscription, vapid)) == 410
    assert (await send(session, subscription, vapid)).status == 201
    assert push.attempts_for(subscription) == 2
    assert len(push.received_for(subscription)) == 1


async def test_gone_is_410_forever(push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01) -> None:
    subscription = push.new_subscription()
    push.gone(subscription)
    for _ in range(3):
        assert await refused_status(send(session, subscription, vapid)) == 410
    assert push.attempts_for(subscription) == 3
    assert push.received == []


async def test_429_carries_retry_after_and_queued_answers_run_in_order(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscription = push.new_subscription()
    push.respond(subscription, 429, retry_after=30)
    push.respond(subscription, 500, times=2)

    with pytest.raises(WebPushException) as caught:
        await send(session, subscription, vapid)
    assert caught.value.status_code == 429
    assert caught.value.retry_after == "30"
    assert await refused_status(send(session, subscription, vapid)) == 500
    assert await refused_status(send(session, subscription, vapid)) == 500
    assert (await send(session, subscription, vapid)).status == 201
    assert [a.status for a in push.attempt_log_for(subscription)] == [429, 500, 500, 201]


async def test_an_invalid_request_does_not_consume_a_programmed_answer(
    push: FakePushService, session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    subscription = push.new_subscription()
    push.respond(subscription, 429, retry_after=5)
    assert await refused_status(send(session, subscription, vapid, headers={"Topic": "not valid!"})) == 400
    assert await refused_status(send(session, subscription, vapid)) == 429


# -- waiting --------------------------------------------------------------------------------------------------


async def test_wait_for_waits_for_deliveries_and_names_refusals_on_timeout(
    session: aiohttp.ClientSession, vapid: Vapid01
) -> None:
    async with FakePushService(latency=0.05) as push:
        subscriptions = push.new_subscriptions(5)
        tasks = [asyncio.create_task(send(session, sub, vapid)) for sub in subscriptions]

        delivered = await push.wait_for(5, timeout=5)

        assert {message.subscription_id for message in delivered} == {sub.id for sub in subscriptions}
        assert [message.json for message in await push.wait_for(1, subscription=subscriptions[0])] == [MESSAGE]
        await asyncio.gather(*tasks)

        push.gone(subscriptions[0])
        failing = asyncio.create_task(send(session, subscriptions[0], vapid))
        attempts = await push.wait_for_attempts(2, timeout=5, subscription=subscriptions[0])
        assert [attempt.status for attempt in attempts] == [201, 410]
        with pytest.raises(WebPushException):
            await failing

        with pytest.raises(TimeoutError, match="410 subscription is gone"):
            await push.wait_for(6, timeout=0.2)
