"""The till: scan a member, add stamps, redeem a reward, undo the last action."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency, Provide

from backend.accounts.deps import provide_actor
from backend.cards import scans
from backend.cards.programs import find_program
from backend.cards.schemas import RedeemIn, RedeemOut, ScanIn, ScanOut, StampIn, StampOut, UndoIn, UndoOut
from backend.cards.views import scan_out
from backend.context import Actor, AppContext
from backend.core.idempotency import IdempotencyKey
from backend.staff import till


def _lang(request: Request[Any, Any, Any]) -> str:
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "nb"


class TillController(Controller):
    path = "/api/staff"
    tags = ["staff"]
    dependencies = {"actor": Provide(provide_actor)}

    @post("/scans", status_code=201, operation_id="scanMemberCode")
    async def scan(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: ScanIn,
        request: Request[Any, Any, Any],
    ) -> ScanOut:
        """A scanned member QR, a typed member number or a phone number."""
        scan, member = await scans.present(ctx, actor, data.code, data.other_readings)
        now = ctx.clock.now()
        # Without a program here the scan still shows the member and their rewards (card is null).
        return await scan_out(scan, member, await find_program(actor.store_id, now), now, _lang(request))

    @post("/stamps", status_code=200, responses=None, operation_id="stampMember")
    async def stamp(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: StampIn,
        request: Request[Any, Any, Any],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[StampOut]:
        return (await till.add_stamps(ctx, actor, data, idempotency_key, _lang(request))).response()

    @post("/redemptions", status_code=200, operation_id="redeemReward")
    async def redeem(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: RedeemIn,
        request: Request[Any, Any, Any],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[RedeemOut]:
        return (await till.redeem(ctx, actor, data, idempotency_key, _lang(request))).response()

    @post("/undo", status_code=200, operation_id="undoLastAction")
    async def undo(
        self,
        ctx: NamedDependency[AppContext],
        actor: NamedDependency[Actor],
        data: UndoIn,
        request: Request[Any, Any, Any],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[UndoOut]:
        return (await till.undo(ctx, actor, data, idempotency_key, _lang(request))).response()
