"""Organizations: the top of the hierarchy and the owner of keys and roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from server.db.models import ApiKey, Location, Organization, Robot, RobotPart
from server.domain import access, api_keys, part_configs, parts, roles, sharing
from server.domain.access import Permission, ResourceType
from server.domain.context import Caller, DomainContext
from server.domain.errors import AlreadyExists, FailedPrecondition, InvalidArgument, PermissionDenied
from server.domain.ids import new_id
from server.domain.rows import checked_row
from server.domain.validation import check_namespace, check_region, check_short_text, clean_name

DEFAULT_REGION = "us-east-1"
# default_fragments is echoed in every organization read (ListOrganizations too): keep it small.
MAX_DEFAULT_FRAGMENTS = 100
MAX_DEFAULT_FRAGMENTS_BYTES = 64 * 1024


@dataclass(frozen=True)
class DefaultFragments:
    """A FragmentImportList as received: its entries ({"fragment_id", "version"}) to check, and
    its serialized form, stored and returned as given."""

    references: list[dict[str, Any]]
    serialized: bytes


@dataclass(frozen=True)
class OrganizationChanges:
    """Fields of UpdateOrganization; None means "leave as is"."""

    name: str | None = None
    public_namespace: str | None = None
    region: str | None = None
    cid: str | None = None
    default_fragments: DefaultFragments | None = None
    allowed_login_methods: bytes | None = None


def create_organization(ctx: DomainContext, name: str) -> Organization:
    """A user, or an API key that owns its own organization, may create one and becomes its owner.

    A key scoped lower (a location or a machine, or operator) may not: it would own the new
    organization, beyond the reach of the owners who manage it."""
    caller = ctx.authenticated_caller
    if caller.identity_type == roles.API_KEY:
        key = ctx.session.get(ApiKey, caller.identity_id)
        if key is None or not access.has_permission(ctx, Permission.WRITE, ResourceType.ORGANIZATION, key.organization_id):
            raise PermissionDenied("only a user, or an API key that owns its organization, can create organizations")
    organization = insert_organization(ctx, name)
    grant_owner(ctx, organization.id, ctx.authenticated_caller)
    return organization


def insert_organization(ctx: DomainContext, name: str, field: str = "name") -> Organization:
    organization = Organization(id=new_id(), name=clean_name(name, field), default_region=DEFAULT_REGION, created_on=ctx.now)
    ctx.session.add(organization)
    ctx.session.flush()
    return organization


def grant_owner(ctx: DomainContext, organization_id: str, identity: Caller) -> None:
    access.grant(
        ctx,
        organization_id=organization_id,
        identity_id=identity.identity_id,
        identity_type=identity.identity_type,
        role=access.OWNER,
        resource_type="organization",
        resource_id=organization_id,
    )


def list_organizations(ctx: DomainContext) -> list[Organization]:
    ids = access.organizations_of_caller(ctx)
    if not ids:
        return []
    return list(
        ctx.session.exec(
            select(Organization).where(col(Organization.id).in_(ids)).order_by(Organization.created_on, Organization.id)
        ).all()
    )


def get_organization(ctx: DomainContext, organization_id: str) -> Organization:
    return checked_row(ctx, Organization, organization_id, "organization")


def namespace_available(ctx: DomainContext, public_namespace: str) -> bool:
    check_namespace(public_namespace)
    return _namespace_owner(ctx, public_namespace) is None


def update_organization(ctx: DomainContext, organization_id: str, changes: OrganizationChanges) -> Organization:
    organization = get_organization(ctx, organization_id)
    if changes.name is not None:
        organization.name = clean_name(changes.name)
    if changes.public_namespace is not None and changes.public_namespace != organization.public_namespace:
        check_namespace(changes.public_namespace)
        if organization.public_namespace:
            raise FailedPrecondition(
                "public_namespace",
                f"the public namespace is already set to {organization.public_namespace!r} and cannot be changed",
            )
        if _namespace_owner(ctx, changes.public_namespace) is not None:
            raise AlreadyExists("public namespace", changes.public_namespace)
        organization.public_namespace = changes.public_namespace
    if changes.region is not None:
        organization.default_region = check_region(changes.region)
    if changes.cid is not None:
        organization.cid = check_short_text(changes.cid, "cid")
    if changes.default_fragments is not None:
        organization.default_fragments = _checked_default_fragments(changes.default_fragments)
    if changes.allowed_login_methods is not None:
        organization.allowed_login_methods = changes.allowed_login_methods
    ctx.session.add(organization)
    return organization


def delete_organization(ctx: DomainContext, organization_id: str) -> None:
    """Deletes the organization with its locations, machines, parts, keys and roles (database cascades),
    its keys' roles in organizations they created, and, as an unshare would, what the organizations
    it shared locations with granted on them (roles and invite grants)."""
    organization = get_organization(ctx, organization_id)
    part_ids = list(
        ctx.session.exec(
            select(RobotPart.id)
            .join(Robot, col(Robot.id) == col(RobotPart.robot_id))
            .join(Location, col(Location.id) == col(Robot.location_id))
            .where(Location.organization_id == organization_id)
        ).all()
    )
    api_keys.revoke_keys_of(ctx, organization_id)
    with sharing.deleting_organization(ctx, organization_id):
        ctx.session.delete(organization)
    parts.end_live_tails(ctx, part_ids)


def _checked_default_fragments(given: DefaultFragments) -> bytes:
    field = "default_fragments"
    if len(given.references) > MAX_DEFAULT_FRAGMENTS:
        raise InvalidArgument(field, f"must not hold more than {MAX_DEFAULT_FRAGMENTS} fragments, got {len(given.references)}")
    part_configs.check_fragment_references(given.references, field, id_key="fragment_id")
    if len(given.serialized) > MAX_DEFAULT_FRAGMENTS_BYTES:
        raise InvalidArgument(field, f"must be at most {MAX_DEFAULT_FRAGMENTS_BYTES} bytes serialized, got {len(given.serialized)}")
    return given.serialized


def _namespace_owner(ctx: DomainContext, public_namespace: str) -> str | None:
    return ctx.session.exec(select(Organization.id).where(Organization.public_namespace == public_namespace)).first()
