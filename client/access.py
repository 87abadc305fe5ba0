"""Plain-Python values for the access-control RPCs: roles, new API keys, an organization's members.

A role travels on the wire as Viam's `Authorization`: authorization_type
"role", authorization_id "<resource_type>_<role>" (e.g. "location_operator"),
resource_type "organization", "location" or "robot", the resource id, the
identity (identity_type "api-key" or "user", identity_id) and organization_id,
the organization the role is held in. `Role` is the (role, resource_type,
resource_id) part; the FleetClient methods fill in the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from generated.viam.app.v1 import app_pb2 as pb

OWNER = "owner"
OPERATOR = "operator"
ROLES = (OWNER, OPERATOR)
RESOURCE_TYPES = ("organization", "location", "robot")
API_KEY_IDENTITY = "api-key"
USER_IDENTITY = "user"
ROLE_AUTHORIZATION = "role"
_RESOURCE_ALIASES = {"org": "organization", "machine": "robot"}


@dataclass(frozen=True)
class Role:
    """A role on one resource: `Role("operator", "location", location_id)`. `str()` gives `operator:location:<id>`."""

    role: str  # "owner" | "operator"
    resource_type: str  # "organization" | "location" | "robot"
    resource_id: str

    @classmethod
    def owner_of(cls, organization_id: str) -> "Role":
        """Owner of a whole organization."""
        return cls(OWNER, "organization", organization_id)

    @classmethod
    def parse(cls, text: str) -> "Role":
        """`ROLE:TYPE:ID`, e.g. `operator:location:abc1234567` (`org` and `machine` are accepted for the types).

        Raises ValueError on anything else.
        """
        parts = text.strip().split(":", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ValueError(f"not ROLE:TYPE:ID: {text!r} (e.g. operator:location:<location id>)")
        role, resource_type, resource_id = (p.strip() for p in parts)
        role, resource_type = role.lower(), resource_type.lower()
        resource_type = _RESOURCE_ALIASES.get(resource_type, resource_type)
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (choose from {', '.join(ROLES)})")
        if resource_type not in RESOURCE_TYPES:
            raise ValueError(f"unknown resource type {resource_type!r} (choose from {', '.join(RESOURCE_TYPES)})")
        return cls(role, resource_type, resource_id)

    @classmethod
    def of(cls, message: pb.Authorization | pb.AuthorizationDetails) -> "Role":
        """The role of a wire Authorization (or a key's AuthorizationDetails)."""
        return cls(message.authorization_id.rpartition("_")[2], message.resource_type, message.resource_id)

    @property
    def authorization_id(self) -> str:
        return f"{self.resource_type}_{self.role}"

    def authorization(
        self, organization_id: str, identity_type: str = API_KEY_IDENTITY, identity_id: str = ""
    ) -> pb.Authorization:
        """The wire Authorization for this role held in `organization_id` by that identity."""
        return pb.Authorization(
            authorization_type=ROLE_AUTHORIZATION,
            authorization_id=self.authorization_id,
            resource_type=self.resource_type,
            resource_id=self.resource_id,
            identity_id=identity_id,
            identity_type=identity_type,
            organization_id=organization_id,
        )

    def __str__(self) -> str:
        return f"{self.role}:{self.resource_type}:{self.resource_id}"


class NewKey(NamedTuple):
    """An API key id with its secret, as CreateKey/RotateKey return it: the only time the secret is shown."""

    id: str
    key: str


class Members(NamedTuple):
    """ListOrganizationMembers: the users holding a role in the organization, and the pending invites."""

    members: list[pb.OrganizationMember]
    invites: list[pb.OrganizationInvite]
