"""Bodies of the pages' and the portal's routes (see :mod:`chalicelib.api.schemas` for the rules
every body follows)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.api.schemas import Line, Strict

#: A user name for a local sign-in: what ``desk token --user`` takes in practice.
UserName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._@-]{1,64}$")]


class LocalSignInBody(Strict):
    user: UserName
    role: Literal["requester", "agent", "manager", "admin"]


class UploadBody(Strict):
    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), Line]
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Line]
    size: Annotated[int, Field(ge=1, strict=True)]


class SuggestionsQuery(Strict):
    """``GET /portal/suggestions``: the text typed so far, and the service if one is chosen."""

    model_config = ConfigDict(extra="forbid", strict=False, defer_build=True)

    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2_000)]
    service: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), Line] | None = None
