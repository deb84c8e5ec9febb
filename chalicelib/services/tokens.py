"""Bearer tokens: minting (HS256, a local desk only) and verification.

Tokens are JWTs carrying ``sub`` (the user), ``iat`` and ``exp``, a role and optionally ``vip``
(a JSON boolean) and ``business_unit`` (a string). The role is the ``role`` claim, or else the
first entry of ``cognito:groups`` that is exactly a desk role (``requester``, ``agent``,
``manager``, ``admin``); Cognito gives the groups as a list of strings, or, in the string form
some ID-token consumers pass on, as ``"[a b]"`` or ``"a,b"``. A claim of the wrong type is a
refusal, never a guess. Two verifiers, chosen by configuration:

* HS256 with ``JWT_HS256_SECRET``, only on a desk marked local (``DESK_LOCAL=true``: ``make run``,
  the tests, ``desk token``); the settings refuse the secret anywhere else;
* RS256 against ``JWT_JWKS_URL`` (a Cognito user pool's JWKS), checking ``JWT_ISSUER`` and
  ``JWT_AUDIENCE`` when set.

Every token must carry ``iat`` and ``exp``, and live at most ``TOKEN_MAX_SECONDS``
(``exp - iat``), however it was signed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from chalicelib.config import Settings
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.identity import DESK_ACTOR, ROLES, Identity

#: Longest ``sub`` and ``business_unit`` a token may carry.
MAX_CLAIM_LENGTH = 200


def mint_token(
    settings: Settings, user: str, role: str, *, ttl_seconds: int | None = None, **claims: Any
) -> str:
    """An HS256 token for ``user`` with ``role``, signed with the local desk's secret, living
    ``ttl_seconds`` (default and most: the stage's ``TOKEN_MAX_SECONDS``)."""
    import jwt

    if not settings.local or not settings.jwt_hs256_secret:
        raise RuntimeError(
            "JWT_HS256_SECRET is not set for this local desk: tokens are minted only for a desk "
            "started with `make run` (which keeps its secret in .run/)"
        )
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    ttl = settings.token_max_seconds if ttl_seconds is None else ttl_seconds
    if not 0 < ttl <= settings.token_max_seconds:
        raise ValueError(f"ttl must be 1 to {settings.token_max_seconds} seconds (TOKEN_MAX_SECONDS)")
    now = int(time.time())
    payload: dict[str, Any] = {"sub": user, "role": role, "iat": now, "exp": now + ttl, **claims}
    if settings.jwt_issuer:
        payload["iss"] = settings.jwt_issuer
    return jwt.encode(payload, settings.jwt_hs256_secret, algorithm="HS256")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> Any:
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True)


def _decode(token: str, settings: Settings) -> dict[str, Any]:
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        options: Any = {"require": ["sub", "exp", "iat"]}
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
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], options=options, **kwargs)
        elif alg == "HS256" and settings.hs256_accepted:
            claims = jwt.decode(token, settings.jwt_hs256_secret, algorithms=["HS256"], options=options, **kwargs)
        else:
            raise Unauthorized(f"tokens signed with {alg} are not accepted here")
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    return claims


def _groups(value: Any) -> list[str]:
    """``cognito:groups`` as a list of names: a list of strings, or one string (``"[a b]"``,
    ``"a,b"``, ``"a"``); anything else is refused."""
    if isinstance(value, str):
        return [name for name in re.split(r"[,\s]+", value.strip().removeprefix("[").removesuffix("]")) if name]
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return list(value)
    raise Unauthorized("claim cognito:groups must be a list of strings")


def role_of(claims: Mapping[str, Any]) -> str:
    """The desk role a token's claims give: ``role``, else the first desk role in
    ``cognito:groups`` (names compared exactly)."""
    if "role" in claims:
        role = claims["role"]
        if not isinstance(role, str):
            raise Unauthorized("claim role must be a string")
    else:
        groups = _groups(claims.get("cognito:groups") or [])
        role = next((name for name in groups if name in ROLES), "")
    if role not in ROLES:
        raise Unauthorized("token carries no desk role")
    return role


def identity_of(claims: Mapping[str, Any], settings: Settings) -> Identity:
    """The identity verified ``claims`` prove, every claim type-checked (:class:`Unauthorized`)."""
    user = claims.get("sub")
    if not isinstance(user, str) or not user.strip() or len(user) > MAX_CLAIM_LENGTH:
        raise Unauthorized(f"claim sub must be a non-empty string of at most {MAX_CLAIM_LENGTH} characters")
    if user == DESK_ACTOR:
        raise Unauthorized(f"sub {DESK_ACTOR!r} is the desk's own name")
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise Unauthorized("claims iat and exp must be numbers")
    if expires - issued > settings.token_max_seconds:
        raise Unauthorized(f"token lives longer than {settings.token_max_seconds} seconds (TOKEN_MAX_SECONDS)")
    vip = claims.get("vip", False)
    if not isinstance(vip, bool):
        raise Unauthorized("claim vip must be true or false")
    unit = claims.get("business_unit")
    if unit is not None and (not isinstance(unit, str) or not unit.strip() or len(unit) > MAX_CLAIM_LENGTH):
        raise Unauthorized(f"claim business_unit must be a non-empty string of at most {MAX_CLAIM_LENGTH} characters")
    return Identity(user=user, role=role_of(claims), vip=vip, business_unit=unit)


def verify_token(token: str, settings: Settings) -> Identity:
    """The identity a token proves, or :class:`Unauthorized`."""
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise Unauthorized("missing bearer token")
    return identity_of(_decode(token, settings), settings)
