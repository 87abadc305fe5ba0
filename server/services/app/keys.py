"""AppService RPCs. API keys: create, list, delete, rotate, rename, copy; the keys that reach a machine.

The key's secret is returned only by CreateKey, RotateKey and
CreateKeyFromExistingKeyAuthorizations. The server keeps only its hash, so
ListKeys and GetRobotAPIKeys return `api_key.key` empty, where hosted Viam
shows the secret. RotateKey stops the old secret, and every token issued for
it, at once. DeleteKey stops the key's tokens on their next call.
"""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2 as pb
from server.db.models import Authorization
from server.domain import api_keys
from server.domain.access import Permission, ResourceType
from server.domain.api_keys import KeyView
from server.domain.context import DomainContext
from server.domain.roles import ROLE_AUTHORIZATION
from server.services import convert
from server.services.app.roles import authorization_input
from server.services.rpc import rpc

ORG, ROBOT = ResourceType.ORGANIZATION, ResourceType.ROBOT
WRITE, AUTHENTICATED = Permission.WRITE, Permission.AUTHENTICATED


def _details(row: Authorization) -> pb.AuthorizationDetails:
    return pb.AuthorizationDetails(
        authorization_type=ROLE_AUTHORIZATION,
        authorization_id=f"{row.resource_type}_{row.role}",
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        org_id=row.organization_id,
    )


def _key_with_authorizations(view: KeyView) -> pb.APIKeyWithAuthorizations:
    return pb.APIKeyWithAuthorizations(
        api_key=pb.APIKey(id=view.id, key="", name=view.name, created_on=convert.timestamp(view.created_on)),
        authorizations=[_details(row) for row in view.roles],
    )


class KeyRpcs:
    @rpc(AUTHENTICATED, write=True)
    def CreateKey(self, ctx: DomainContext, request: pb.CreateKeyRequest) -> pb.CreateKeyResponse:
        """The caller must own every resource granted; all authorizations in one organization, the key's."""
        created = api_keys.create_key(ctx, [authorization_input(a) for a in request.authorizations], request.name)
        return pb.CreateKeyResponse(id=created.id, key=created.key)

    @rpc(WRITE, ORG, "org_id")
    def ListKeys(self, ctx: DomainContext, request: pb.ListKeysRequest) -> pb.ListKeysResponse:
        """Every key of the organization with its roles. `api_key.key` is always empty: hosted Viam
        shows the secret here, but this server stores only a hash of it and cannot."""
        return pb.ListKeysResponse(api_keys=[_key_with_authorizations(v) for v in api_keys.list_keys(ctx, request.org_id)])

    @rpc(AUTHENTICATED, write=True)
    def DeleteKey(self, ctx: DomainContext, request: pb.DeleteKeyRequest) -> pb.DeleteKeyResponse:
        api_keys.delete_key(ctx, request.id)
        return pb.DeleteKeyResponse()

    @rpc(AUTHENTICATED, write=True)
    def RotateKey(self, ctx: DomainContext, request: pb.RotateKeyRequest) -> pb.RotateKeyResponse:
        """Same id, new secret. The old secret, and every token issued for it, stop working at once."""
        rotated = api_keys.rotate_key(ctx, request.id)
        return pb.RotateKeyResponse(id=rotated.id, key=rotated.key)

    @rpc(AUTHENTICATED, write=True)
    def RenameKey(self, ctx: DomainContext, request: pb.RenameKeyRequest) -> pb.RenameKeyResponse:
        renamed = api_keys.rename_key(ctx, request.id, request.name)
        return pb.RenameKeyResponse(id=renamed.id, name=renamed.name)

    @rpc(AUTHENTICATED, write=True)
    def CreateKeyFromExistingKeyAuthorizations(
        self, ctx: DomainContext, request: pb.CreateKeyFromExistingKeyAuthorizationsRequest
    ) -> pb.CreateKeyFromExistingKeyAuthorizationsResponse:
        created = api_keys.create_key_from_existing(ctx, request.id)
        return pb.CreateKeyFromExistingKeyAuthorizationsResponse(id=created.id, key=created.key)

    @rpc(WRITE, ROBOT, "robot_id")
    def GetRobotAPIKeys(self, ctx: DomainContext, request: pb.GetRobotAPIKeysRequest) -> pb.GetRobotAPIKeysResponse:
        """Keys whose roles reach the machine, each with only those roles; `key` empty (see ListKeys)."""
        return pb.GetRobotAPIKeysResponse(api_keys=[_key_with_authorizations(v) for v in api_keys.robot_api_keys(ctx, request.robot_id)])
