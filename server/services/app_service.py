"""viam.app.v1.AppService: the RPC groups of services/app/ composed into one servicer."""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2_grpc
from server.services.app.fragments import FragmentRpcs
from server.services.app.keys import KeyRpcs
from server.services.app.locations import LocationRpcs
from server.services.app.logs import LogRpcs
from server.services.app.members import MemberRpcs
from server.services.app.organizations import OrganizationRpcs
from server.services.app.parts import PartRpcs
from server.services.app.robots import RobotRpcs
from server.services.app.roles import RoleRpcs
from server.services.app.secrets import SecretRpcs
from server.services.app.sharing import SharingRpcs
from server.services.rpc import Servicer


class AppService(
    OrganizationRpcs,
    LocationRpcs,
    RobotRpcs,
    PartRpcs,
    FragmentRpcs,
    LogRpcs,
    MemberRpcs,
    SecretRpcs,
    SharingRpcs,
    KeyRpcs,
    RoleRpcs,
    Servicer,
    app_pb2_grpc.AppServiceServicer,
):
    pass
