"""AppService RPCs. Location and part secrets (owners only)."""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2 as pb
from server.domain import secret_admin
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.secrets import SecretView
from server.services import convert
from server.services.rpc import rpc

LOCATION, PART = ResourceType.LOCATION, ResourceType.ROBOT_PART
WRITE = Permission.WRITE


def _location_auth(location_id: str, secrets: list[SecretView]) -> pb.LocationAuth:
    return pb.LocationAuth(
        location_id=location_id,
        secret=secrets[0].secret if secrets else "",
        secrets=[convert.shared_secret(s) for s in secrets],
    )


class SecretRpcs:
    @rpc(WRITE, LOCATION, "location_id", write=False)
    def LocationAuth(self, ctx: DomainContext, request: pb.LocationAuthRequest) -> pb.LocationAuthResponse:
        secrets = secret_admin.location_auth(ctx, request.location_id)
        return pb.LocationAuthResponse(auth=_location_auth(request.location_id, secrets))

    # Sharee owners pass here (they read secrets); secret_admin lets only primary-organization owners on.
    @rpc(WRITE, LOCATION, "location_id")
    def CreateLocationSecret(self, ctx: DomainContext, request: pb.CreateLocationSecretRequest) -> pb.CreateLocationSecretResponse:
        secrets = secret_admin.create_location_secret(ctx, request.location_id)
        return pb.CreateLocationSecretResponse(auth=_location_auth(request.location_id, secrets))

    @rpc(WRITE, LOCATION, "location_id")
    def DeleteLocationSecret(self, ctx: DomainContext, request: pb.DeleteLocationSecretRequest) -> pb.DeleteLocationSecretResponse:
        secret_admin.delete_location_secret(ctx, request.location_id, request.secret_id)
        return pb.DeleteLocationSecretResponse()

    @rpc(WRITE, PART, "part_id")
    def CreateRobotPartSecret(self, ctx: DomainContext, request: pb.CreateRobotPartSecretRequest) -> pb.CreateRobotPartSecretResponse:
        part = secret_admin.create_robot_part_secret(ctx, request.part_id)
        return pb.CreateRobotPartSecretResponse(part=convert.robot_part(part))

    @rpc(WRITE, PART, "part_id")
    def DeleteRobotPartSecret(self, ctx: DomainContext, request: pb.DeleteRobotPartSecretRequest) -> pb.DeleteRobotPartSecretResponse:
        secret_admin.delete_robot_part_secret(ctx, request.part_id, request.secret_id)
        return pb.DeleteRobotPartSecretResponse()
