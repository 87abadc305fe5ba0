"""AppService RPCs. Machines (robots)."""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2 as pb
from server.domain import metadata, robots
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.services import convert
from server.services.convert import optional_struct
from server.services.rpc import rpc

ORG, LOCATION, ROBOT = ResourceType.ORGANIZATION, ResourceType.LOCATION, ResourceType.ROBOT
READ, WRITE = Permission.READ, Permission.WRITE


class RobotRpcs:
    @rpc(WRITE, LOCATION, "location", keeps_access=True)
    def NewRobot(self, ctx: DomainContext, request: pb.NewRobotRequest) -> pb.NewRobotResponse:
        return pb.NewRobotResponse(id=robots.new_robot(ctx, request.name, request.location))

    @rpc(READ, ROBOT, "id")
    def GetRobot(self, ctx: DomainContext, request: pb.GetRobotRequest) -> pb.GetRobotResponse:
        return pb.GetRobotResponse(robot=convert.robot(robots.get_robot(ctx, request.id)))

    @rpc(WRITE, ROBOT, "id")
    def UpdateRobot(self, ctx: DomainContext, request: pb.UpdateRobotRequest) -> pb.UpdateRobotResponse:
        return pb.UpdateRobotResponse(robot=convert.robot(robots.update_robot(ctx, request.id, request.name, request.location)))

    @rpc(WRITE, ROBOT, "id")
    def DeleteRobot(self, ctx: DomainContext, request: pb.DeleteRobotRequest) -> pb.DeleteRobotResponse:
        robots.delete_robot(ctx, request.id)
        return pb.DeleteRobotResponse()

    @rpc(READ, LOCATION, "location_id")
    def ListRobots(self, ctx: DomainContext, request: pb.ListRobotsRequest) -> pb.ListRobotsResponse:
        return pb.ListRobotsResponse(robots=[convert.robot(v) for v in robots.list_robots(ctx, [request.location_id])])

    @rpc(READ, ORG, "org_id")
    def ListRobotsForOrg(self, ctx: DomainContext, request: pb.ListRobotsForOrgRequest) -> pb.ListRobotsForOrgResponse:
        return pb.ListRobotsForOrgResponse(robots=[convert.robot(v) for v in robots.list_robots_for_organization(ctx, request.org_id)])

    @rpc(READ, LOCATION, "location_ids")
    def ListRobotsForLocations(
        self, ctx: DomainContext, request: pb.ListRobotsForLocationsRequest
    ) -> pb.ListRobotsForLocationsResponse:
        found = robots.list_robots(ctx, list(dict.fromkeys(request.location_ids)))
        return pb.ListRobotsForLocationsResponse(robots=[convert.robot(v) for v in found])

    @rpc(READ, ROBOT, "id")
    def GetRobotMetadata(self, ctx: DomainContext, request: pb.GetRobotMetadataRequest) -> pb.GetRobotMetadataResponse:
        return pb.GetRobotMetadataResponse(data=convert.struct(metadata.get_metadata(ctx, ROBOT, request.id)))

    @rpc(WRITE, ROBOT, "id", keeps_access=True)
    def UpdateRobotMetadata(self, ctx: DomainContext, request: pb.UpdateRobotMetadataRequest) -> pb.UpdateRobotMetadataResponse:
        metadata.update_metadata(ctx, ROBOT, request.id, optional_struct(request))
        return pb.UpdateRobotMetadataResponse()
