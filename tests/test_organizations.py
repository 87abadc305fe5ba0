"""Organizations: Create/List/Get/NamespaceAvailability/Update/Delete/metadata."""

from __future__ import annotations

import uuid

import grpc
import pytest

from conftest import (
    BAD_NAMES,
    BAD_NAMESPACES,
    UNKNOWN_ORG,
    ORG_METADATA,
    UUID_RE,
    denied,
    invalid,
    new_key,
    new_user_session,
    role,
    rpc_error,
    run_metadata_contract,
    run_metadata_id_errors,
    run_concurrently,
    run_metadata_validation,
    unique,
    unique_namespace,
)
from generated.viam.app.v1 import app_pb2

# --------------------------------------------------------------------------- CreateOrganization


def test_create_organization(fleet):
    name = unique("Acme Corp")
    org = fleet.call("CreateOrganization", name=name).organization
    assert UUID_RE.match(org.id), org.id
    assert org.name == name
    assert org.HasField("created_on") and org.created_on.seconds > 0
    assert org.public_namespace == ""
    assert org.default_region == "us-east-1"
    # the caller became owner: it can read and write it
    assert fleet.get_org(org.id) == org
    assert org.id in fleet.org_ids()
    fleet.call("UpdateOrganization", organization_id=org.id, cid="c-1")


def test_create_organization_ids_are_unique(fleet):
    a, b = fleet.new_org("same name"), fleet.new_org("same name")
    assert a.id != b.id
    assert a.name == b.name == "same name"


@pytest.mark.parametrize("name", ["x", "x" * 100, "東" * 100, "Café 東京 ☕", "  padded  "])
def test_create_organization_valid_names(fleet, name):
    org = fleet.new_org(name)
    assert org.name.strip() == name.strip()
    assert fleet.get_org(org.id).name == org.name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_create_organization_bad_name(fleet, name):
    before = fleet.org_ids()
    with invalid("name"):
        fleet.call("CreateOrganization", name=name)
    assert fleet.org_ids() == before, "a rejected CreateOrganization must create nothing"


# --------------------------------------------------------------------------- List / Get


def test_list_organizations(fleet, boot):
    a, b = fleet.new_org(), fleet.new_org()
    orgs = {o.id: o for o in fleet.call("ListOrganizations").organizations}
    assert boot.organization_id in orgs
    assert orgs[a.id] == a and orgs[b.id] == b


def test_get_organization(fleet, org, boot):
    assert fleet.get_org(org.id) == org
    bootstrap_org = fleet.get_org(boot.organization_id)
    assert bootstrap_org.name == "First Org"


def test_get_organization_errors(fleet):
    with invalid("organization_id"):
        fleet.call("GetOrganization", organization_id="")
    with denied():
        fleet.call("GetOrganization", organization_id=UNKNOWN_ORG)
    with denied():
        fleet.call("GetOrganization", organization_id=str(uuid.uuid4()))


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "x" * 300, "'; DROP TABLE organizations; --", "%"])
def test_get_organization_malformed_id_is_not_internal(fleet, bad_id):
    # Well-formed unknown ids must be PERMISSION_DENIED; malformed ones may be
    # rejected as INVALID_ARGUMENT instead, but never INTERNAL / NOT_FOUND.
    with rpc_error((grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT), field=None):
        fleet.call("GetOrganization", organization_id=bad_id)


def test_ids_from_another_server_are_permission_denied(fleet, foreign):
    """Isolation: real ids of another server's resources are unknown here."""
    checks = [
        ("GetOrganization", {"organization_id": foreign["org_id"]}),
        ("GetOrganization", {"organization_id": foreign["bootstrap_org_id"]}),
        ("ListLocations", {"organization_id": foreign["org_id"]}),
        ("ListRobotsForOrg", {"org_id": foreign["org_id"]}),
        ("GetOrganizationMetadata", {"organization_id": foreign["org_id"]}),
        ("UpdateOrganization", {"organization_id": foreign["org_id"], "name": "hijack"}),
        ("DeleteOrganization", {"organization_id": foreign["org_id"]}),
        ("CreateLocation", {"organization_id": foreign["org_id"], "name": "x"}),
        ("GetLocation", {"location_id": foreign["location_id"]}),
        ("ListRobots", {"location_id": foreign["location_id"]}),
        ("NewRobot", {"location": foreign["location_id"], "name": "x"}),
        ("DeleteLocation", {"location_id": foreign["location_id"]}),
        ("GetRobot", {"id": foreign["robot_id"]}),
        ("GetRobotParts", {"robot_id": foreign["robot_id"]}),
        ("NewRobotPart", {"robot_id": foreign["robot_id"], "part_name": "x"}),
        ("DeleteRobot", {"id": foreign["robot_id"]}),
        ("GetRobotPart", {"id": foreign["part_id"]}),
        ("GetRobotPart", {"id": foreign["main_part_id"]}),
        ("MarkPartAsMain", {"part_id": foreign["part_id"]}),
        ("DeleteRobotPart", {"part_id": foreign["part_id"]}),
    ]
    for method, fields in checks:
        with denied():
            fleet.call(method, **fields)
    with denied():
        fleet.call("ListRobotsForLocations", location_ids=[foreign["location_id"]])


def test_foreign_org_not_listed(fleet, foreign):
    ids = fleet.org_ids()
    assert foreign["org_id"] not in ids and foreign["bootstrap_org_id"] not in ids


# --------------------------------------------------------------------------- namespace availability


def test_namespace_availability(fleet, org):
    ns = unique_namespace()
    assert fleet.call("GetOrganizationNamespaceAvailability", public_namespace=ns).available is True
    fleet.call("UpdateOrganization", organization_id=org.id, public_namespace=ns)
    assert fleet.call("GetOrganizationNamespaceAvailability", public_namespace=ns).available is False
    # also when asked on behalf of the org holding it, or another org
    other = fleet.new_org()
    assert (
        fleet.call("GetOrganizationNamespaceAvailability", public_namespace=ns, organization_id=other.id).available
        is False
    )


@pytest.mark.parametrize("ns", ["abc", "a" * 63, "a-b", "0-9", "x1-y2-z3"])
def test_namespace_valid_formats_available(fleet, ns):
    # unique prefix would change the length; these exact values are very likely free on a fresh server
    response = fleet.call("GetOrganizationNamespaceAvailability", public_namespace=ns)
    assert isinstance(response.available, bool)


@pytest.mark.parametrize("ns", [pytest.param("", id="empty"), *BAD_NAMESPACES])
def test_namespace_availability_bad_format(fleet, ns):
    with invalid("public_namespace"):
        fleet.call("GetOrganizationNamespaceAvailability", public_namespace=ns)


# --------------------------------------------------------------------------- UpdateOrganization


def test_update_organization_name_only(fleet, org):
    updated = fleet.call("UpdateOrganization", organization_id=org.id, name="Renamed Org").organization
    assert updated.name == "Renamed Org"
    assert updated.id == org.id
    assert updated.created_on == org.created_on
    assert updated.public_namespace == org.public_namespace
    assert updated.default_region == org.default_region
    assert fleet.get_org(org.id) == updated


def test_update_organization_nothing_set_keeps_everything(fleet, org):
    updated = fleet.call("UpdateOrganization", organization_id=org.id).organization
    assert updated == org
    assert fleet.get_org(org.id) == org


def test_update_organization_all_fields(fleet, org):
    ns = unique_namespace()
    fragments = app_pb2.FragmentImportList(
        fragments=[
            app_pb2.FragmentImport(fragment_id="frag-1", version="latest"),
            app_pb2.FragmentImport(fragment_id="frag-2", version="2", prefix="p", variables={"k": "v"}),
        ]
    )
    methods = app_pb2.AllowedLoginMethods(
        methods=[app_pb2.LOGIN_METHOD_PASSWORD, app_pb2.LOGIN_METHOD_GITHUB]
    )
    updated = fleet.call(
        "UpdateOrganization",
        organization_id=org.id,
        name="All Fields",
        public_namespace=ns,
        region="eu-west-1",
        cid="cust-42",
        default_fragments=fragments,
        allowed_login_methods=methods,
    ).organization
    assert updated.name == "All Fields"
    assert updated.public_namespace == ns
    assert updated.default_region == "eu-west-1"
    assert updated.HasField("cid") and updated.cid == "cust-42"
    assert updated.default_fragments == fragments
    assert updated.allowed_login_methods == methods
    got = fleet.get_org(org.id)
    assert got == updated
    # a later update of one field keeps the others
    again = fleet.call("UpdateOrganization", organization_id=org.id, cid="cust-43").organization
    assert again.cid == "cust-43"
    assert again.name == "All Fields" and again.public_namespace == ns and again.default_region == "eu-west-1"
    assert again.default_fragments == fragments and again.allowed_login_methods == methods


def test_update_organization_cid_is_at_most_100_characters(fleet, org):
    """A cid of any length was stored (100,000 characters and more) and echoed in every organization read."""
    with invalid("cid") as error:
        fleet.call("UpdateOrganization", organization_id=org.id, cid="c" * 101)
    assert "100" in error.message
    assert fleet.get_org(org.id) == org
    assert fleet.call("UpdateOrganization", organization_id=org.id, cid="c" * 100).organization.cid == "c" * 100


@pytest.mark.parametrize("cid", ["bell\x07", "line\nbreak", "zero\u200bwidth", "bidi\u202eoverride", "para\u2029sep"])
def test_update_organization_cid_without_control_characters(fleet, org, cid):
    """A cid with control or invisible characters was stored and echoed in every organization read."""
    with invalid("cid") as error:
        fleet.call("UpdateOrganization", organization_id=org.id, cid=cid)
    assert "control characters" in error.message
    assert fleet.get_org(org.id) == org


def _imports(*entries: app_pb2.FragmentImport) -> app_pb2.FragmentImportList:
    return app_pb2.FragmentImportList(fragments=list(entries))


def test_update_organization_default_fragments_are_capped_and_checked(fleet, org):
    """default_fragments had no limit but the message size, and took entries that name no fragment."""
    full = _imports(*(app_pb2.FragmentImport(fragment_id=f"frag-{i}", version="1") for i in range(100)))
    bad = {
        "more than 100 fragments": _imports(*full.fragments, app_pb2.FragmentImport(fragment_id="frag-100")),
        "fragments[1].fragment_id": _imports(app_pb2.FragmentImport(fragment_id="f"), app_pb2.FragmentImport(version="2")),
        "65536 bytes": _imports(app_pb2.FragmentImport(fragment_id="f", variables={"k": "v" * 70_000})),
    }
    for expected, fragments in bad.items():
        with invalid("default_fragments") as error:
            fleet.call("UpdateOrganization", organization_id=org.id, default_fragments=fragments)
        assert expected in error.message, error.message
        assert fleet.get_org(org.id) == org
    assert fleet.call("UpdateOrganization", organization_id=org.id, default_fragments=full).organization.default_fragments == full
    cleared = fleet.call("UpdateOrganization", organization_id=org.id, default_fragments=_imports()).organization
    assert cleared.default_fragments == _imports()


@pytest.mark.parametrize("name", BAD_NAMES)
def test_update_organization_bad_name(fleet, org, name):
    with invalid("name"):
        fleet.call("UpdateOrganization", organization_id=org.id, name=name)
    assert fleet.get_org(org.id) == org


def test_update_organization_namespace_set_once(fleet, org):
    ns = unique_namespace()
    fleet.call("UpdateOrganization", organization_id=org.id, public_namespace=ns)
    # same value again: no-op
    same = fleet.call("UpdateOrganization", organization_id=org.id, public_namespace=ns).organization
    assert same.public_namespace == ns
    # a different one: FAILED_PRECONDITION and nothing changes (not even the other fields of that call)
    before = fleet.get_org(org.id)
    with rpc_error(grpc.StatusCode.FAILED_PRECONDITION):
        fleet.call(
            "UpdateOrganization", organization_id=org.id, public_namespace=unique_namespace(), name="Not Applied"
        )
    assert fleet.get_org(org.id) == before


def test_update_organization_namespace_taken(fleet):
    ns = unique_namespace()
    first, second = fleet.new_org(), fleet.new_org()
    fleet.call("UpdateOrganization", organization_id=first.id, public_namespace=ns)
    with rpc_error(grpc.StatusCode.ALREADY_EXISTS):
        fleet.call("UpdateOrganization", organization_id=second.id, public_namespace=ns, name="Not Applied")
    assert fleet.get_org(second.id) == second
    assert fleet.get_org(first.id).public_namespace == ns


def test_concurrent_namespace_claims_one_winner(fleet):
    ns = unique_namespace()
    orgs = iter([fleet.new_org() for _ in range(6)])
    import threading

    lock = threading.Lock()

    def claim():
        with lock:
            org_id = next(orgs).id
        return fleet.call("UpdateOrganization", organization_id=org_id, public_namespace=ns).organization

    results, errors = run_concurrently(claim, n=6)
    assert len(results) == 1, f"exactly one org may get the namespace, {len(results)} did"
    assert all(e.code() == grpc.StatusCode.ALREADY_EXISTS for e in errors), [
        (e.code().name, e.details()) for e in errors
    ]
    assert results[0].public_namespace == ns


@pytest.mark.parametrize("ns", BAD_NAMESPACES)
def test_update_organization_bad_namespace(fleet, org, ns):
    with invalid("public_namespace"):
        fleet.call("UpdateOrganization", organization_id=org.id, public_namespace=ns, name="Not Applied")
    assert fleet.get_org(org.id) == org


@pytest.mark.parametrize("region", ["", "US-EAST-1", "us_east", "us east", "r" * 41])
def test_update_organization_bad_region(fleet, org, region):
    with invalid("region"):
        fleet.call("UpdateOrganization", organization_id=org.id, region=region, name="Not Applied")
    assert fleet.get_org(org.id) == org


@pytest.mark.parametrize("region", ["r", "r" * 40, "ap-south-2", "0-0"])
def test_update_organization_valid_region(fleet, org, region):
    assert fleet.call("UpdateOrganization", organization_id=org.id, region=region).organization.default_region == region


def test_update_organization_id_errors(fleet):
    with invalid("organization_id"):
        fleet.call("UpdateOrganization", organization_id="", name="x")
    with denied():
        fleet.call("UpdateOrganization", organization_id=UNKNOWN_ORG, name="x")


# --------------------------------------------------------------------------- DeleteOrganization


def test_delete_organization_cascades(fleet):
    org = fleet.new_org()
    parent = fleet.new_location(org.id)
    child = fleet.new_location(org.id, parent=parent.id)
    robot_id = fleet.new_robot(child.id)
    part_id = fleet.new_part(robot_id)
    main_id = fleet.main_part(robot_id).id
    fleet.call("DeleteOrganization", organization_id=org.id)

    assert org.id not in fleet.org_ids()
    with denied():
        fleet.get_org(org.id)
    with denied():
        fleet.call("ListLocations", organization_id=org.id)
    for loc in (parent, child):
        with denied():
            fleet.get_location(loc.id)
    with denied():
        fleet.get_robot(robot_id)
    for pid in (part_id, main_id):
        with denied():
            fleet.get_part(pid)
    with denied():
        fleet.call("DeleteOrganization", organization_id=org.id)


def test_delete_organization_frees_namespace(fleet):
    # The namespace belongs to an organization that no longer exists.
    org = fleet.new_org()
    ns = unique_namespace()
    fleet.call("UpdateOrganization", organization_id=org.id, public_namespace=ns)
    fleet.call("DeleteOrganization", organization_id=org.id)
    assert fleet.call("GetOrganizationNamespaceAvailability", public_namespace=ns).available is True


def test_delete_organization_leaves_others_alone(fleet, boot):
    keep = fleet.new_tree()
    doomed = fleet.new_tree()
    fleet.call("DeleteOrganization", organization_id=doomed.org.id)
    assert fleet.get_org(keep.org.id) == keep.org
    assert fleet.get_robot(keep.robot_id).name == keep.robot_name
    assert [l.id for l in fleet.locations(keep.org.id)] == [keep.location.id]
    assert boot.organization_id in fleet.org_ids()


def test_delete_organization_id_errors(fleet):
    with invalid("organization_id"):
        fleet.call("DeleteOrganization", organization_id="")
    with denied():
        fleet.call("DeleteOrganization", organization_id=UNKNOWN_ORG)


def test_delete_organization_revokes_its_keys_roles_in_organizations_they_created(fleet, server, channel, org):
    """The deleted organization's keys go, and so must their roles elsewhere: a dead key's owner
    role would otherwise still count as an owner and let the last real one leave."""
    key = new_key(fleet, [role(org.id, "owner", "organization", org.id)])
    created = key.fleet.new_org()
    user, user_md = new_user_session(server, channel)
    key.fleet.call("AddRole", authorization=role(created.id, "owner", "organization", created.id, user.id, "user"))
    fleet.call("DeleteOrganization", organization_id=org.id)

    holders = {a.identity_id for a in fleet.call("ListAuthorizations", metadata=user_md, organization_id=created.id).authorizations}
    assert holders == {user.id}
    with rpc_error(grpc.StatusCode.FAILED_PRECONDITION):
        fleet.call("DeleteOrganizationMember", metadata=user_md, organization_id=created.id, user_id=user.id)


def test_delete_organization_revokes_what_others_granted_on_its_shared_locations(fleet, server, channel):
    """Roles and invite grants another organization gave on a shared location go with the location,
    as with UnshareLocation: the user is no longer a member there through a location that is gone."""
    owner, other = fleet.new_org(), fleet.new_org()
    location = fleet.new_location(owner.id)
    fleet.call("ShareLocation", location_id=location.id, organization_id=other.id)
    user, _ = new_user_session(server, channel)
    fleet.call("AddRole", authorization=role(other.id, "operator", "location", location.id, user.id, "user"))
    on_location = role(other.id, "operator", "location", location.id)
    fleet.call("CreateOrganizationInvite", organization_id=other.id, email="only-location@example.com", authorizations=[on_location])
    fleet.call("CreateOrganizationInvite", organization_id=other.id, email="both@example.com",
               authorizations=[on_location, role(other.id, "operator", "organization", other.id)])
    fleet.call("DeleteOrganization", organization_id=owner.id)

    assert location.id not in {a.resource_id for a in fleet.call("ListAuthorizations", organization_id=other.id).authorizations}
    listed = fleet.call("ListOrganizationMembers", organization_id=other.id)
    assert user.id not in {m.user_id for m in listed.members}
    assert {i.email: [a.resource_id for a in i.authorizations] for i in listed.invites} == {"both@example.com": [other.id]}


# --------------------------------------------------------------------------- metadata


def test_organization_metadata(fleet, org):
    run_metadata_contract(fleet, ORG_METADATA, org.id)


def test_organization_metadata_validation(fleet, org):
    run_metadata_validation(fleet, ORG_METADATA, org.id)


def test_organization_metadata_id_errors(fleet):
    run_metadata_id_errors(fleet, ORG_METADATA, UNKNOWN_ORG)


def test_organization_metadata_is_per_org(fleet):
    a, b = fleet.new_org(), fleet.new_org()
    ORG_METADATA.update(fleet, a.id, {"owner": "a"})
    assert ORG_METADATA.get(fleet, b.id) == {}
    assert ORG_METADATA.get(fleet, a.id) == {"owner": "a"}


def test_organization_metadata_gone_with_org(fleet):
    org = fleet.new_org()
    ORG_METADATA.update(fleet, org.id, {"x": 1})
    fleet.call("DeleteOrganization", organization_id=org.id)
    with denied():
        ORG_METADATA.get(fleet, org.id)
