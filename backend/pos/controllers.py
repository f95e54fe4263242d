"""The POS API (`/api/pos/v1`, a bearer API key per store): a store's till or web shop stamps,
redeems and voids through the same use cases as the staff till."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example, Reference, SecurityScheme, Tag
from litestar.params import Body

from backend.context import AppContext
from backend.core.idempotency import RequiredIdempotencyKey
from backend.integrations.api_keys import PosCaller, provide_pos_caller
from backend.pos import service as pos
from backend.pos.schemas import (
    EXAMPLES,
    LookupIn,
    LookupOut,
    Problem,
    PurchaseIn,
    PurchaseOut,
    RedeemIn,
    RedeemOut,
    VoidReceiptIn,
    VoidReceiptOut,
)
from digital_stampcard.errors import DomainError

SECURITY_SCHEME = "PosApiKey"
SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    SECURITY_SCHEME: SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="sk_live_…",
        description="A store's API key, made by the owner under Integrasjoner → API-nøkler. Shown once.",
    )
}
POS_TAG = Tag(
    name="POS",
    description=(
        "For a store's till or web shop. **Auth**: `Authorization: Bearer sk_live_…`, a key the owner makes for "
        "one store, with scopes: `members:read` (look up), `stamps:write` (stamp a purchase), `stamps:void` "
        "(void a receipt), `rewards:redeem`. A missing, unknown or revoked key answers 401, a missing scope 403; "
        "each key has a rate limit (429 with Retry-After).\n\n"
        "**Idempotency**: every POST needs an `Idempotency-Key` header: a fresh UUID per action, the same one on "
        "a retry, which then answers the first response and does nothing twice.\n\n"
        "**Receipts**: a purchase's `receipt_id` is unique per store: the same receipt stamps once, even sent "
        "again with another Idempotency-Key (the answer then has `duplicate: true`). Stamps follow the store's "
        "program (per visit, or per full amount), the member's daily cap and tier multiplier; a purchase that "
        "earns no stamp answers 0 and records nothing. A purchase can be voided by its receipt id.\n\n"
        "**Members** are found by QR code (the member's app), member number or phone. Only a QR lookup can "
        "redeem a reward; its `lookup_id` is valid for 5 minutes, for this key only. Errors are RFC 9457 "
        "problem details with a stable `code`."
    ),
)


def _example(name: str, summary: str) -> Example:
    return Example(summary=summary, value=EXAMPLES[name])


def _answers(model: type, *examples: Example) -> dict[int, ResponseSpec]:
    def problem(*names: str) -> ResponseSpec:
        return ResponseSpec(
            Problem,
            description="Problem details",
            media_type="application/problem+json",
            examples=[_example(n, n.replace("_", " ")) for n in names],
        )

    return {
        200: ResponseSpec(model, description="Done", examples=list(examples)),
        400: problem("idempotency_key_missing"),
        401: problem("unauthenticated"),
        403: problem("scope_missing"),
    }


async def _require_idempotency_key(request: Request[Any, Any, Any]) -> None:
    """Before the parameters are parsed, so a missing key gets its own clear problem."""
    if not request.headers.get("idempotency-key"):
        raise DomainError(
            "idempotency_key_missing",
            "Send an Idempotency-Key header: a fresh UUID per action, and the same one when you retry it.",
        )


class PosController(Controller):
    path = "/api/pos/v1"
    tags = ["POS"]
    security = [{SECURITY_SCHEME: []}]
    opt = {"exclude_from_csrf": True}  # no cookies: a bearer key cannot be sent by another site's page
    dependencies = {"caller": Provide(provide_pos_caller)}
    before_request = staticmethod(_require_idempotency_key)  # static: Litestar calls it with the request only

    @post(
        "/lookup",
        status_code=200,
        summary="Look a member up",
        responses=_answers(LookupOut, _example("lookup_out", "Found by QR code")),
        operation_id="posLookUpMember",
    )
    async def lookup(
        self,
        ctx: NamedDependency[AppContext],
        caller: NamedDependency[PosCaller],
        idempotency_key: RequiredIdempotencyKey,
        data: Annotated[
            LookupIn,
            Body(
                examples=[
                    _example("lookup_qr", "By the QR code in the member's app"),
                    _example("lookup_number", "By member number"),
                    _example("lookup_phone", "By phone"),
                ]
            ),
        ],
    ) -> Response[LookupOut]:
        """Scope `members:read`. By exactly one of `qr`, `member_number`, `phone`. Answers the open card,
        the active rewards and a `lookup_id` for a purchase or (QR only: `can_redeem`) a redemption."""
        return (await pos.lookup(ctx, caller, data, idempotency_key)).response()

    @post(
        "/purchases",
        status_code=200,
        summary="Stamp a purchase",
        responses=_answers(
            PurchaseOut,
            _example("purchase_out", "Stamped"),
            _example("purchase_duplicate", "The same receipt again"),
        ),
        operation_id="posStampPurchase",
    )
    async def purchase(
        self,
        ctx: NamedDependency[AppContext],
        caller: NamedDependency[PosCaller],
        idempotency_key: RequiredIdempotencyKey,
        data: Annotated[
            PurchaseIn,
            Body(
                examples=[
                    _example("purchase_lookup", "After a lookup at the till"),
                    _example("purchase_number", "A web-shop order with the member number"),
                ]
            ),
        ],
    ) -> Response[PurchaseOut]:
        """Scope `stamps:write`. The member by exactly one of `lookup_id`, `member_number`, `phone`;
        `amount_ore` in øre (NOK). The same `receipt_id` in this store stamps once."""
        return (await pos.purchase(ctx, caller, data, idempotency_key)).response()

    @post(
        "/purchases/{receipt_id:str}/void",
        status_code=200,
        summary="Void a purchase by its receipt",
        responses=_answers(VoidReceiptOut, _example("void_out", "Voided; the reward it completed is revoked")),
        operation_id="posVoidPurchase",
    )
    async def void(
        self,
        ctx: NamedDependency[AppContext],
        caller: NamedDependency[PosCaller],
        idempotency_key: RequiredIdempotencyKey,
        receipt_id: str,
        data: Annotated[VoidReceiptIn, Body(examples=[_example("void_in", "A return")])],
    ) -> Response[VoidReceiptOut]:
        """Scope `stamps:void`. Takes the receipt's stamps back (an unused reward they completed is revoked,
        and the member sees the reason). Voiding again answers `already_voided: true`; an unknown receipt 404."""
        return (await pos.void_receipt(ctx, caller, receipt_id, data, idempotency_key)).response()

    @post(
        "/rewards/{reward_id:int}/redeem",
        status_code=200,
        summary="Redeem a reward",
        responses=_answers(RedeemOut, _example("redeem_out", "Redeemed")),
        operation_id="posRedeemReward",
    )
    async def redeem(
        self,
        ctx: NamedDependency[AppContext],
        caller: NamedDependency[PosCaller],
        idempotency_key: RequiredIdempotencyKey,
        reward_id: int,
        data: Annotated[RedeemIn, Body(examples=[_example("redeem_in", "After a QR lookup")])],
    ) -> Response[RedeemOut]:
        """Scope `rewards:redeem`. Needs the `lookup_id` of a QR lookup (403 `manual_entry_cannot_redeem`
        for a number or phone lookup). A reward is redeemed once: again answers 409 `reward_not_active`."""
        return (await pos.redeem(ctx, caller, reward_id, data, idempotency_key)).response()
