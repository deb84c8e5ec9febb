"""The custom Chalice authorizer: every route but ``/health`` needs a bearer token.

Verification lives in :mod:`chalicelib.services.tokens`. A missing or bad token is a 401;
the role check (403) happens in the routes.
"""

from __future__ import annotations

import contextlib
from typing import Any

from chalice.app import AuthRequest, AuthResponse, Blueprint

from chalicelib.config import get_settings
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.identity import ROLES, Identity
from chalicelib.observability import logger
from chalicelib.services.tokens import verify_token

auth_blueprint = Blueprint(__name__)


def _unauthorized() -> Exception:
    """What the authorizer raises for a bad token.

    API Gateway turns an authorizer failure whose message is exactly ``Unauthorized`` into a
    401. ``chalice local`` and ``chalice.test`` need their own 401 exception for the same
    answer; it exists only where those run (the deployed package carries just the runtime).
    """
    try:
        from chalice.local import NotAuthorizedError
    except ImportError:  # on AWS Lambda
        return Exception("Unauthorized")
    return NotAuthorizedError(
        {"x-amzn-ErrorType": "UnauthorizedException"}, b'{"message":"Unauthorized"}'
    )


@auth_blueprint.authorizer(ttl_seconds=0)
def desk_authorizer(auth_request: AuthRequest) -> AuthResponse:
    try:
        identity = verify_token(auth_request.token or "", get_settings())
    except Unauthorized as exc:
        logger.info("token refused", extra={"reason": exc.message})
        raise _unauthorized() from None
    context = {
        "role": identity.role,
        "vip": "true" if identity.vip else "false",
        "business_unit": identity.business_unit or "",
    }
    return AuthResponse(routes=["*"], principal_id=identity.user, context=context)


def warm_up() -> None:
    """Load what verifying a token needs (PyJWT and its crypto backends) during init, by
    verifying a token that cannot pass; no network call (a JWKS is fetched only for RS256)."""
    with contextlib.suppress(Unauthorized):
        verify_token("warm.up.token", get_settings())


def identity_from_context(context: dict[str, Any]) -> Identity:
    """The identity the authorizer put in the request context."""
    auth = context.get("authorizer") or {}
    user = auth.get("principalId")
    role = auth.get("role")
    if not user or role not in ROLES:
        raise Unauthorized("no verified identity on this request")
    return Identity(
        user=str(user),
        role=str(role),
        vip=str(auth.get("vip", "false")).lower() == "true",
        business_unit=auth.get("business_unit") or None,
    )
