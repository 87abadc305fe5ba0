"""Part configs, history and restarts through viam-sdk's AppClient; check-ins through its RobotServiceStub.

update_robot_part, get_robot_part_history, mark_part_for_restart; the machine
side (RobotService.Config and NeedsRestart) uses viam-sdk's generated stub on a
channel the SDK dialled and authenticated with robot-secret credentials.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from copy import copy
from typing import AsyncIterator

from grpclib.client import Channel
from grpclib.const import Status
from sdk_helpers import AppClient, SdkServer, expect_error, unique
from viam.proto.app import OnlineState
from viam.proto.app.robot import ConfigRequest, NeedsRestartRequest, RobotServiceStub
from viam.rpc.dial import Credentials, DialOptions, _dial_app, _get_access_token


@asynccontextmanager
async def machine(address: str, part_id: str, secret: str) -> AsyncIterator[tuple[Channel, dict[str, str]]]:
    """The SDK's dial and Authenticate path with robot-secret credentials (entity = part id)."""
    options = DialOptions(credentials=Credentials(type="robot-secret", payload=secret), auth_entity=part_id, insecure=True)
    without_credentials = copy(options)
    without_credentials.credentials = None
    channel = await _dial_app(address, without_credentials)
    try:
        token = await _get_access_token(channel, part_id, options)
        yield channel, {"authorization": f"Bearer {token}"}
    finally:
        channel.close()


async def new_part(app: AppClient, org_id: str) -> tuple[str, str]:
    """(robot_id, main part id) of a fresh machine."""
    location = await app.create_location(org_id, unique("loc"))
    robot_id = await app.new_robot(unique("robot"), location.id)
    return robot_id, (await app.get_robot_parts(robot_id))[0].id


def test_update_robot_part_and_history(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        robot_id, part_id = await new_part(app, org_id)
        read = await app.get_robot_part(part_id)
        config = {"components": [{"name": "arm", "model": "fake", "attributes": {"speed": 2}}]}
        updated = await app.update_robot_part(part_id, "renamed", robot_config=config, last_known_update=read.last_updated)
        assert updated.name == "renamed" and updated.robot_config == config
        assert updated.last_updated is not None and read.last_updated is not None and updated.last_updated > read.last_updated
        text = '{"zeta": 1, "alpha": 2}'
        ordered = await app.update_robot_part(part_id, "renamed", robot_config_json=text)
        assert ordered.robot_config_json == '{"zeta":1,"alpha":2}'
        # A stale last_known_update: ABORTED, nothing changes.
        await expect_error(
            Status.ABORTED, app.update_robot_part(part_id, "stale", robot_config={"x": 1}, last_known_update=read.last_updated)
        )
        assert (await app.get_robot_part(part_id)).name == "renamed"
        await expect_error(Status.INVALID_ARGUMENT, app.update_robot_part(part_id, ""), "name")
        await expect_error(Status.INVALID_ARGUMENT, app.update_robot_part(part_id, "x", robot_config_json="[1]"), "robot_config_json")

        history = await app.get_robot_part_history(part_id)
        assert [entry.old.name for entry in history if entry.old] == ["renamed", read.name]
        assert all(entry.part == part_id and entry.robot == robot_id and entry.when for entry in history)
        assert history[0].old is not None and history[0].old.robot_config == config
        assert len(await app.get_robot_part_history(part_id, page_limit=1)) == 1
        assert history[1].when is not None
        assert [e.old.name for e in await app.get_robot_part_history(part_id, end=history[0].when) if e.old] == [read.name]

    sdk_server.run(body)


def test_machine_checks_in_and_sees_a_restart_once(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        robot_id, part_id = await new_part(app, org_id)
        part = await app.get_robot_part(part_id)
        await app.update_robot_part(part_id, part.name, robot_config={"services": [{"name": "nav", "api": "rdk:service:navigation"}]})
        assert (await app.get_robot(robot_id)).online_state == OnlineState.ONLINE_STATE_AWAITING_SETUP
        async with machine(sdk_server.address, part_id, part.secret) as (channel, metadata):
            robot = RobotServiceStub(channel)
            config = (await robot.Config(ConfigRequest(id=part_id), metadata=metadata)).config
            assert config.cloud.id == part_id and config.cloud.secret == part.secret and config.cloud.fqdn == part.fqdn
            assert [s.name for s in config.services] == ["nav"]
            assert (await robot.NeedsRestart(NeedsRestartRequest(id=part_id), metadata=metadata)).must_restart is False
            await app.mark_part_for_restart(part_id)
            await app.mark_part_for_restart(part_id)
            answers = [(await robot.NeedsRestart(NeedsRestartRequest(id=part_id), metadata=metadata)).must_restart for _ in range(3)]
            assert answers == [True, False, False]
        robot_after = await app.get_robot(robot_id)
        assert robot_after.online_state == OnlineState.ONLINE_STATE_ONLINE and robot_after.HasField("last_access")
        part_after = await app.get_robot_part(part_id)
        assert part_after.last_access is not None
        await expect_error(Status.PERMISSION_DENIED, RobotServiceStub(app._channel).Config(ConfigRequest(id=part_id), metadata=app._metadata))

    sdk_server.run(body)


def test_concurrent_sdk_updates_from_one_read_exactly_one_wins(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        _, part_id = await new_part(app, org_id)
        read = await app.get_robot_part(part_id)
        names = [f"w{i}" for i in range(5)]
        results = await asyncio.gather(
            *(app.update_robot_part(part_id, name, robot_config_json=json.dumps({"by": name}), last_known_update=read.last_updated) for name in names),
            return_exceptions=True,
        )
        winners = [r for r in results if not isinstance(r, BaseException)]
        assert len(winners) == 1, results
        assert all(getattr(r, "status", None) == Status.ABORTED for r in results if isinstance(r, BaseException)), results
        assert (await app.get_robot_part(part_id)).name == winners[0].name

    sdk_server.run(body)
