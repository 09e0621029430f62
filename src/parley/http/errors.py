"""Errors at one edge: domain errors and framework exceptions become RFC 9457 problem details."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from parley.domain import errors
from parley.http import refused

log = logging.getLogger("parley.errors")

# The one table from domain refusals to HTTP statuses.
STATUS: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.Erased: 404,
    errors.InvalidInput: 422,
    errors.IdempotencyMismatch: 422,
    errors.CommentsClosed: 403,
    errors.Banned: 403,
    errors.Forbidden: 403,
    errors.Duplicate: 409,
    errors.Conflict: 409,
    errors.ParentWaiting: 409,
    errors.AlreadyExists: 409,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """RFC 9457 problem details, as every error response carries them."""

    schema_extra: ClassVar[dict[str, Any]] = {
        "examples": [
            {
                "status": 422,
                "title": "Unprocessable Entity",
                "detail": "author_email: must be a valid e-mail address (or empty), at most 254 characters long",
                "code": "invalid_input",
                "type": "about:blank",
                "errors": [
                    {
                        "field": "author_email",
                        "message": "must be a valid e-mail address (or empty), at most 254 characters long",
                    }
                ],
            }
        ]
    }

    status: int
    title: str
    detail: str
    code: Annotated[
        str,
        msgspec.Meta(
            description="stable and machine-readable, for a frontend to act on: `not_found`, `invalid_input`, "
            "`comments_closed`, `too_many_requests`... (README: Error codes)"
        ),
    ]
    type: str = "about:blank"
    errors: list[FieldError] | None = None


def _problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    field_errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemDetailsException:
    extra: dict[str, Any] = {}
    if code is not None:
        extra["code"] = code
    if field_errors is not None:
        extra["errors"] = field_errors
    return ProblemDetailsException(
        status_code=status,
        title=HTTPStatus(status).phrase,
        detail=detail,
        type_="about:blank",
        headers=headers,
        extra=extra,
    )


DECIDED = "X-Parley-Decided"
"""Marks, inside the app only, an answer a rule decided after reading the database: such a refusal is no typo
to give the budget back for (limits.Charge). ParleyApp removes it before the answer leaves."""


def from_domain(exc: errors.DomainError) -> ProblemDetailsException:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    field_errors = None
    headers = {DECIDED: "1"}
    if isinstance(exc, errors.InvalidInput):
        field_errors = [{"field": exc.field, "message": exc.message}]
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return _problem(status, exc.detail, code=exc.code, field_errors=field_errors, headers=headers)


def _field_errors(exc: ValidationException) -> list[dict[str, str]]:
    found = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key = item.get("key") or item.get("source") or "body"
            found.append({"field": str(key), "message": str(item.get("message", "invalid value"))})
    return found or [{"field": "body", "message": exc.detail}]


def from_http(exc: HTTPException) -> ProblemDetailsException:
    """Framework refusals keep their status; validation failures are 422 with one entry per field."""
    if isinstance(exc, ProblemDetailsException):
        return exc
    if isinstance(exc, ValidationException):
        fields = _field_errors(exc)
        detail = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
        return _problem(422, detail, code="invalid_input", field_errors=fields, headers=exc.headers)
    status = exc.status_code
    if status >= 500:
        log.error("framework error %d", status, exc_info=exc)
    detail = exc.detail if exc.detail and exc.detail != HTTPStatus(status).phrase else _DETAILS.get(status, "")
    return _problem(status, detail or HTTPStatus(status).phrase, code=code_for(status), headers=exc.headers)


def from_unexpected(exc: Exception) -> ProblemDetailsException:
    """A bug: logged with its traceback, answered without one."""
    log.exception("unhandled error", exc_info=exc)
    return _problem(500, "the server failed to answer this request; it has been logged", code=code_for(500))


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}
"""The code of a refusal that no domain rule names: one per status, stable."""


def code_for(status: int) -> str:
    return CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")


_DETAILS = {
    404: "no such resource",
    405: "this method is not allowed on this resource",
    413: "the request body is too large",
    415: "send the body as application/json",
    429: "too many requests from this address; wait a little",
}


def refused_parameters(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """A validation failure, its parameters named as the client sent them (`refused.renamed`)."""
    handler = request.scope.get("route_handler")
    if handler is not None:
        exc = refused.renamed(exc, handler, request.scope.get("query_string", b""))
    return from_http(exc).to_response(request)


def plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                errors.DomainError: from_domain,
                HTTPException: from_http,
                Exception: from_unexpected,
            }
        )
    )


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the error statuses an endpoint can answer.

    400 is always among them: Litestar documents it for every handler with parameters, as its own JSON shape,
    where parley answers a request it cannot parse (malformed JSON) with problem details like any other error.
    """
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=HTTPStatus(status).phrase,
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in sorted({400, *statuses})
    }
