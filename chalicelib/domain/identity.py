"""Who is calling: the verified identity the authorizer hands to the routes."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.errors import Forbidden

#: The desk's roles, each with the rights of those before it (``role_rank``).
ROLES = ("requester", "agent", "manager", "admin")
STAFF_ROLES = ("agent", "manager", "admin")


@dataclass(frozen=True)
class Identity:
    """A verified caller. ``vip`` and ``business_unit`` come from token claims when present."""

    user: str
    role: str
    vip: bool = False
    business_unit: str | None = None

    @property
    def is_desk(self) -> bool:
        """The desk acting on its own (routing, auto-close, sweeps), not a person."""
        return self == SYSTEM

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def require(self, *roles: str) -> None:
        """Raise :class:`Forbidden` (403) unless the caller has one of ``roles``."""
        if self.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {self.role}")


#: The actor of the desk's own actions in the audit trail: classification, routing, the SLA policy
#: applied at intake, sweeps, escalations, auto-close. No token may claim it as its user.
DESK_ACTOR = "desk"

SYSTEM = Identity(user=DESK_ACTOR, role="admin")


def role_rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else -1
