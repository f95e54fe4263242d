"""Passkeys, driven by a software authenticator: real P-256 keys, real clientDataJSON and authenticatorData,
so the server's whole WebAuthn verification runs (py_webauthn), on both engines."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from collections.abc import Callable
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from backend.clock import FrozenClock
from digital_stampcard.member_qr import time_step
from tests.api.helpers import Browser

ORIGIN = "http://testserver.local"  # the tests' PUBLIC_URL
RP_ID = "testserver.local"
UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """One passkey on one phone, as a platform authenticator makes it: "none" attestation, a counter."""

    def __init__(self, *, rp_id: str = RP_ID, origin: str = ORIGIN) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.rp_id, self.origin = rp_id, origin
        self.counter = 0
        self.user_handle = b""

    def _auth_data(self, flags: int, attested: bytes = b"") -> bytes:
        rp_id_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return rp_id_hash + bytes([flags]) + struct.pack(">I", self.counter) + attested

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        self.user_handle = unb64url(options["user"]["id"])
        numbers = self.key.public_key().public_numbers()
        cose_key = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + cbor2.dumps(cose_key)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": self._auth_data(UP | UV | AT, attested)})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(self._client_data("webauthn.create", options["challenge"])),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "hybrid"],
            },
        }

    def get(self, options: dict[str, Any], *, counter: int | None = None) -> dict[str, Any]:
        self.counter = self.counter + 1 if counter is None else counter
        auth_data = self._auth_data(UP | UV)
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle),
            },
        }


async def add_passkey(phone: Browser, authenticator: SoftAuthenticator) -> dict[str, Any]:
    options = await phone.post("/api/me/passkeys/options")
    assert options.status_code == 200, options.text
    added = await phone.post("/api/me/passkeys", {"credential": authenticator.create(options.json())})
    assert added.status_code == 201, added.text
    return dict(added.json())


async def login_options(phone: Browser) -> dict[str, Any]:
    response = await phone.post("/api/auth/passkey/options")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def passkey_login(phone: Browser, credential: dict[str, Any]) -> Any:
    return await phone.post(
        "/api/auth/passkey",
        {"credential": credential, "device_public_key": phone.public_key, "device_label": "passkey phone"},
    )


@pytest.fixture
def member(new_browser: Callable[[], Browser]) -> Callable[[str], Any]:
    async def join(identifier: str) -> Browser:
        phone = new_browser()
        await phone.join(identifier)
        return phone

    return join


async def test_add_list_and_log_in_with_a_passkey(
    member: Callable[[str], Any], new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone: Browser = await member("912 34 567")
    options = (await phone.post("/api/me/passkeys/options")).json()
    assert options["rp"]["id"] == RP_ID
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    authenticator = SoftAuthenticator()
    added = await phone.post(
        "/api/me/passkeys",
        {"credential": authenticator.create(options)},
        headers={"user-agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"},
    )
    assert added.status_code == 201, added.text
    assert added.json()["label"] == "Chrome · Android"

    listed = (await phone.get("/api/me/passkeys")).json()
    assert [(p["id"], p["label"], p["last_used_at"]) for p in listed] == [
        (added.json()["id"], "Chrome · Android", None)
    ]
    # A second passkey is not made for the same phone: the options exclude the one it has.
    again = (await phone.post("/api/me/passkeys/options")).json()
    assert [c["id"] for c in again["excludeCredentials"]] == [b64url(authenticator.credential_id)]

    # Another phone (no cookie) logs in with the passkey alone: no username, no code.
    other = new_browser()
    assert (await other.get("/api/me")).status_code == 401
    options = await login_options(other)
    assert "allowCredentials" not in options or options["allowCredentials"] == []
    logged_in = await passkey_login(other, authenticator.get(options))
    assert logged_in.status_code == 200, logged_in.text
    body = logged_in.json()
    assert body["new_member"] is False and body["device_id"]
    home = await other.get("/api/me")
    assert home.status_code == 200
    assert home.json()["member"]["member_number"] == (await phone.get("/api/me")).json()["member"]["member_number"]
    # The QR device key registered at login signs codes for this phone, as after a code login.
    other.device_id = body["device_id"]
    till = new_browser()
    await till.staff_login()
    scanned = await till.scan(other.qr(time_step(clock.now())))
    assert scanned.status_code == 201, scanned.text
    assert (await phone.get("/api/me/passkeys")).json()[0]["last_used_at"] is not None


async def test_a_replayed_challenge_is_refused(
    member: Callable[[str], Any], new_browser: Callable[[], Browser]
) -> None:
    phone: Browser = await member("912 34 568")
    authenticator = SoftAuthenticator()
    await add_passkey(phone, authenticator)
    options = await login_options(new_browser())
    first = await passkey_login(new_browser(), authenticator.get(options))
    assert first.status_code == 200, first.text

    # The same challenge again, even freshly signed with a higher counter: used once is used up.
    replay = await passkey_login(new_browser(), authenticator.get(options))
    assert replay.status_code == 400
    assert replay.json()["code"] == "passkey_challenge_invalid"

    # A registration challenge cannot be used to log in either (bound to its purpose).
    register_options = (await phone.post("/api/me/passkeys/options")).json()
    wrong_purpose = await passkey_login(new_browser(), authenticator.get(register_options))
    assert wrong_purpose.json()["code"] == "passkey_challenge_invalid"


async def test_an_expired_challenge_is_refused(
    member: Callable[[str], Any], new_browser: Callable[[], Browser], clock: FrozenClock
) -> None:
    phone: Browser = await member("912 34 569")
    authenticator = SoftAuthenticator()
    await add_passkey(phone, authenticator)
    options = await login_options(new_browser())
    clock.advance(minutes=3, seconds=1)
    late = await passkey_login(new_browser(), authenticator.get(options))
    assert late.status_code == 400
    assert late.json()["code"] == "passkey_challenge_invalid"
    assert (await passkey_login(new_browser(), authenticator.get(await login_options(phone)))).status_code == 200

    # Registration challenges expire the same way.
    register_options = (await phone.post("/api/me/passkeys/options")).json()
    clock.advance(minutes=4)
    late_add = await phone.post("/api/me/passkeys", {"credential": SoftAuthenticator().create(register_options)})
    assert late_add.json()["code"] == "passkey_challenge_invalid"


async def test_a_counter_going_backwards_is_refused_as_a_possible_clone(
    member: Callable[[str], Any], new_browser: Callable[[], Browser]
) -> None:
    phone: Browser = await member("912 34 570")
    authenticator = SoftAuthenticator()
    await add_passkey(phone, authenticator)
    assert (
        await passkey_login(new_browser(), authenticator.get(await login_options(phone), counter=5))
    ).status_code == 200

    for counter in (3, 5):  # lower, and the same again
        refused = await passkey_login(new_browser(), authenticator.get(await login_options(phone), counter=counter))
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "passkey_cloned"
        assert "copied" in refused.json()["detail"]
    assert (
        await passkey_login(new_browser(), authenticator.get(await login_options(phone), counter=6))
    ).status_code == 200


async def test_a_forged_or_unknown_passkey_cannot_log_in(
    member: Callable[[str], Any], new_browser: Callable[[], Browser]
) -> None:
    phone: Browser = await member("912 34 571")
    authenticator = SoftAuthenticator()
    await add_passkey(phone, authenticator)

    never_added = SoftAuthenticator()
    unknown = await passkey_login(new_browser(), never_added.get(await login_options(phone)))
    assert unknown.status_code == 400 and unknown.json()["code"] == "passkey_unknown"

    # The right credential id, signed by another key: the signature check refuses it.
    impostor = SoftAuthenticator()
    impostor.credential_id, impostor.user_handle = authenticator.credential_id, authenticator.user_handle
    forged = await passkey_login(new_browser(), impostor.get(await login_options(phone)))
    assert forged.status_code == 400 and forged.json()["code"] == "passkey_invalid"

    # Signed for another site (rpIdHash) or from another origin.
    for wrong in (SoftAuthenticator(rp_id="evil.example"), SoftAuthenticator(origin="https://evil.example")):
        wrong.key, wrong.credential_id = authenticator.key, authenticator.credential_id
        wrong.user_handle, wrong.counter = authenticator.user_handle, 100
        refused = await passkey_login(new_browser(), wrong.get(await login_options(phone)))
        assert refused.json()["code"] == "passkey_invalid", refused.text


async def test_another_members_credential_is_refused(
    member: Callable[[str], Any], new_browser: Callable[[], Browser]
) -> None:
    anna: Browser = await member("912 34 572")
    bo: Browser = await member("912 34 573")
    authenticator = SoftAuthenticator()
    await add_passkey(anna, authenticator)

    # Bo cannot add Anna's credential to his own account.
    options = (await bo.post("/api/me/passkeys/options")).json()
    taken = await bo.post("/api/me/passkeys", {"credential": authenticator.create(options)})
    assert taken.status_code == 409 and taken.json()["code"] == "passkey_exists"

    # Anna's credential presented as Bo's (his user handle) is refused.
    authenticator.user_handle = unb64url(options["user"]["id"])
    as_bo = await passkey_login(new_browser(), authenticator.get(await login_options(anna)))
    assert as_bo.status_code == 400 and as_bo.json()["code"] == "passkey_invalid"

    # Bo's registration challenge is his: Anna cannot finish a ceremony with it.
    bo_options = (await bo.post("/api/me/passkeys/options")).json()
    stolen = await anna.post("/api/me/passkeys", {"credential": SoftAuthenticator().create(bo_options)})
    assert stolen.status_code == 400 and stolen.json()["code"] == "passkey_challenge_invalid"


async def delete(phone: Browser, passkey_id: int) -> Any:
    await phone.ensure_csrf()
    return await phone.client.delete(f"/api/me/passkeys/{passkey_id}", headers={"x-csrftoken": phone.csrf or ""})


async def test_a_removed_passkey_cannot_log_in_and_only_its_member_removes_it(
    member: Callable[[str], Any], new_browser: Callable[[], Browser]
) -> None:
    anna: Browser = await member("912 34 574")
    bo: Browser = await member("912 34 575")
    authenticator = SoftAuthenticator()
    passkey = await add_passkey(anna, authenticator)

    not_yours = await delete(bo, passkey["id"])
    assert not_yours.status_code == 404 and not_yours.json()["code"] == "passkey_not_found"
    assert len((await anna.get("/api/me/passkeys")).json()) == 1

    assert (await delete(anna, passkey["id"])).status_code == 204
    assert (await anna.get("/api/me/passkeys")).json() == []
    gone = await passkey_login(new_browser(), authenticator.get(await login_options(anna)))
    assert gone.status_code == 400 and gone.json()["code"] == "passkey_unknown"
    assert (await delete(anna, passkey["id"])).status_code == 404


async def test_adding_a_passkey_needs_a_member_session(new_browser: Callable[[], Browser], owner: Browser) -> None:
    stranger = new_browser()
    for method, url in [
        ("post", "/api/me/passkeys/options"),
        ("post", "/api/me/passkeys"),
        ("get", "/api/me/passkeys"),
    ]:
        response = await (stranger.post(url, {"credential": {}}) if method == "post" else stranger.get(url))
        assert response.status_code == 401, (url, response.text)
        assert response.json()["code"] == "not_authenticated"
    # A staff session is not a member's.
    assert (await owner.post("/api/me/passkeys/options")).status_code == 403


async def test_passkey_login_is_rate_limited_per_ip(new_browser: Callable[[], Browser]) -> None:
    phone = new_browser()
    statuses = [(await phone.post("/api/auth/passkey/options")).status_code for _ in range(31)]
    assert statuses == [200] * 30 + [429]
    # Guessing at the login itself has a budget of its own.
    garbage = {"credential": {"id": "x"}, "device_public_key": phone.public_key}
    statuses = [(await phone.post("/api/auth/passkey", garbage)).status_code for _ in range(31)]
    assert statuses == [400] * 30 + [429]
