"""Every route of the app, by the folder that owns its URL prefix: `/api/me` is `backend/me`, `/api/staff` is
`backend/staff`, `/api/auth` is `accounts`, `/api/admin/<resource>` is the slice of that resource."""

from __future__ import annotations

from typing import Any

from backend.accounts.admin_controllers import StaffAdminController, StoreAdminController
from backend.accounts.member_auth_controllers import MemberAuthController
from backend.accounts.passkey_controllers import PasskeyLoginController
from backend.audit.controllers import AuditController
from backend.campaigns.controllers import CampaignAdminController
from backend.cards.admin_controllers import ProgramAdminController, TierAdminController
from backend.club.controllers import ClubController
from backend.club.setup_controllers import ClubSetupController, ConsentTextController
from backend.dashboard.controllers import DashboardController, OverviewController
from backend.integrations.api_key_controllers import ApiKeyController
from backend.integrations.controllers import WebhookController
from backend.me.consent_controllers import MemberConsentController
from backend.me.contact_controllers import ContactChangeController
from backend.me.controllers import MeController
from backend.me.my_page_controllers import MyPageController
from backend.me.offer_controllers import OfferController
from backend.me.passkey_controllers import MyPasskeysController
from backend.me.points_controllers import MyPointsController
from backend.me.prepaid_controllers import MyPrepaidController
from backend.me.push_controllers import MyPushController
from backend.me.referral_controllers import ReferralController
from backend.messaging.dev_controllers import DevOutboxController
from backend.messaging.opt_out_controllers import OptOutController
from backend.messaging.sms_report_controllers import SmsReportController
from backend.points.admin_controllers import PointsAdminController
from backend.pos.controllers import PosController
from backend.prepaid.admin_controllers import PrepaidAdminController
from backend.push.controllers import PushController
from backend.staff.auth_controllers import StaffAuthController
from backend.staff.invite_controllers import InviteLinkController
from backend.staff.points_controllers import TillPointsController
from backend.staff.prepaid_controllers import TillPrepaidController
from backend.staff.till_controllers import TillController
from backend.web.pwa import pwa_router

PUBLIC = [ClubController, ConsentTextController, PushController, OptOutController]
MEMBER_SIGN_IN = [MemberAuthController, PasskeyLoginController]
MEMBER = [
    MeController,
    MyPageController,
    MemberConsentController,
    ContactChangeController,
    MyPasskeysController,
    MyPushController,
    ReferralController,
    OfferController,
    MyPrepaidController,
    MyPointsController,
]
STAFF = [StaffAuthController, TillController, TillPrepaidController, TillPointsController, InviteLinkController]
OWNER = [
    OverviewController,
    DashboardController,
    StoreAdminController,
    StaffAdminController,
    ClubSetupController,
    ProgramAdminController,
    TierAdminController,
    CampaignAdminController,
    AuditController,
    WebhookController,
    ApiKeyController,
    PrepaidAdminController,
    PointsAdminController,
]
POS = [PosController]
GATEWAYS = [SmsReportController]  # callbacks from the services we send through


def route_handlers(*, dev_tools: bool) -> list[Any]:
    """The app's handlers; the development outbox (one-time codes to read) only where dev tools are on."""
    handlers: list[Any] = [*PUBLIC, *MEMBER_SIGN_IN, *MEMBER, *STAFF, *OWNER, *POS, *GATEWAYS, pwa_router()]
    return [*handlers, DevOutboxController] if dev_tools else handlers
