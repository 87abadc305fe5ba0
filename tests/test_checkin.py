"""Machines checking in: RobotService.Config and NeedsRestart, MarkPartForRestart, online status.

The machine here is simulated with nothing but the wire contract: it
authenticates with credentials type "robot-secret" (entity = part id,
payload = a part secret) and calls viam.app.v1.RobotService.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import grpc
import pytest
from google.protobuf import json_format

from conftest import (
    Fleet,
    RunningServer,
    Tree,
    auth_metadata,
    bearer,
    denied,
    invalid,
    make_struct,
    new_key,
    open_channel,
    role,
    rpc_error,
    start_bootstrapped_server,
    unique,
)
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2, robot_pb2, robot_pb2_grpc
from harness import ServerProcess, effective_database_url
from sqlalchemy import create_engine, text

ONLINE, OFFLINE, AWAITING = app_pb2.ONLINE_STATE_ONLINE, app_pb2.ONLINE_STATE_OFFLINE, app_pb2.ONLINE_STATE_AWAITING_SETUP
UNAUTH = grpc.StatusCode.UNAUTHENTICATED


@dataclass
class SimulatedMachine:
    """A part talking to RobotService with a token from its own secret."""

    part_id: str
    md: list[tuple[str, str]]
    robot: robot_pb2_grpc.RobotServiceStub

    def config(self, agent_info: robot_pb2.AgentInfo | None = None, part_id: str | None = None) -> robot_pb2.RobotConfig:
        request = robot_pb2.ConfigRequest(id=self.part_id if part_id is None else part_id)
        if agent_info is not None:
            request.agent_info.CopyFrom(agent_info)
        return self.robot.Config(request, metadata=self.md, timeout=30).config

    def needs_restart(self) -> robot_pb2.NeedsRestartResponse:
        return self.robot.NeedsRestart(robot_pb2.NeedsRestartRequest(id=self.part_id), metadata=self.md, timeout=30)


def machine_login(channel: grpc.Channel, part_id: str, secret: str, kind: str = "robot-secret") -> SimulatedMachine:
    response = auth_pb2_grpc.AuthServiceStub(channel).Authenticate(
        auth_pb2.AuthenticateRequest(entity=part_id, credentials=auth_pb2.Credentials(type=kind, payload=secret)), timeout=30
    )
    return SimulatedMachine(part_id, bearer(response.access_token), robot_pb2_grpc.RobotServiceStub(channel))


def boot_machine(fleet: Fleet, part_id: str) -> SimulatedMachine:
    return machine_login(fleet.channel, part_id, fleet.get_part(part_id).secret)


MACHINE_CONFIG = {
    "components": [
        {
            "name": "left",
            "api": "rdk:component:motor",
            "model": "rdk:builtin:gpio",
            "attributes": {"pins": {"a": "11", "b": "13"}, "max_rpm": 120},
            "depends_on": ["board1"],
            "frame": {"parent": "world", "translation": {"x": 1, "y": 2, "z": 3},
                      "orientation": {"type": "ov_degrees", "value": {"th": 90, "x": 0, "y": 0, "z": 1}}},
            "some_future_key": {"ignored": True},
        },
        {"name": "board1", "api": "rdk:component:board", "model": "fake", "depends_on": "not-a-list"},
        "not-an-object",
    ],
    "services": [{"name": "nav", "api": "rdk:service:navigation", "model": "builtin", "attributes": {}}],
    "modules": [{"type": "registry", "name": "m1", "module_id": "acme:m1", "executable_path": "/opt/m1", "env": {"A": "1"}}],
    "network": {"bind_address": ":8080", "sessions": {"heartbeat_window": "2s"}},
    "debug": True,
    "cloud": {"id": "spoofed", "secret": "spoofed"},
    "fragments": ["later"],
    "unknown_top_level": 1,
}


# --------------------------------------------------------------------------- Config


def test_simulated_machine_gets_its_config_and_identity_and_comes_online(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    assert part.online_state == AWAITING and fleet.get_robot(tree.robot_id).online_state == AWAITING
    assert not part.HasField("last_access")
    fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config=make_struct(MACHINE_CONFIG))
    location = fleet.get_location(tree.location.id)

    machine = boot_machine(fleet, part.id)
    config = machine.config(robot_pb2.AgentInfo(host="rover", os="linux", version="0.1.0", platform="linux/arm64"))

    assert config.cloud == robot_pb2.CloudConfig(
        id=part.id,
        fqdn=part.fqdn,
        local_fqdn=part.local_fqdn,
        secret=part.secret,
        location_secret=location.auth.secrets[-1].secret,
        location_secrets=[robot_pb2.LocationSecret(id=s.id, secret=s.secret) for s in location.auth.secrets],
        primary_org_id=tree.org.id,
        location_id=tree.location.id,
        machine_id=tree.robot_id,
    )
    left, board = config.components
    assert (left.name, left.api, left.model, list(left.depends_on)) == ("left", "rdk:component:motor", "rdk:builtin:gpio", ["board1"])
    assert json_format.MessageToDict(left.attributes) == {"pins": {"a": "11", "b": "13"}, "max_rpm": 120}
    assert left.frame.parent == "world"
    assert (left.frame.translation.x, left.frame.translation.y, left.frame.translation.z) == (1, 2, 3)
    assert left.frame.orientation.vector_degrees == robot_pb2.Orientation.OrientationVectorDegrees(theta=90, z=1)
    assert (board.name, list(board.depends_on)) == ("board1", []), "a value of the wrong shape is ignored"
    assert [s.name for s in config.services] == ["nav"]
    (module,) = config.modules
    assert (module.name, module.module_id, module.path, module.type, dict(module.env)) == ("m1", "acme:m1", "/opt/m1", "registry", {"A": "1"})
    assert config.network.bind_address == ":8080" and config.network.sessions.heartbeat_window.seconds == 2
    assert config.HasField("debug") and config.debug is True
    assert config.revision

    after = fleet.main_part(tree.robot_id)
    assert after.online_state == ONLINE and after.HasField("last_access")
    robot = fleet.get_robot(tree.robot_id)
    assert robot.online_state == ONLINE and robot.last_access == after.last_access
    assert after.seconds_since_online <= 2


def test_an_empty_config_still_carries_the_identity(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    config = boot_machine(fleet, part.id).config()
    assert config.cloud.id == part.id and config.cloud.secret == part.secret
    assert not config.components and not config.services and not config.HasField("debug")


ODD_CONFIGS = [
    pytest.param({"components": "x", "services": {}, "modules": 3, "remotes": None, "network": [], "debug": "yes"}, id="wrong-shapes"),
    pytest.param({"components": [{"name": 1, "attributes": [1], "frame": {"orientation": {"type": "nope"}}, "depends_on": [1, None]}]}, id="wrong-field-types"),
    pytest.param({"processes": [{"id": "p", "stop_timeout": "1m", "stop_signal": 2**40, "env": {"A": 1}}]}, id="bad-durations-and-ints"),
    pytest.param({"auth": {"handlers": [{"type": "api-key", "config": {"keys": ["k"]}}]}, "tracing": {"enabled": True}}, id="unknown-enum"),
    pytest.param({"components": [{"frame": {"geometry": {"type": "box", "x": 1}, "orientation": {"type": "euler_angles", "value": 3}}}]}, id="viam-server-frames"),
    pytest.param({"log": [{"pattern": "a.*", "level": "debug"}], "jobs": [{"name": "j", "command": {"do": 1}}]}, id="log-and-jobs"),
]


@pytest.mark.parametrize("config", ODD_CONFIGS)
def test_config_ignores_what_it_cannot_use(fleet: Fleet, tree: Tree, config: dict) -> None:  # type: ignore[type-arg]
    part = fleet.main_part(tree.robot_id)
    fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config=make_struct(config))
    got = boot_machine(fleet, part.id).config()
    assert got.cloud.id == part.id


def test_config_follows_updates_and_revision_changes(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    first = machine.config()
    fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config_json='{"components":[{"name":"cam"}]}')
    second = machine.config()
    assert [c.name for c in second.components] == ["cam"]
    assert second.revision != first.revision


def test_moving_the_machine_moves_its_parts_config_revision(fleet: Fleet, tree: Tree) -> None:
    """A move changes every part's fqdn and location secrets, but the revision stayed: a machine
    watching it kept the old identity. A move now counts as a change of the parts."""
    part = fleet.main_part(tree.robot_id)
    other = fleet.new_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    before = machine.config()
    fleet.call("UpdateRobot", id=tree.robot_id, name=unique("renamed"))
    assert machine.config().revision == before.revision, "a rename changes nothing the machine gets"
    target = fleet.new_location(tree.org.id)
    fleet.call("UpdateRobot", id=tree.robot_id, name=tree.robot_name, location=target.id)
    after = machine.config()
    assert after.cloud.location_id == target.id and after.cloud.fqdn != before.cloud.fqdn
    assert after.revision != before.revision
    assert boot_machine(fleet, other).config().cloud.location_id == target.id
    moved = fleet.get_part(part.id)
    assert moved.last_updated.ToDatetime() > part.last_updated.ToDatetime()
    # The part changed (its fqdn), so an edit based on a read from before the move is stale.
    with rpc_error(grpc.StatusCode.ABORTED):
        fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config_json="{}", last_known_update=part.last_updated)
    fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config_json="{}", last_known_update=moved.last_updated)


def test_secret_changes_move_the_config_revision(fleet: Fleet, tree: Tree) -> None:
    """Config hands a part its newest secret and its location's secrets, but creating or deleting
    one left the revision, so a machine watching it had no reason to pick them up."""
    part = fleet.main_part(tree.robot_id)
    sibling = boot_machine(fleet, fleet.new_part(tree.robot_id))
    machine = boot_machine(fleet, part.id)
    elsewhere = boot_machine(fleet, fleet.main_part(fleet.new_robot(fleet.new_location(tree.org.id).id)).id)
    untouched, sibling_first = elsewhere.config().revision, sibling.config().revision
    seen = [machine.config().revision]

    def changes(what: str) -> None:
        revision = machine.config().revision
        assert revision not in seen, f"{what} is a new revision"
        seen.append(revision)

    rotated = fleet.call("CreateRobotPartSecret", part_id=part.id).part
    changes("a new part secret")
    assert sibling.config().revision == sibling_first, "another part's secrets are not its own"
    (new,) = [s for s in rotated.secrets if s.id != part.secrets[0].id]
    fleet.call("DeleteRobotPartSecret", part_id=part.id, secret_id=new.id)
    changes("a deleted part secret")
    before = fleet.get_part(part.id)
    auth = fleet.call("CreateLocationSecret", location_id=tree.location.id).auth
    changes("a new location secret")
    assert sibling.config().revision != sibling_first, "every part in the location gets its secrets"
    # The part changed (what Config hands it), so an edit based on a read from before is stale.
    with rpc_error(grpc.StatusCode.ABORTED):
        fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config_json="{}", last_known_update=before.last_updated)
    fleet.call("DeleteLocationSecret", location_id=tree.location.id, secret_id=auth.secrets[-1].id)
    changes("a deleted location secret")
    assert elsewhere.config().revision == untouched, "another location's secrets are not its own"
    assert not fleet.call("GetRobotPartHistory", id=part.id).history, "no config update, no history entry"


def test_the_newest_part_secret_is_handed_out(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    assert machine.config().cloud.secret == part.secret
    rotated = fleet.call("CreateRobotPartSecret", part_id=part.id).part
    (new,) = [s for s in rotated.secrets if s.id != part.secrets[0].id]
    assert machine.config().cloud.secret == new.secret, "so the old secret can be deleted once machines have the new one"


def test_location_secret_machines_may_check_in(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    secret = fleet.get_location(tree.location.id).auth.secrets[0].secret
    machine = machine_login(fleet.channel, part.id, secret, kind="robot-location-secret")
    assert machine.config().cloud.id == part.id


def test_machines_get_only_their_own_config(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    other = fleet.new_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    with denied():
        machine.config(part_id=other)
    with invalid("id"):
        machine.config(part_id="")
    with denied():
        robot_pb2_grpc.RobotServiceStub(fleet.channel).Config(robot_pb2.ConfigRequest(id=part.id), metadata=fleet.md, timeout=30)
    assert fleet.get_part(other).online_state == AWAITING


def test_a_deleted_secret_stops_check_ins(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    machine.config()
    fleet.call("CreateRobotPartSecret", part_id=part.id)
    fleet.call("DeleteRobotPartSecret", part_id=part.id, secret_id=part.secrets[0].id)
    with rpc_error(UNAUTH):
        machine.config()
    with rpc_error(UNAUTH):
        machine.needs_restart()


def test_heartbeats_are_written_at_most_every_10_seconds(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    machine.config()
    first = fleet.get_part(part.id).last_access
    time.sleep(1.1)
    machine.config()
    machine.needs_restart()
    assert fleet.get_part(part.id).last_access == first
    assert fleet.get_robot(tree.robot_id).last_access == first


def test_agent_info_is_stored(fleet: Fleet, server: RunningServer, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    info = robot_pb2.AgentInfo(host="h", os="linux", ips=["10.0.0.2"], version="1.2.3", git_revision="abc", platform="linux/amd64")
    machine.config(info)
    machine.config()  # without agent info: the stored one stays
    engine = create_engine(effective_database_url(Path(server.data_dir)))
    try:
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT agent_info FROM robot_part WHERE id = :id"), {"id": part.id}).scalar_one()
    finally:
        engine.dispose()
    assert robot_pb2.AgentInfo.FromString(bytes(stored)) == info


# --------------------------------------------------------------------------- restart


def test_restart_flag_is_reported_once(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    first = machine.needs_restart()
    assert first.id == part.id and first.must_restart is False
    assert first.restart_check_interval.seconds == 60
    fleet.call("MarkPartForRestart", part_id=part.id)
    fleet.call("MarkPartForRestart", part_id=part.id)  # a repeated mark is a no-op
    assert machine.needs_restart().must_restart is True
    assert machine.needs_restart().must_restart is False
    assert machine.needs_restart().must_restart is False
    fleet.call("MarkPartForRestart", part_id=part.id)
    assert machine.needs_restart().must_restart is True
    assert fleet.main_part(tree.robot_id).online_state == ONLINE, "NeedsRestart is a check-in too"


def test_restart_flags_are_per_part(fleet: Fleet, tree: Tree) -> None:
    main = fleet.main_part(tree.robot_id)
    other = fleet.new_part(tree.robot_id)
    fleet.call("MarkPartForRestart", part_id=other)
    assert boot_machine(fleet, main.id).needs_restart().must_restart is False
    assert boot_machine(fleet, other).needs_restart().must_restart is True


def test_operators_may_mark_for_restart(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    operator = new_key(fleet, [role(tree.org.id, "operator", "organization", tree.org.id)])
    operator.fleet.call("MarkPartForRestart", part_id=part.id)
    assert boot_machine(fleet, part.id).needs_restart().must_restart is True
    with invalid("part_id"):
        fleet.call("MarkPartForRestart", part_id="")


def test_machines_cannot_mark_themselves(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    with denied():
        fleet.call("MarkPartForRestart", part_id=part.id, metadata=machine.md)


# --------------------------------------------------------------------------- online threshold


@pytest.fixture(scope="module")
def quick_offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """A server whose machines count as offline 1 s after their last check-in."""
    data_dir = tmp_path_factory.mktemp("quick-offline") / "data"
    running = start_bootstrapped_server(data_dir, "Quick Offline Org")
    running.server.stop()
    process = ServerProcess(data_dir, extra_env={"FLEET_ONLINE_THRESHOLD_SECONDS": "1"}).start()
    channel = open_channel(process.address)
    try:
        yield Fleet(channel, auth_metadata(channel, running.boot), running.boot)
    finally:
        channel.close()
        process.stop()


def test_online_state_follows_the_configured_threshold(quick_offline: Fleet) -> None:
    fleet = quick_offline
    tree = fleet.new_tree()
    part = fleet.main_part(tree.robot_id)
    boot_machine(fleet, part.id).config()
    assert fleet.get_robot(tree.robot_id).online_state == ONLINE
    time.sleep(2.2)
    robot = fleet.get_robot(tree.robot_id)
    assert robot.online_state == OFFLINE and robot.seconds_since_online >= 2
    part_after = fleet.main_part(tree.robot_id)
    assert part_after.online_state == OFFLINE and part_after.seconds_since_online >= 2
    listed = {r.id: r for r in fleet.robots(tree.location.id)}
    assert listed[tree.robot_id].online_state == OFFLINE


def test_a_machine_checking_in_stays_online_under_a_threshold_below_10_seconds(quick_offline: Fleet) -> None:
    fleet = quick_offline
    tree = fleet.new_tree()
    part = fleet.main_part(tree.robot_id)
    machine = boot_machine(fleet, part.id)
    machine.config()
    time.sleep(2.2)
    machine.needs_restart()  # checked in just now
    assert fleet.main_part(tree.robot_id).online_state == ONLINE
    assert fleet.get_robot(tree.robot_id).online_state == ONLINE


def test_a_machine_whose_checked_in_part_is_deleted_is_no_longer_online(fleet: Fleet, tree: Tree) -> None:
    """The machine's state came from its own last_access, which kept the deleted part's check-in:
    ONLINE until the threshold passed. It follows the parts that remain."""
    main = fleet.main_part(tree.robot_id)
    other = fleet.new_part(tree.robot_id)
    boot_machine(fleet, other).config()
    assert fleet.get_robot(tree.robot_id).online_state == ONLINE
    fleet.call("DeleteRobotPart", part_id=other)
    robot = fleet.get_robot(tree.robot_id)
    assert robot.online_state == AWAITING and not robot.HasField("last_access")
    assert {r.id: r.online_state for r in fleet.robots(tree.location.id)}[tree.robot_id] == AWAITING
    assert fleet.get_part(main.id).online_state == AWAITING
    # With a checked-in part left, the machine keeps that part's state.
    boot_machine(fleet, main.id).config()
    third = fleet.new_part(tree.robot_id)
    boot_machine(fleet, third).config()
    fleet.call("DeleteRobotPart", part_id=third)
    robot = fleet.get_robot(tree.robot_id)
    assert robot.online_state == ONLINE and robot.last_access == fleet.get_part(main.id).last_access


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_bad_threshold_is_refused_at_startup(tmp_path: Path, value: str) -> None:
    process = ServerProcess(tmp_path, extra_env={"FLEET_ONLINE_THRESHOLD_SECONDS": value})
    with pytest.raises(RuntimeError, match="FLEET_ONLINE_THRESHOLD_SECONDS"):
        process.start()
