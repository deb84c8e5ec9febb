"""Bearer-token identity: the custom Chalice authorizer and token minting.

Tokens are JWTs carrying ``sub`` (the user), a role (``role`` claim, or the first of
``cognito:groups`` that is a desk role) and optionally ``vip`` and ``business_unit``.
Two verifiers, chosen by configuration:

* HS256 with the stage's ``JWT_HS256_SECRET`` (local and test stages; ``desk token`` mints them);
* RS256 against ``JWT_JWKS_URL`` (a Cognito user pool's JWKS), checking ``JWT_ISSUER`` and
  ``JWT_AUDIENCE`` when set.

A missing or bad token is a 401; the role check (403) happens in the routes.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from chalice.app import Blueprint
from chalice.app import AuthRequest, AuthResponse

from chalicelib.config import Settings, get_settings
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.identity import Identity
from chalicelib.domain.ticket import ROLES
from chalicelib.observability import logger

auth_blueprint = Blueprint(__name__)


def mint_token(settings: Settings, user: str, role: str, *, ttl_seconds: int = 12 * 3600, **claims: Any) -> str:
    """An HS256 token for ``user`` with ``role``, signed with the stage secret."""
    import jwt

    if not settings.jwt_hs256_secret:
        raise RuntimeError("JWT_HS256_SECRET is not set for this stage")
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    now = int(time.time())
    payload: dict[str, Any] = {"sub": user, "role": role, "iat": now, "exp": now + ttl_seconds, **claims}
    if settings.jwt_issuer:
        payload["iss"] = settings.jwt_issuer
    return jwt.encode(payload, settings.jwt_hs256_secret, algorithm="HS256")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> Any:
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True)


def verify_token(token: str, settings: Settings) -> Identity:
    """The identity a token proves, or :class:`Unauthorized`."""
    import jwt

    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise Unauthorized("missing bearer token")
    try:
        header = jwt.get_unverified_header(token)
        options: Any = {"require": ["sub", "exp"]}
        kwargs: dict[str, Any] = {}
        if settings.jwt_audience:
            kwargs["audience"] = settings.jwt_audience
        else:
            options["verify_aud"] = False
        if settings.jwt_issuer:
            kwargs["issuer"] = settings.jwt_issuer
        alg = header.get("alg")
        if alg == "RS256" and settings.jwt_jwks_url:
            key = _jwks_client(settings.jwt_jwks_url).get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256"], options=options, **kwargs)
        elif alg == "HS256" and settings.jwt_hs256_secret:
            claims = jwt.decode(token, settings.jwt_hs256_secret, algorithms=["HS256"], options=options, **kwargs)
        else:
            raise Unauthorized(f"tokens signed with {alg} are not accepted here")
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    role = claims.get("role")
    if role is None:
        groups = claims.get("cognito:groups") or []
        role = next((g for g in ROLES[::-1] if g in groups), None)
    if role not in ROLES:
        raise Unauthorized("token carries no desk role")
    return Identity(
        user=str(claims["sub"]),
        role=str(role),
        vip=bool(claims.get("vip", False)),
        business_unit=claims.get("business_unit"),
    )


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
