"""Bearer tokens: minting (HS256, local and test stages) and verification.

Tokens are JWTs carrying ``sub`` (the user), a role (``role`` claim, or the first of
``cognito:groups`` that is a desk role) and optionally ``vip`` and ``business_unit``.
Two verifiers, chosen by configuration:

* HS256 with the stage's ``JWT_HS256_SECRET`` (local and test stages; ``desk token`` mints them);
* RS256 against ``JWT_JWKS_URL`` (a Cognito user pool's JWKS), checking ``JWT_ISSUER`` and
  ``JWT_AUDIENCE`` when set.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from chalicelib.config import Settings
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.identity import Identity
from chalicelib.domain.ticket import ROLES


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
