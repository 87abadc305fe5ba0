"""AppService RPCs. Users, organization members and invites.

No email is ever sent by this server. CreateOrganizationInvite stores the
invite and ResendOrganizationInvite only returns it; whatever
`send_email_invite` says (true, false or unset behave the same), the invite's
roles are granted when a user with that email next authenticates with a
password (AuthService.Authenticate, credentials type "password"; users are
created with `fleet-server user-add`), and the invite is then removed.
"""

from __future__ import annotations

from collections.abc import Iterable

from generated.viam.app.v1 import app_pb2 as pb
from server.domain import members
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.members import Grant, InviteView, MemberView
from server.domain.roles import AuthorizationInput
from server.domain.users import USER
from server.services.convert import timestamp
from server.services.app.roles import authorization_input
from server.services.rpc import rpc

ORG, LOCATION = ResourceType.ORGANIZATION, ResourceType.LOCATION
READ, WRITE, AUTHENTICATED = Permission.READ, Permission.WRITE, Permission.AUTHENTICATED


def _requested(items: Iterable[pb.Authorization]) -> list[AuthorizationInput]:
    return [authorization_input(item) for item in items]


def _authorization(organization_id: str, grant: Grant) -> pb.Authorization:
    return pb.Authorization(
        authorization_type="role",
        authorization_id=f"{grant.resource_type}_{grant.role}",
        resource_type=grant.resource_type,
        resource_id=grant.resource_id,
        identity_id="",  # the invitee has no user id until it signs in
        identity_type=USER,
        organization_id=organization_id,
    )


def _invite(view: InviteView) -> pb.OrganizationInvite:
    return pb.OrganizationInvite(
        organization_id=view.organization_id,
        email=view.email,
        created_on=timestamp(view.created_on),
        authorizations=[_authorization(view.organization_id, g) for g in view.grants],
    )


def _member(view: MemberView) -> pb.OrganizationMember:
    message = pb.OrganizationMember(user_id=view.user_id, emails=[view.email], date_added=timestamp(view.date_added))
    if view.last_login is not None:
        message.last_login.CopyFrom(timestamp(view.last_login))
    return message


def _org_details(view: members.OrganizationDetails) -> pb.OrgDetails:
    message = pb.OrgDetails(org_id=view.id, org_name=view.name)
    if view.cid is not None:
        message.org_cid = view.cid
    if view.public_namespace:
        message.public_namespace = view.public_namespace
    return message


class MemberRpcs:
    @rpc(AUTHENTICATED)
    def GetUserIDByEmail(self, ctx: DomainContext, request: pb.GetUserIDByEmailRequest) -> pb.GetUserIDByEmailResponse:
        """Owners of at least one organization only (others get PERMISSION_DENIED)."""
        return pb.GetUserIDByEmailResponse(user_id=members.user_id_by_email(ctx, request.email))

    @rpc(AUTHENTICATED)
    def ListOrganizationsByUser(
        self, ctx: DomainContext, request: pb.ListOrganizationsByUserRequest
    ) -> pb.ListOrganizationsByUserResponse:
        """All of the caller's own organizations, or those the caller owns that the user belongs to."""
        found = members.organizations_of_user(ctx, request.user_id)
        return pb.ListOrganizationsByUserResponse(orgs=[_org_details(o) for o in found])

    @rpc(READ, LOCATION, "location_id")
    def GetOrganizationsWithAccessToLocation(
        self, ctx: DomainContext, request: pb.GetOrganizationsWithAccessToLocationRequest
    ) -> pb.GetOrganizationsWithAccessToLocationResponse:
        found = members.organizations_with_access_to_location(ctx, request.location_id)
        return pb.GetOrganizationsWithAccessToLocationResponse(
            organization_identities=[pb.OrganizationIdentity(id=o.id, name=o.name) for o in found]
        )

    @rpc(READ, ORG, "organization_id")
    def ListOrganizationMembers(
        self, ctx: DomainContext, request: pb.ListOrganizationMembersRequest
    ) -> pb.ListOrganizationMembersResponse:
        found, invites = members.list_members(ctx, request.organization_id)
        return pb.ListOrganizationMembersResponse(
            organization_id=request.organization_id,
            members=[_member(m) for m in found],
            invites=[_invite(i) for i in invites],
        )

    @rpc(WRITE, ORG, "organization_id")
    def CreateOrganizationInvite(
        self, ctx: DomainContext, request: pb.CreateOrganizationInviteRequest
    ) -> pb.CreateOrganizationInviteResponse:
        """Stores the invite; no email is sent, `send_email_invite` is ignored (see the module docstring)."""
        created = members.create_invite(ctx, request.organization_id, request.email, _requested(request.authorizations))
        return pb.CreateOrganizationInviteResponse(invite=_invite(created))

    @rpc(WRITE, ORG, "organization_id")
    def UpdateOrganizationInviteAuthorizations(
        self, ctx: DomainContext, request: pb.UpdateOrganizationInviteAuthorizationsRequest
    ) -> pb.UpdateOrganizationInviteAuthorizationsResponse:
        updated = members.update_invite(
            ctx,
            request.organization_id,
            request.email,
            add=_requested(request.add_authorizations),
            remove=_requested(request.remove_authorizations),
        )
        return pb.UpdateOrganizationInviteAuthorizationsResponse(invite=_invite(updated))

    @rpc(WRITE, ORG, "organization_id")
    def DeleteOrganizationInvite(
        self, ctx: DomainContext, request: pb.DeleteOrganizationInviteRequest
    ) -> pb.DeleteOrganizationInviteResponse:
        members.delete_invite(ctx, request.organization_id, request.email)
        return pb.DeleteOrganizationInviteResponse()

    @rpc(WRITE, ORG, "organization_id")
    def ResendOrganizationInvite(
        self, ctx: DomainContext, request: pb.ResendOrganizationInviteRequest
    ) -> pb.ResendOrganizationInviteResponse:
        """Sends nothing (this server never sends email): returns the pending invite unchanged."""
        return pb.ResendOrganizationInviteResponse(invite=_invite(members.resend_invite(ctx, request.organization_id, request.email)))

    @rpc(WRITE, ORG, "organization_id")
    def DeleteOrganizationMember(
        self, ctx: DomainContext, request: pb.DeleteOrganizationMemberRequest
    ) -> pb.DeleteOrganizationMemberResponse:
        """Removes the user's roles in the organization (and its pending invite there); never the last owner."""
        members.delete_member(ctx, request.organization_id, request.user_id)
        return pb.DeleteOrganizationMemberResponse()
