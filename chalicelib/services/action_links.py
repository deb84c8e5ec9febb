"""Action links: the confirm, reopen and rate links of a completion notice, signed, expiring, single-use.

A link is the authority for one move on one ticket by its requester, so opening it needs no
bearer token. Its token is ``<payload>.<signature>``: the payload (base64url JSON) names the
ticket, the requester, the ``status_changed`` event the notice was sent for (``seq``), the move
(``confirm`` or ``reopen``) and when the link expires; the signature is an HMAC-SHA256 of the
payload with the stage's ``ACTION_LINK_SECRET``. Both links of one notice share one claim id
(``link:<ticket>:<seq>``), claimed in the same transaction as the move, so one notice's links
act once between them. The rate link (``rate``) is not a move: it records the requester's rating of
that resolution, under the claim every rating of it shares (``rating:<ticket>:<seq>``,
:func:`chalicelib.domain.satisfaction.claim_id`), so it rates once however often it is followed,
and still works after the confirm link closed the ticket.

Refusals are answers: a token that does not verify is a 403, an expired link a 410, a used link
or one for an earlier resolution a 409, each with a sentence saying so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.domain.errors import DeskError
from chalicelib.domain.satisfaction import claim_id as rating_claim_id

#: The moves a link may make (the requester's words of the lifecycles).
MOVE_ACTIONS = ("confirm", "reopen")
#: The rating of the resolution the notice was sent for.
RATE = "rate"
LINK_ACTIONS = (*MOVE_ACTIONS, RATE)


class LinkInvalid(DeskError):
    status = 403
    code = "link_invalid"


class LinkExpired(DeskError):
    status = 410
    code = "link_expired"


class LinkUsed(DeskError):
    status = 409
    code = "link_used"


@dataclass(frozen=True)
class ActionLink:
    """What a verified link allows: ``action`` on ``ticket`` by ``requester``, until ``expires_at``."""

    ticket: str
    requester: str
    seq: int
    action: str
    expires_at: datetime

    @property
    def claim_id(self) -> str:
        """Shared by the confirm and reopen links of one notice: either acts, once. A rate link's
        is the resolution's rating claim, shared with the portal's rating."""
        if self.action == RATE:
            return rating_claim_id(self.ticket, self.seq)
        return f"link:{self.ticket}:{self.seq}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ActionLinks:
    """Signs and reads action links; ``base_url`` is the desk's ``PUBLIC_URL`` (stage prefix included)."""

    def __init__(self, secret: str, base_url: str, lifetime: timedelta = timedelta(days=7)) -> None:
        if not secret:
            raise ValueError("action links need a secret")
        self._key = secret.encode()
        self.base_url = base_url.rstrip("/")
        self.lifetime = lifetime

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, ticket: str, requester: str, seq: int, action: str, now: datetime) -> ActionLink:
        if action not in LINK_ACTIONS:
            raise ValueError(f"action must be one of {LINK_ACTIONS}")
        expires = (now + self.lifetime).astimezone(UTC).replace(microsecond=0)
        return ActionLink(ticket, requester, seq, action, expires)

    def token(self, link: ActionLink) -> str:
        expires = int(link.expires_at.timestamp())
        body = {"t": link.ticket, "u": link.requester, "s": link.seq, "a": link.action, "e": expires}
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{self._sign(payload)}"

    def url(self, link: ActionLink) -> str:
        return f"{self.base_url}/links/{self.token(link)}"

    def read(self, token: str, now: datetime) -> ActionLink:
        """The link a token carries; :class:`LinkInvalid` when it was altered or not made here,
        :class:`LinkExpired` when its time is up."""
        payload, _, signature = token.partition(".")
        if not payload or not signature or not hmac.compare_digest(self._sign(payload), signature):
            raise LinkInvalid("this link is not valid: it was altered or not issued by this desk", field="token")
        try:
            body = json.loads(_unb64(payload))
            link = ActionLink(
                ticket=str(body["t"]),
                requester=str(body["u"]),
                seq=int(body["s"]),
                action=str(body["a"]),
                expires_at=datetime.fromtimestamp(int(body["e"]), UTC),
            )
        except (ValueError, KeyError, TypeError):
            raise LinkInvalid("this link is not valid", field="token") from None
        if link.action not in LINK_ACTIONS:
            raise LinkInvalid("this link is not valid", field="token")
        if now >= link.expires_at:
            raise LinkExpired(
                f"this link expired at {link.expires_at.isoformat()}; open {link.ticket} on the desk instead",
                field="token",
            )
        return link
