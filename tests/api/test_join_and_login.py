"""Join step 1 and login: identifiers, consents, one-time codes, sessions, CSRF."""

from __future__ import annotations

from collections.abc import Callable

from backend.accounts.tables import WebSession
from backend.clock import FrozenClock
from backend.members.tables import ConsentEvent, Member
from backend.messaging.tables import OutboxMessage
from tests.api.helpers import Browser


async def start(phone: Browser, identifier: str, **extra: object) -> object:
    return await phone.post(
        "/api/auth/otp/start", {"identifier": identifier, "purpose": "join", "terms_accepted": True, **extra}
    )


async def verify(phone: Browser, identifier: str, code: str, **extra: object) -> object:
    return await phone.post(
        "/api/auth/otp/verify",
        {
            "identifier": identifier,
            "code": code,
            "device_public_key": phone.public_key,
            **extra,
        },
    )


async def test_norwegian_number_without_prefix_is_stored_e164_with_consent_ledger(
    new_browser: Callable[[], Browser],
) -> None:
    phone = new_browser()
    await phone.join("412 34 567", marketing={"push": True, "email": False, "sms": False})
    member = await Member.objects().first()
    assert member is not None and member.phone == "+4741234567" and member.email is None
    consents = await ConsentEvent.select().order_by(ConsentEvent.id)
    assert [(c["purpose"], c["granted"], c["text_version"], c["source"]) for c in consents] == [
        ("terms", True, "1", "join_form"),  # each purpose's own text version
        ("marketing_push", True, "1", "join_form"),
    ]


async def test_email_join_and_poster_store_is_the_source(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await phone.join("Kari@Example.NO", store="bryggen")
    member = await Member.objects().first()
    assert member is not None and member.email == "kari@example.no" and member.source_store is not None
    consent = await ConsentEvent.objects().first()
    assert consent is not None and consent.source == "poster:bryggen"
    assert member.signup_source == "poster"


async def test_the_tills_join_code_counts_as_a_staff_signup_and_no_store_as_direct(
    new_browser: Callable[[], Browser],
) -> None:
    qr = await new_browser().get("/api/stores/bryggen/join-qr.svg?via=staff")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.content != (await new_browser().get("/api/stores/bryggen/join-qr.svg")).content  # another URL
    await new_browser().join("41234560", store="bryggen", via="staff")
    await new_browser().join("41234561", via="staff")  # no store: nothing to credit
    rows = await Member.select(Member.phone, Member.signup_source, Member.source_store).order_by(Member.id)
    assert [(r["phone"], r["signup_source"], r["source_store"] is not None) for r in rows] == [
        ("+4741234560", "staff", True),
        ("+4741234561", "direct", False),
    ]
    sources = await ConsentEvent.select(ConsentEvent.source).where(ConsentEvent.purpose == "terms")
    assert sorted(c["source"] for c in sources) == ["join_form", "staff:bryggen"]


async def test_malformed_identifiers_are_refused_without_sending_anything(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    for bad in ["123", "abc", "ola@", "x@@y.no", "+47 123", "22 12 34 56", "9" * 40, ""]:
        response = await start(phone, bad)
        assert response.status_code == 400, bad
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid_identifier"
    assert await OutboxMessage.count() == 0
    assert await Member.count() == 0


async def test_terms_are_required_to_join(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    response = await phone.post(
        "/api/auth/otp/start", {"identifier": "91234567", "purpose": "join", "terms_accepted": False}
    )
    assert response.status_code == 400 and response.json()["code"] == "terms_required"
    assert await OutboxMessage.count() == 0


async def test_wrong_codes_count_down_then_lock_and_create_nobody(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await start(phone, "91234567")
    code = await phone.latest_code("91234567")
    wrong = "000000" if code != "000000" else "111111"
    lefts = []
    for _ in range(4):
        response = await verify(phone, "91234567", wrong)
        assert response.status_code == 400 and response.json()["code"] == "code_invalid"
        lefts.append(response.json()["attempts_left"])
    assert lefts == [4, 3, 2, 1]
    fifth = await verify(phone, "91234567", wrong)
    assert fifth.status_code == 429 and fifth.json()["code"] == "too_many_attempts"
    right_but_late = await verify(phone, "91234567", code)
    assert right_but_late.json()["code"] == "too_many_attempts"
    assert code not in right_but_late.text
    assert await Member.count() == 0


async def test_expired_and_reused_codes_are_refused(new_browser: Callable[[], Browser], clock: FrozenClock) -> None:
    phone = new_browser()
    await start(phone, "91234567")
    code = await phone.latest_code("91234567")
    clock.advance(minutes=10, seconds=1)
    expired = await verify(phone, "91234567", code)
    assert expired.status_code == 400 and expired.json()["code"] == "code_expired"
    assert await Member.count() == 0

    await start(phone, "91234567")
    code = await phone.latest_code("91234567")
    assert (await verify(phone, "91234567", code)).status_code == 200
    other = new_browser()
    reused = await verify(other, "91234567", code)
    assert reused.status_code == 400 and reused.json()["code"] == "code_used"
    assert await Member.count() == 1


async def test_same_answer_whether_or_not_the_member_exists(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await phone.join("91234567")
    other = new_browser()
    existing = await other.post("/api/auth/otp/start", {"identifier": "91234567", "purpose": "login"})
    unknown = await other.post("/api/auth/otp/start", {"identifier": "91234568", "purpose": "login"})
    assert existing.status_code == unknown.status_code == 202
    assert existing.json().keys() == unknown.json().keys()
    assert existing.json()["expires_in"] == unknown.json()["expires_in"]


async def test_send_limit_per_identifier(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    statuses = [(await start(phone, "91234567")).status_code for _ in range(51)]
    assert statuses[:50] == [202] * 50
    assert statuses[50] == 429
    limited = await start(phone, "91234567")
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["retry-after"]) > 0


async def test_login_on_a_new_phone_is_the_same_code_flow_with_a_fresh_session(
    new_browser: Callable[[], Browser],
) -> None:
    first = new_browser()
    joined = await first.join("91234567")
    second = new_browser()
    await second.post("/api/auth/otp/start", {"identifier": "+47 912 34 567", "purpose": "login"})
    code = await second.latest_code("91234567")
    response = await verify(second, "91234567", code)
    assert response.status_code == 200
    assert response.json()["new_member"] is False
    assert response.json()["member"]["member_number"] == joined["member"]["member_number"]
    assert response.json()["device_id"] != joined["device_id"]
    assert await WebSession.count() == 2
    assert (await first.get("/api/me")).status_code == 200  # the first phone stays logged in
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Path=/" in cookie


async def test_login_for_an_unknown_identifier_asks_for_terms_without_burning_the_code(
    new_browser: Callable[[], Browser],
) -> None:
    phone = new_browser()
    await phone.post("/api/auth/otp/start", {"identifier": "91234567", "purpose": "login"})
    code = await phone.latest_code("91234567")
    first = await verify(phone, "91234567", code)
    assert first.status_code == 409 and first.json()["code"] == "terms_required"
    assert await Member.count() == 0
    second = await verify(phone, "91234567", code, terms_accepted=True, marketing={"sms": True})
    assert second.status_code == 200 and second.json()["new_member"] is True
    purposes = {c["purpose"] for c in await ConsentEvent.select(ConsentEvent.purpose)}
    assert purposes == {"terms", "marketing_sms"}


async def test_unsafe_requests_need_the_csrf_token_and_same_origin(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    body = {"identifier": "91234567", "purpose": "join", "terms_accepted": True}
    no_token = await phone.client.post("/api/auth/otp/start", json=body)
    assert no_token.status_code == 403 and no_token.json()["code"] == "csrf"
    cross_site = await phone.post(
        "/api/auth/otp/start", body, headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status_code == 403
    assert await OutboxMessage.count() == 0


async def test_logout_revokes_the_session(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    await phone.join("91234567")
    cookie = phone.client.cookies.get("stampcard_session")
    assert (await phone.post("/api/auth/logout")).status_code == 204
    thief = new_browser()
    thief.client.cookies.set("stampcard_session", cookie or "")
    response = await thief.get("/api/me")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


async def test_security_headers_and_problem_details(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    response = await phone.get("/api/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    csp = response.headers["content-security-policy"]
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["permissions-policy"].startswith("camera=(self)")
