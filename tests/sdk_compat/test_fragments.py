"""Fragments and machine summaries through viam-sdk's AppClient (and its raw stub where it has no helper)."""

from __future__ import annotations

from grpclib.const import Status
from sdk_helpers import AppClient, SdkServer, expect_error, stub, unique
from viam.app.app_client import Fragment
from viam.proto.app import (
    DeleteFragmentTagRequest,
    GetFragmentUsageRequest,
    ListMachineFragmentsRequest,
    ListMachineSummariesRequest,
    ListNestedFragmentsRequest,
    SetFragmentTagRequest,
)


async def _machine_using(app: AppClient, org_id: str, fragment_id: str) -> tuple[str, str, str]:
    """(location id, robot id, main part id) of a fresh machine whose main part uses the fragment."""
    location = await app.create_location(org_id, unique("loc"))
    robot_id = await app.new_robot(unique("robot"), location.id)
    part = (await app.get_robot_parts(robot_id))[0]
    await app.update_robot_part(part.id, part.name, robot_config={"fragments": [fragment_id]})
    return location.id, robot_id, part.id


def test_fragment_lifecycle(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        config = {"components": [{"name": "cam", "model": "fake"}]}
        created = await app.create_fragment(org_id, unique("frag"), config)
        assert created.fragment == config and created.organization_owner == org_id
        assert created.visibility == Fragment.Visibility.PRIVATE
        got = await app.get_fragment(created.id)
        assert got.id == created.id and got.fragment == config

        updated = await app.update_fragment(
            created.id, "renamed", {"components": []}, visibility=Fragment.Visibility.PUBLIC, last_known_update=got.last_updated
        )
        assert updated.name == "renamed" and updated.visibility == Fragment.Visibility.PUBLIC and updated.public
        await expect_error(Status.ABORTED, app.update_fragment(created.id, "stale", {"x": 1}, last_known_update=got.last_updated))
        assert (await app.get_fragment(created.id, version="1")).fragment == config
        await expect_error(Status.INVALID_ARGUMENT, app.update_fragment(created.id, " "), "name")

        listed = await app.list_fragments(org_id, visibilities=[Fragment.Visibility.PUBLIC])
        assert [f.id for f in listed if f.id == created.id] == [created.id]
        history = await app.get_fragment_history(created.id)
        assert [entry.old.name for entry in history] == ["renamed", created.name]
        assert history[1].old.fragment == config and all(entry.fragment == created.id for entry in history)

        raw, md = stub(app), app._metadata
        tags = await raw.SetFragmentTag(SetFragmentTagRequest(fragment_id=created.id, tag="stable", revision="1"), metadata=md)
        assert [(t.tag, t.revision) for t in tags.tags] == [("stable", "1")]
        assert (await app.get_fragment(created.id, version="stable")).fragment == config
        await expect_error(
            Status.NOT_FOUND, raw.SetFragmentTag(SetFragmentTagRequest(fragment_id=created.id, tag="x", revision="9"), metadata=md)
        )
        await raw.DeleteFragmentTag(DeleteFragmentTagRequest(fragment_id=created.id, tag="stable"), metadata=md)

        location_id, robot_id, part_id = await _machine_using(app, org_id, created.id)
        usage = await raw.GetFragmentUsage(GetFragmentUsageRequest(fragment_id=created.id), metadata=md)
        assert [(u.machines, u.organizations) for u in usage.version_usages] == [(1, 1)]
        assert (await app.get_fragment(created.id)).robot_part_count == 1
        await expect_error(Status.FAILED_PRECONDITION, app.delete_fragment(created.id))
        await app.update_robot_part(part_id, unique("p"), robot_config={"fragments": []})
        await app.delete_fragment(created.id)
        await expect_error(Status.PERMISSION_DENIED, app.get_fragment(created.id))

    sdk_server.run(body)


def test_nesting_machine_fragments_and_summaries(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        raw, md = stub(app), app._metadata
        leaf = await app.create_fragment(org_id, unique("leaf"), {"services": [{"name": "nav"}]})
        top = await app.create_fragment(org_id, unique("top"), {"fragments": [leaf.id]})
        await expect_error(Status.INVALID_ARGUMENT, app.update_fragment(leaf.id, leaf.name, {"fragments": [top.id]}), "config")
        nested = await raw.ListNestedFragments(ListNestedFragmentsRequest(fragment_id=top.id), metadata=md)
        assert [f.id for f in nested.fragments] == [leaf.id]

        location_id, robot_id, part_id = await _machine_using(app, org_id, top.id)
        machine = await raw.ListMachineFragments(ListMachineFragmentsRequest(machine_id=robot_id), metadata=md)
        assert [f.id for f in machine.fragments] == [top.id, leaf.id]

        summaries = await raw.ListMachineSummaries(
            ListMachineSummariesRequest(organization_id=org_id, fragment_ids=[top.id]), metadata=md
        )
        assert [s.location_id for s in summaries.location_summaries] == [location_id]
        (machine_summary,) = summaries.location_summaries[0].machine_summaries
        assert machine_summary.machine_id == robot_id
        (part,) = machine_summary.part_summaries
        assert part.part_id == part_id and part.is_main_part and [f.id for f in part.fragments] == [top.id]

    sdk_server.run(body)
