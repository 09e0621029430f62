"""Moderator access: a bearer token's role decides; no token or an unknown one is 401, too low a role 403."""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import Guard

from parley.domain.records import Role, Token
from parley.http.deps import admit, admitted, app_of, parts_of

SCHEME = "bearer"
COMPONENTS = Components(
    security_schemes={
        SCHEME: SecurityScheme(
            type="http",
            scheme="bearer",
            description="A moderator or admin token from `parley token create`.",
        )
    }
)


def refusals(role: Role) -> tuple[int, ...]:
    """What the guard for `role` can answer: 401 always, 403 only where a moderator's token is not enough."""
    return (401,) if role is Role.MODERATOR else (401, 403)


def requirement(role: Role) -> list[dict[str, list[str]]]:
    """The OpenAPI security requirement of a route: a bearer token, naming the role it needs (as OpenAPI 3.1 allows)."""
    return [{SCHEME: [role.value]}]


_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="parley"'}


def bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an `Authorization: Bearer` header, or None when there is no plausible one."""
    scheme, _sep, presented = connection.headers.get("authorization", "").partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented or len(presented) > 200:
        return None
    return presented


async def moderator(connection: ASGIConnection[Any, Any, Any, Any]) -> Token | None:
    """The active token the request presents, if any; unknown and revoked tokens are None."""
    presented = bearer(connection)
    if presented is None:
        return None
    # The token is looked up by its SHA-256 digest: what the database compares reveals nothing of the token.
    return await parts_of(connection).services.tokens.authenticate(presented)


def requires(role: Role) -> Guard:
    """A guard admitting tokens whose role is `role` or higher."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        earlier = admitted(connection)
        if earlier is not None and earlier.role.allows(role):
            return  # admitted earlier in this request, before its body was read
        if bearer(connection) is None:
            raise NotAuthorizedException(
                detail="send a moderator token: Authorization: Bearer <token>", headers=_CHALLENGE
            )
        token = await moderator(connection)
        if token is None:
            raise NotAuthorizedException(detail="this token is unknown or revoked", headers=_CHALLENGE)
        if not token.role.allows(role):
            raise PermissionDeniedException(detail=f"this needs an {role.value} token" if role is Role.ADMIN else "")
        admit(connection, token)

    guard.__name__ = f"requires_{role.value}"
    return guard


async def metrics_reader(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The metrics are for the monitoring system (PARLEY_METRICS_TOKEN) and admins: they show moderators' work."""
    presented = bearer(connection)
    if presented is None:
        raise NotAuthorizedException(detail="send the metrics token: Authorization: Bearer <token>", headers=_CHALLENGE)
    expected = app_of(connection.app).observer.metrics_token
    if expected and hmac.compare_digest(presented.encode(), expected.encode()):
        return
    token = await moderator(connection)
    if token is None:
        raise NotAuthorizedException(detail="this token is unknown or revoked", headers=_CHALLENGE)
    if not token.role.allows(Role.ADMIN):
        raise PermissionDeniedException(detail="this needs the metrics token or an admin token")
