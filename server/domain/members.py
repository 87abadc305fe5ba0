"""Users as members of organizations, and pending invites.

A *member* of an organization is a user holding at least one role granted by
that organization (`Authorization.organization_id`), on the organization
itself or on one of its (or a shared) location or machine.

An *invite* is a stored list of roles for an email address. No email is ever
sent: whatever `send_email_invite` says, the roles are granted when a user with
that email next authenticates with a password (see users.record_login), and
the invite is then gone. Until then owners can change or delete it.
Invite authorizations are checked like those of CreateKey and AddRole
(roles.parse, roles.check_grantable); an empty organization_id in one means
the invite's organization, and identity_id is ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import col, select

from server.db.models import Authorization, Organization, OrganizationInvite, User
from server.domain import access, roles, users
from server.domain.access import OWNER, ResourceType
from server.domain.context import DomainContext
from server.domain.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from server.domain.roles import AuthorizationInput

ORGANIZATION = "organization"


@dataclass(frozen=True)
class Grant:
    """A role on a resource, as an invite stores it (the invite's organization grants it)."""

    role: str
    resource_type: str
    resource_id: str

    def as_json(self) -> dict[str, str]:
        return {"role": self.role, "resource_type": self.resource_type, "resource_id": self.resource_id}


@dataclass(frozen=True)
class InviteView:
    organization_id: str
    email: str
    created_on: datetime
    grants: list[Grant]


@dataclass(frozen=True)
class MemberView:
    user_id: str
    email: str
    date_added: datetime  # the earliest of the user's roles in the organization
    last_login: datetime | None


@dataclass(frozen=True)
class OrganizationDetails:
    id: str
    name: str
    cid: str | None
    public_namespace: str | None


@dataclass(frozen=True)
class OrganizationIdentity:
    id: str
    name: str


# --------------------------------------------------------------------------- users


def user_id_by_email(ctx: DomainContext, email: str) -> str:
    """Only owners of some organization may look users up (they need it to manage members)."""
    clean = users.normalize_email(email)
    if not _owned_organization_ids(ctx):
        raise PermissionDenied("looking users up by email needs the owner role on at least one organization")
    user = users.find_by_email(ctx.session, clean)
    if user is None:
        raise NotFound("user", clean)
    return user.id


def organizations_of_user(ctx: DomainContext, user_id: str) -> list[OrganizationDetails]:
    """A user sees all of its own organizations; anyone else only those it owns that the user belongs to.

    An unknown user, or one sharing no owned organization with the caller, gives
    an empty list: the answer never tells whether the user exists.
    """
    if not user_id:
        raise InvalidArgument("user_id", "is required")
    caller = ctx.authenticated_caller
    member_of = set(
        ctx.session.exec(
            select(Authorization.organization_id)
            .where(Authorization.identity_id == user_id, Authorization.identity_type == users.USER)
            .distinct()
        ).all()
    )
    if not (caller.identity_type == users.USER and caller.identity_id == user_id):
        member_of &= set(_owned_organization_ids(ctx))
    if not member_of:
        return []
    rows = ctx.session.exec(
        select(Organization).where(col(Organization.id).in_(member_of)).order_by(Organization.created_on, Organization.id)
    ).all()
    return [OrganizationDetails(id=o.id, name=o.name, cid=o.cid, public_namespace=o.public_namespace) for o in rows]


def organizations_with_access_to_location(ctx: DomainContext, location_id: str) -> list[OrganizationIdentity]:
    """The location's own organization first, then every organization it (or a location above it) is shared with
    that the caller may see (access.visible_sharees).

    Before that filter, these are exactly the organizations whose roles reach the location (access.resource_chain).
    """
    organization_ids = access.organizations_reaching(ctx, ResourceType.LOCATION, location_id)
    if not organization_ids:  # deleted since the permission check
        raise PermissionDenied(f"location {location_id!r} does not exist")
    names = dict(
        ctx.session.exec(select(Organization.id, Organization.name).where(col(Organization.id).in_(organization_ids))).all()
    )
    primary, shared = organization_ids[0], access.visible_sharees(ctx, location_id, organization_ids[0], organization_ids[1:])
    ordered = [primary, *sorted((i for i in shared if i in names), key=lambda i: (names[i], i))]
    return [OrganizationIdentity(id=i, name=names[i]) for i in ordered if i in names]


# --------------------------------------------------------------------------- members


def list_members(ctx: DomainContext, organization_id: str) -> tuple[list[MemberView], list[InviteView]]:
    rows = ctx.session.exec(
        select(Authorization.identity_id, Authorization.created_on, User.email, User.last_login)
        .join(User, col(User.id) == col(Authorization.identity_id))
        .where(Authorization.organization_id == organization_id, Authorization.identity_type == users.USER)
    ).all()
    members: dict[str, MemberView] = {}
    for user_id, created_on, email, last_login in rows:
        known = members.get(user_id)
        if known is None or created_on < known.date_added:
            members[user_id] = MemberView(user_id=user_id, email=email, date_added=created_on, last_login=last_login)
    ordered = sorted(members.values(), key=lambda m: (m.date_added, m.user_id))
    return ordered, list_invites(ctx, organization_id)


def delete_member(ctx: DomainContext, organization_id: str, user_id: str) -> None:
    """Removes every role the organization granted the user, and the user's pending invite to it.

    Refused when the user holds an owner role on the organization and nobody
    else (user or API key) does: an organization always keeps an owner.
    """
    if not user_id:
        raise InvalidArgument("user_id", "is required")
    held = ctx.session.exec(
        select(Authorization).where(
            Authorization.organization_id == organization_id,
            Authorization.identity_id == user_id,
            Authorization.identity_type == users.USER,
        )
    ).all()
    if not held:
        raise NotFound("member", user_id, f"user {user_id!r} is not a member of organization {organization_id!r}")
    roles.ensure_owners_remain(ctx, held)
    for role in held:
        ctx.session.delete(role)
    user = ctx.session.get(User, user_id)
    if user is not None:
        invite = ctx.session.get(OrganizationInvite, (organization_id, user.email))
        if invite is not None:
            ctx.session.delete(invite)


# --------------------------------------------------------------------------- invites


def list_invites(ctx: DomainContext, organization_id: str) -> list[InviteView]:
    rows = ctx.session.exec(
        select(OrganizationInvite)
        .where(OrganizationInvite.organization_id == organization_id)
        .order_by(OrganizationInvite.created_on, OrganizationInvite.email)
    ).all()
    return [_invite_view(row) for row in rows]


def create_invite(
    ctx: DomainContext, organization_id: str, email: str, requested: list[AuthorizationInput]
) -> InviteView:
    """Stores an invite; with no authorizations it makes the invitee an owner of the organization.

    Allowed even when the user already exists or is already a member: the roles
    are added at the user's next password login.
    """
    clean = users.normalize_email(email)
    if requested:
        grants = _checked_grants(ctx, organization_id, requested, "authorizations")
    else:
        grants = [Grant(OWNER, ORGANIZATION, organization_id)]
    if ctx.session.get(OrganizationInvite, (organization_id, clean)) is not None:
        raise AlreadyExists(
            "organization invite", clean, f"an invite for {clean!r} to organization {organization_id!r} already exists"
        )
    invite = OrganizationInvite(
        organization_id=organization_id, email=clean, authorizations_json=_grants_json(grants), created_on=ctx.now
    )
    ctx.session.add(invite)
    ctx.session.flush()
    return _invite_view(invite)


def update_invite(
    ctx: DomainContext,
    organization_id: str,
    email: str,
    add: list[AuthorizationInput],
    remove: list[AuthorizationInput],
) -> InviteView:
    """Removes, then adds roles. Removing a role the invite lacks is an error; adding one it has is a no-op.

    A role may not be both added and removed in one call, and an invite cannot
    be left without roles (delete it instead).
    """
    invite = _invite(ctx, organization_id, email)
    current = [Grant(**g) for g in json.loads(invite.authorizations_json)]
    removing = [_stored(_parsed(r, organization_id, "remove_authorizations")) for r in remove]
    adding = _checked_grants(ctx, organization_id, add, "add_authorizations")
    for grant in removing:
        if grant not in current:
            raise InvalidArgument(
                "remove_authorizations", f"the invite has no {grant.resource_type}_{grant.role} role on {grant.resource_id!r}"
            )
        if grant in adding:
            raise InvalidArgument(
                "remove_authorizations", f"{grant.resource_type}_{grant.role} on {grant.resource_id!r} is also in add_authorizations"
            )
    result = [g for g in current if g not in removing]
    result.extend(g for g in adding if g not in result)
    if not result:
        raise FailedPrecondition(
            "authorizations", "an invite needs at least one authorization; delete the invite instead"
        )
    invite.authorizations_json = _grants_json(result)
    ctx.session.add(invite)
    return _invite_view(invite)


def drop_invite_grants_outside(ctx: DomainContext, organization_id: str) -> None:
    """Removes from the organization's pending invites the roles on locations and machines no
    longer in it or shared with it (after an unshare); an invite left with none is deleted."""
    for invite in ctx.session.exec(select(OrganizationInvite).where(OrganizationInvite.organization_id == organization_id)).all():
        grants = [Grant(**g) for g in json.loads(invite.authorizations_json)]
        kept = [g for g in grants if g.resource_type == ORGANIZATION or roles.is_in_organization(ctx, organization_id, g.resource_type, g.resource_id)]
        if not kept:
            ctx.session.delete(invite)
        elif len(kept) < len(grants):
            invite.authorizations_json = _grants_json(kept)
            ctx.session.add(invite)


def delete_invite(ctx: DomainContext, organization_id: str, email: str) -> None:
    ctx.session.delete(_invite(ctx, organization_id, email))


def resend_invite(ctx: DomainContext, organization_id: str, email: str) -> InviteView:
    """No email is sent (this server sends none): returns the pending invite unchanged."""
    return _invite_view(_invite(ctx, organization_id, email))


# --------------------------------------------------------------------------- helpers


def _invite(ctx: DomainContext, organization_id: str, email: str) -> OrganizationInvite:
    clean = users.normalize_email(email)
    invite = ctx.session.get(OrganizationInvite, (organization_id, clean))
    if invite is None:
        raise NotFound(
            "organization invite", clean, f"no pending invite for {clean!r} to organization {organization_id!r}"
        )
    return invite


def _invite_view(row: OrganizationInvite) -> InviteView:
    grants = [Grant(**g) for g in json.loads(row.authorizations_json)]
    return InviteView(organization_id=row.organization_id, email=row.email, created_on=row.created_on, grants=grants)


def _grants_json(grants: list[Grant]) -> str:
    return json.dumps([g.as_json() for g in grants])


def _owned_organization_ids(ctx: DomainContext) -> list[str]:
    caller = ctx.authenticated_caller
    return list(
        ctx.session.exec(
            select(Authorization.resource_id).where(
                Authorization.identity_id == caller.identity_id,
                Authorization.role == OWNER,
                Authorization.resource_type == ORGANIZATION,
            )
        ).all()
    )


def _checked_grants(ctx: DomainContext, organization_id: str, requested: list[AuthorizationInput], field: str) -> list[Grant]:
    """Checks every authorization as keys and roles do (roles.parse, roles.check_grantable): well formed,
    the caller owns the resource, and it lies in the organization (a location shared with it counts).

    Everything is checked before anything is written; duplicates collapse into one.
    """
    parsed = [_parsed(item, organization_id, field) for item in requested]
    roles.check_grantable(ctx, parsed, field)
    grants: list[Grant] = []
    for grant in map(_stored, parsed):
        if grant not in grants:
            grants.append(grant)
    return grants


def _stored(grant: roles.Grant) -> Grant:
    return Grant(role=grant.role, resource_type=grant.resource_type, resource_id=grant.resource_id)


def _parsed(item: AuthorizationInput, organization_id: str, field: str) -> roles.Grant:
    """An empty organization_id means the invite's; identity_id is ignored (the invitee may have no account yet)."""
    if item.organization_id not in ("", organization_id):
        raise InvalidArgument(field, f"organization_id {item.organization_id!r} is not the invite's organization {organization_id!r}")
    if item.identity_type not in ("", users.USER):
        raise InvalidArgument(field, f"identity_type must be {users.USER!r} or empty for an invite; got {item.identity_type!r}")
    return roles.parse(replace(item, organization_id=organization_id, identity_id=""), field, identity="optional")
