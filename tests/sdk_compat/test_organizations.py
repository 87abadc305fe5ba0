"""Organizations through viam-sdk's AppClient.

create_organization, list_organizations, get_organization,
get_organization_namespace_availability, update_organization, delete_organization,
get_organization_metadata, update_organization_metadata.
"""

from __future__ import annotations

from grpclib.const import Status
from viam.proto.app import FragmentImport
from sdk_helpers import (
    BOOTSTRAP_ORG_NAME,
    UNKNOWN_UUID,
    UUID_RE,
    AppClient,
    SdkServer,
    assert_recent,
    expect_error,
    sdk_view,
    unique,
    unique_namespace,
)


def test_create_organization(sdk_server: SdkServer) -> None:
    name = unique("org")

    async def body(app: AppClient) -> None:
        org = await app.create_organization(name)
        assert UUID_RE.match(org.id), org.id
        assert org.name == name
        assert org.HasField("created_on")
        assert_recent(org.created_on, "Organization.created_on")
        assert org.public_namespace == ""
        assert org.default_region == "us-east-1"

        # the creator owns it: it can read it right away with the same key
        got = await app.get_organization(org.id)
        assert got.id == org.id
        assert got.name == name
        assert got.created_on == org.created_on
        assert got.default_region == "us-east-1"

    sdk_server.run(body)


def test_create_organization_invalid_name(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        await expect_error(Status.INVALID_ARGUMENT, app.create_organization(""), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.create_organization("   "), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.create_organization("x" * 101), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.create_organization("bad\x07name"), field="name")

    sdk_server.run(body)


def test_get_bootstrap_organization(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        org = await app.get_organization(sdk_server.org_id)
        assert org.id == sdk_server.org_id
        assert org.name == BOOTSTRAP_ORG_NAME
        assert org.HasField("created_on")

    sdk_server.run(body)


def test_list_organizations(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        created = [await app.create_organization(unique("org")) for _ in range(2)]
        orgs = await app.list_organizations()
        by_id = {o.id: o for o in orgs}
        assert sdk_server.org_id in by_id, "the bootstrap org must be listed"
        for org in created:
            assert org.id in by_id, f"created org {org.id} not listed"
            assert by_id[org.id].name == org.name
        assert len(by_id) == len(orgs), "ListOrganizations returned duplicates"

    sdk_server.run(body)


def test_get_organization_unknown_or_empty(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        await expect_error(Status.PERMISSION_DENIED, app.get_organization(UNKNOWN_UUID))
        await expect_error(Status.INVALID_ARGUMENT, app.get_organization(""), field="organization_id")

    sdk_server.run(body)


def test_namespace_availability_and_set_once(sdk_server: SdkServer, org_id: str) -> None:
    ns = unique_namespace()
    other_ns = unique_namespace()

    async def body(app: AppClient) -> None:
        assert await app.get_organization_namespace_availability(ns) is True

        org = await app.update_organization(org_id, public_namespace=ns)
        assert org.public_namespace == ns
        assert (await app.get_organization(org_id)).public_namespace == ns
        assert await app.get_organization_namespace_availability(ns) is False

        # same value again: a no-op
        org = await app.update_organization(org_id, public_namespace=ns)
        assert org.public_namespace == ns
        # a different value once set: refused
        await expect_error(Status.FAILED_PRECONDITION, app.update_organization(org_id, public_namespace=other_ns))
        assert (await app.get_organization(org_id)).public_namespace == ns
        assert await app.get_organization_namespace_availability(other_ns) is True

        # taken by another org: ALREADY_EXISTS
        second = await app.create_organization(unique("org"))
        await expect_error(Status.ALREADY_EXISTS, app.update_organization(second.id, public_namespace=ns))
        assert (await app.get_organization(second.id)).public_namespace == ""

    sdk_server.run(body)


def test_namespace_format_is_validated(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        for bad in ["", "ab", "Upper-Case", "has_underscore", "-leading", "trailing-", "x" * 64, "spa ce"]:
            await expect_error(
                Status.INVALID_ARGUMENT, app.get_organization_namespace_availability(bad), field="public_namespace"
            )
            await expect_error(
                Status.INVALID_ARGUMENT, app.update_organization(org_id, public_namespace=bad), field="public_namespace"
            )
        assert (await app.get_organization(org_id)).public_namespace == ""
        # bounds are inclusive: 3 and 63 characters are fine
        assert isinstance(await app.get_organization_namespace_availability("a-1"), bool)
        assert isinstance(await app.get_organization_namespace_availability("a" * 63), bool)

    sdk_server.run(body)


def test_update_organization_name_region_cid(sdk_server: SdkServer, org_id: str) -> None:
    new_name = unique("renamed")

    async def body(app: AppClient) -> None:
        org = await app.update_organization(org_id, name=new_name)
        assert org.id == org_id
        assert org.name == new_name
        assert org.default_region == "us-east-1"

        org = await app.update_organization(org_id, region="eu-west-1")
        assert org.default_region == "eu-west-1"
        assert org.name == new_name, "unset name must be kept"

        org = await app.update_organization(org_id, cid="crm-12345")
        assert org.HasField("cid") and org.cid == "crm-12345"
        assert org.name == new_name
        assert org.default_region == "eu-west-1"

        got = await app.get_organization(org_id)
        assert got.name == new_name
        assert got.default_region == "eu-west-1"
        assert got.cid == "crm-12345"
        assert got.public_namespace == ""

        # all at once
        ns = unique_namespace()
        org = await app.update_organization(org_id, name="All At Once", public_namespace=ns, region="us-west-2", cid="c2")
        assert (org.name, org.public_namespace, org.default_region, org.cid) == ("All At Once", ns, "us-west-2", "c2")

        # no field set: nothing changes
        org = await app.update_organization(org_id)
        assert (org.name, org.public_namespace, org.default_region, org.cid) == ("All At Once", ns, "us-west-2", "c2")

    sdk_server.run(body)


def test_update_organization_default_fragments(sdk_server: SdkServer, org_id: str) -> None:
    """update_organization(default_fragments=...) is stored and returned as given."""
    fragments = [
        FragmentImport(fragment_id="frag-1", version="latest", prefix="cam", variables={"a": "1"}),
        FragmentImport(fragment_id="frag-2", version="2"),
    ]

    async def body(app: AppClient) -> None:
        org = await app.update_organization(org_id, default_fragments=fragments)
        assert list(org.default_fragments.fragments) == fragments
        got = await app.get_organization(org_id)
        assert got.HasField("default_fragments")
        assert list(got.default_fragments.fragments) == fragments
        # untouched by an update of another field
        org = await app.update_organization(org_id, cid="c")
        assert list(org.default_fragments.fragments) == fragments

    sdk_server.run(body)


def test_update_organization_invalid(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        before = await app.get_organization(org_id)
        await expect_error(Status.INVALID_ARGUMENT, app.update_organization(org_id, name=""), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.update_organization(org_id, name="   "), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.update_organization(org_id, region=""), field="region")
        await expect_error(Status.INVALID_ARGUMENT, app.update_organization(org_id, region="EU_WEST"), field="region")
        await expect_error(Status.INVALID_ARGUMENT, app.update_organization(org_id, region="r" * 41), field="region")
        await expect_error(Status.PERMISSION_DENIED, app.update_organization(UNKNOWN_UUID, name="x"))
        after = await app.get_organization(org_id)
        assert (after.name, after.default_region) == (before.name, before.default_region)

    sdk_server.run(body)


def test_delete_organization(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        org = await app.create_organization(unique("doomed"))
        parent = await app.create_location(org.id, unique("loc"))
        child = await app.create_location(org.id, unique("loc"), parent_location_id=parent.id)
        robot_id = await app.new_robot(unique("robot"), child.id)
        part_id = await app.new_robot_part(robot_id, unique("part"))
        await app.update_organization_metadata(org.id, {"k": "v"})

        await app.delete_organization(org.id)

        assert org.id not in {o.id for o in await app.list_organizations()}
        await expect_error(Status.PERMISSION_DENIED, app.get_organization(org.id))
        await expect_error(Status.PERMISSION_DENIED, app.get_organization_metadata(org.id))
        await expect_error(Status.PERMISSION_DENIED, app.get_location(parent.id))
        await expect_error(Status.PERMISSION_DENIED, app.get_location(child.id))
        await expect_error(Status.PERMISSION_DENIED, app.get_robot(robot_id))
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_part(part_id))
        await expect_error(Status.PERMISSION_DENIED, app.delete_organization(org.id))

        # other orgs are untouched
        assert (await app.get_organization(sdk_server.org_id)).id == sdk_server.org_id

    sdk_server.run(body)


def test_organization_metadata(sdk_server: SdkServer, org_id: str) -> None:
    sample = {
        "site": "plant-7",
        "floor": 3,
        "active": True,
        "nothing": None,
        "tags": ["a", "b", 1.5],
        "nested": {"deep": {"x": -2, "s": "é 東京"}},
    }

    async def body(app: AppClient) -> None:
        assert await app.get_organization_metadata(org_id) == {}
        await app.update_organization_metadata(org_id, sample)
        assert await app.get_organization_metadata(org_id) == sdk_view(sample)
        await app.update_organization_metadata(org_id, {"only": "this"})
        assert await app.get_organization_metadata(org_id) == {"only": "this"}, "update must replace the whole map"
        await app.update_organization_metadata(org_id, {})
        assert await app.get_organization_metadata(org_id) == {}

    sdk_server.run(body)


def test_organization_metadata_invalid(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        await app.update_organization_metadata(org_id, {"keep": "me"})
        for bad in ({"x": float("nan")}, {"x": float("inf")}, {"big": "x" * (65 * 1024)}):
            await expect_error(Status.INVALID_ARGUMENT, app.update_organization_metadata(org_id, bad), field="data")
        assert await app.get_organization_metadata(org_id) == {"keep": "me"}
        await expect_error(Status.PERMISSION_DENIED, app.get_organization_metadata(UNKNOWN_UUID))
        await expect_error(Status.PERMISSION_DENIED, app.update_organization_metadata(UNKNOWN_UUID, {"a": 1}))

    sdk_server.run(body)
