"""The one place where errors become RFC 9457 problem details."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from digital_stampcard.errors import DomainError

log = logging.getLogger(__name__)

STATUS_BY_KIND = {
    "invalid": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "gone": 410,
    "rate_limited": 429,
    "unavailable": 503,
}
# Codes whose status differs from their kind's default.
STATUS_BY_CODE = {"idempotency_conflict": 422, "validation_error": 400}


def problem(status: int, code: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body = {
        "type": f"/problems/{code}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    headers = {"Retry-After": str(extra["retry_after"])} if "retry_after" in extra else None
    return Response(body, status_code=status, media_type="application/problem+json", headers=headers)


def domain_error_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    status = STATUS_BY_CODE.get(exc.code, STATUS_BY_KIND[exc.kind])
    return problem(status, exc.code, exc.detail, **exc.extra)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if isinstance(exc, ValidationException):
        return problem(400, "validation_error", "Some fields are missing or invalid.", errors=_validation_errors(exc))
    if isinstance(exc, NotAuthorizedException):
        return problem(401, "not_authenticated", "Log in to continue.")
    if isinstance(exc, PermissionDeniedException):
        code = "csrf" if "CSRF" in str(exc.detail) else "forbidden"
        return problem(
            403, code, "You are not allowed to do this." if code == "forbidden" else "Reload the page and try again."
        )
    codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}
    status = exc.status_code
    return problem(status, codes.get(status, "http_error"), str(exc.detail))


def server_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "server_error",
        "Something went wrong on our side. Nothing was saved; try again.",
    )


def _validation_errors(exc: ValidationException) -> list[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    return [{"field": e.get("key"), "message": e.get("message")} for e in extra if isinstance(e, dict)]


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: server_error_handler,
}
