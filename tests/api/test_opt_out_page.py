"""The opt-out link /u/{token} on the real app: GET asks and changes nothing; the page's button and a mail
client's RFC 8058 one-click POST (no cookies, no CSRF token) withdraw the channel's marketing consent in
the ledger, once; a forged link is a friendly 404; the member's language and channel are used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from litestar import Litestar

from backend.members.tables import ConsentEvent, Member
from digital_stampcard.opt_out import OptOut, make_token
from tests.api.helpers import Browser


async def joined_with_offers(phone: Browser, identifier: str = "kari@example.no") -> int:
    """A member who said yes to offers by e-mail and SMS on Min side; their id."""
    await phone.join(identifier)
    await phone.ensure_csrf()
    for purpose in ("marketing_email", "marketing_sms"):
        response = await phone.client.put(
            f"/api/me/consents/{purpose}", json={"granted": True}, headers={"x-csrftoken": phone.csrf or ""}
        )
        assert response.status_code == 200, response.text
    member = await Member.select(Member.id).order_by(Member.id, ascending=False).first()
    assert member is not None
    return int(member["id"])


def link(app: Litestar, member_id: int, channel: Any = "email", campaign_id: int | None = None) -> str:
    return "/u/" + make_token(app.state["ctx"].settings.secret_key, OptOut(member_id, channel, campaign_id))


async def events(member_id: int, purpose: str) -> list[dict[str, Any]]:
    return list(
        await ConsentEvent.select(ConsentEvent.granted, ConsentEvent.source, ConsentEvent.text_version)
        .where((ConsentEvent.member == member_id) & (ConsentEvent.purpose == purpose))
        .order_by(ConsentEvent.id)
    )


def mail_client(app: Litestar) -> httpx.AsyncClient:
    """What a mail provider's server is: no cookies, no browser headers."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=app.state["ctx"].settings.public_url)


async def test_get_asks_and_changes_nothing(app: Litestar, new_browser: Callable[[], Browser]) -> None:
    member_id = await joined_with_offers(new_browser())
    before = await ConsentEvent.count()
    url = link(app, member_id, campaign_id=9999)
    async with mail_client(app) as scanner:  # a link scanner or preview fetches it, twice even
        for _ in range(2):
            page = await scanner.get(url)
            assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]  # the app's CSP, not weakened
    assert "Vil du slutte å få tilbud på e-post fra Testkaffe?" in page.text
    assert "Ja, meld meg av" in page.text
    assert f'<form method="post" action="{url}"' in page.text
    assert '<link rel="stylesheet" href="/assets/opt-out.css">' in page.text and "style=" not in page.text
    assert await ConsentEvent.count() == before


async def test_the_pages_button_withdraws_email_offers_once(app: Litestar, new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    member_id = await joined_with_offers(phone)
    url = link(app, member_id, campaign_id=9999)
    origin = app.state["ctx"].settings.public_url
    form_post = {"origin": origin, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded"}
    done = await phone.client.post(url, content=b"", headers=form_post)  # the browser's own cookies, no CSRF header
    assert done.status_code == 200, done.text
    assert "Du er meldt av." in done.text
    assert "Du får ikke flere tilbud på e-post fra Testkaffe." in done.text
    assert '<a href="/me"' in done.text and "Min side" in done.text
    assert (await events(member_id, "marketing_email"))[-1] == {
        "granted": False,
        "source": "opt_out_link:campaign:9999",
        "text_version": "1",
    }
    assert (await events(member_id, "marketing_sms"))[-1]["granted"] is True  # the other channel is untouched
    mine = (await phone.get("/api/me/consents")).json()
    assert {p["purpose"]: p["state"] for p in mine["purposes"]}["marketing_email"] == "withdrawn"
    assert mine["history"][0]["source"] == "opt_out_link"  # Min side names where it came from

    again = await phone.client.post(url, content=b"", headers=form_post)
    assert again.status_code == 200 and "Du er meldt av." in again.text
    assert len(await events(member_id, "marketing_email")) == 2  # the yes, and one no


async def test_a_mail_clients_one_click_post_withdraws_without_cookies(
    app: Litestar, new_browser: Callable[[], Browser]
) -> None:
    member_id = await joined_with_offers(new_browser())
    url = link(app, member_id)
    async with mail_client(app) as provider:
        urlencoded = await provider.post(url, data={"List-Unsubscribe": "One-Click"})
        assert urlencoded.status_code == 200, urlencoded.text
        multipart = await provider.post(url, files={"List-Unsubscribe": (None, "One-Click")})
        assert multipart.status_code == 200, multipart.text
    assert provider.cookies.get("csrftoken") is None
    assert [(e["granted"], e["source"]) for e in await events(member_id, "marketing_email")] == [
        (True, "min_side"),
        (False, "opt_out_link"),
    ]


async def test_an_sms_link_withdraws_sms_offers_and_says_sms(app: Litestar, new_browser: Callable[[], Browser]) -> None:
    member_id = await joined_with_offers(new_browser(), "912 34 567")
    url = link(app, member_id, "sms", campaign_id=7)
    async with mail_client(app) as phone:
        assert "Vil du slutte å få tilbud på SMS fra Testkaffe?" in (await phone.get(url)).text
        assert "Du får ikke flere tilbud på SMS fra Testkaffe." in (await phone.post(url)).text
    assert (await events(member_id, "marketing_sms"))[-1] == {
        "granted": False,
        "source": "opt_out_link:campaign:7",
        "text_version": "1",
    }
    assert (await events(member_id, "marketing_email"))[-1]["granted"] is True


async def test_an_english_member_gets_the_page_in_english(app: Litestar, new_browser: Callable[[], Browser]) -> None:
    member_id = await joined_with_offers(new_browser())
    await Member.update({Member.lang: "en"}).where(Member.id == member_id)
    url = link(app, member_id)
    async with mail_client(app) as client:
        asked = await client.get(url)
        assert 'lang="en"' in asked.text
        assert "Do you want to stop getting offers by e-mail from Testkaffe?" in asked.text
        assert "Yes, unsubscribe me" in asked.text
        done = (await client.post(url)).text
    assert "You are unsubscribed." in done and "You will get no more offers by e-mail from Testkaffe." in done
    assert "My page" in done


async def test_a_forged_or_foreign_link_is_a_friendly_404_in_both_languages(
    app: Litestar, new_browser: Callable[[], Browser]
) -> None:
    member_id = await joined_with_offers(new_browser())
    url = link(app, member_id)
    token = url.removeprefix("/u/")
    forged = "/u/" + token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    nobody = link(app, 424242)  # signed, but for no member here
    before = await ConsentEvent.count()
    async with mail_client(app) as client:
        for bad in (forged, nobody, "/u/not-a-token-at-all"):
            for method in ("GET", "POST"):
                page = await client.request(method, bad)
                assert page.status_code == 404, (bad, method)
                assert page.headers["content-type"].startswith("text/html")
                assert "Lenken virker ikke" in page.text and "This link does not work" in page.text
    assert await ConsentEvent.count() == before


async def test_a_member_who_left_is_told_so_and_nothing_is_recorded(
    app: Litestar, new_browser: Callable[[], Browser]
) -> None:
    phone = new_browser()
    member_id = await joined_with_offers(phone)
    assert (await phone.post("/api/me/leave", {"confirm": True})).status_code == 200
    before = await ConsentEvent.count()
    async with mail_client(app) as client:
        for method in ("GET", "POST"):
            page = await client.request(method, link(app, member_id))
            assert page.status_code == 200
            assert "Du er ikke lenger medlem" in page.text and "Ja, meld meg av" not in page.text
    assert await ConsentEvent.count() == before


async def test_guessing_links_is_rate_limited_per_ip(app: Litestar, client: httpx.AsyncClient) -> None:
    async with mail_client(app) as guesser:
        answers = [(await guesser.get(f"/u/guessedtoken{n:04d}")).status_code for n in range(31)]
        assert answers == [404] * 30 + [429]
        limited = await guesser.get("/u/guessedtoken9999")
    assert int(limited.headers["retry-after"]) > 0
    assert "For mange forsøk" in limited.text and "Too many tries" in limited.text
