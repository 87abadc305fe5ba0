"""AppService RPCs. Roles: add, remove, change, list; check the caller's permissions.

Wire format of a role (Viam's `Authorization`): authorization_type "role",
authorization_id "<resource_type>_<role>" with role "owner" or "operator",
resource_type "organization", "location" or "robot", identity_type "api-key"
or "user" (empty is accepted on input: the server finds the identity).
"""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2 as pb
from server.db.models import Authorization
from server.domain import roles
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.roles import ROLE_AUTHORIZATION, AuthorizationInput, PermissionQuery
from server.services.rpc import rpc

ORG = ResourceType.ORGANIZATION
READ, AUTHENTICATED = Permission.READ, Permission.AUTHENTICATED


def authorization_input(message: pb.Authorization) -> AuthorizationInput:
    return AuthorizationInput(
        authorization_type=message.authorization_type,
        authorization_id=message.authorization_id,
        resource_type=message.resource_type,
        resource_id=message.resource_id,
        identity_id=message.identity_id,
        identity_type=message.identity_type,
        organization_id=message.organization_id,
    )


def _authorization(row: Authorization) -> pb.Authorization:
    return pb.Authorization(
        authorization_type=ROLE_AUTHORIZATION,
        authorization_id=f"{row.resource_type}_{row.role}",
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        identity_id=row.identity_id,
        identity_type=row.identity_type,
        organization_id=row.organization_id,
    )


class RoleRpcs:
    """Roles. The caller must own the resource a role is on (PERMISSION_DENIED otherwise, also for
    unknown resources); the resource must be in the role's organization (INVALID_ARGUMENT
    "authorization"); an organization never loses its last owner (FAILED_PRECONDITION).

    CheckPermissions vocabulary, per resource (a role covers what is beneath it):
    - operator: read_organization, read_location, read_robot, read_robot_logs, read_robot_config,
      control_robot;
    - owner: all of the above and update_organization, update_location, update_robot,
      update_robot_config, delete_organization, delete_location, delete_robot, manage_keys,
      manage_roles, manage_members.
    Unknown permissions, resource types and resources the caller cannot see are dropped, never an
    error, so the answer does not reveal whether a resource exists.
    """

    @rpc(AUTHENTICATED, write=True)
    def AddRole(self, ctx: DomainContext, request: pb.AddRoleRequest) -> pb.AddRoleResponse:
        """The identity must be an API key of the role's organization or a user; a duplicate is ALREADY_EXISTS."""
        roles.add_role(ctx, authorization_input(request.authorization))
        return pb.AddRoleResponse()

    @rpc(AUTHENTICATED, write=True)
    def RemoveRole(self, ctx: DomainContext, request: pb.RemoveRoleRequest) -> pb.RemoveRoleResponse:
        """NOT_FOUND unless the identity holds exactly that role in that organization."""
        roles.remove_role(ctx, authorization_input(request.authorization))
        return pb.RemoveRoleResponse()

    @rpc(AUTHENTICATED, write=True)
    def ChangeRole(self, ctx: DomainContext, request: pb.ChangeRoleRequest) -> pb.ChangeRoleResponse:
        """RemoveRole(old) and AddRole(new) in one transaction, for the same identity and organization."""
        roles.change_role(ctx, authorization_input(request.old_authorization), authorization_input(request.new_authorization))
        return pb.ChangeRoleResponse()

    @rpc(READ, ORG, "organization_id")
    def ListAuthorizations(self, ctx: DomainContext, request: pb.ListAuthorizationsRequest) -> pb.ListAuthorizationsResponse:
        rows = roles.list_authorizations(ctx, request.organization_id, list(request.resource_ids))
        return pb.ListAuthorizationsResponse(authorizations=[_authorization(row) for row in rows])

    @rpc(AUTHENTICATED)
    def CheckPermissions(self, ctx: DomainContext, request: pb.CheckPermissionsRequest) -> pb.CheckPermissionsResponse:
        queries = [PermissionQuery(p.resource_type, p.resource_id, tuple(p.permissions)) for p in request.permissions]
        held = roles.check_permissions(ctx, queries)
        return pb.CheckPermissionsResponse(
            authorized_permissions=[
                pb.AuthorizedPermissions(resource_type=q.resource_type, resource_id=q.resource_id, permissions=q.permissions)
                for q in held
            ]
        )
