"""Fragments through real gRPC calls: CRUD, revisions, tags, visibility, usage, nesting, cycles, and merging into RobotService.Config."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf import json_format
from sqlalchemy import create_engine, text

from conftest import (
    Fleet, RunningServer, Tree, add_user, authenticate_user, denied, invalid, make_struct, new_key, role, rpc_error, run_concurrently,
    unique,
)
from generated.viam.app.v1 import app_pb2
from harness import effective_database_url
from test_checkin import boot_machine
from test_log_edges import serve

PRIVATE = app_pb2.FRAGMENT_VISIBILITY_PRIVATE
PUBLIC = app_pb2.FRAGMENT_VISIBILITY_PUBLIC
UNLISTED = app_pb2.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED


def _create(fleet: Fleet, org_id: str, config: dict[str, Any] | None = None, **fields: Any) -> app_pb2.Fragment:
    if config is not None:
        fields["config"] = make_struct(config)
    return fleet.call("CreateFragment", organization_id=org_id, name=fields.pop("name", unique("frag")), **fields).fragment


def _update(fleet: Fleet, fragment: app_pb2.Fragment, config: dict[str, Any] | None = None, **fields: Any) -> app_pb2.Fragment:
    if config is not None:
        fields["config"] = make_struct(config)
    return fleet.call("UpdateFragment", id=fragment.id, name=fields.pop("name", fragment.name), **fields).fragment


def _config(fragment: app_pb2.Fragment) -> dict[str, Any]:
    return json_format.MessageToDict(fragment.fragment)


def _use(fleet: Fleet, part_id: str, *refs: Any, extra: dict[str, Any] | None = None) -> None:
    part = fleet.get_part(part_id)
    config = dict(extra or {})
    config["fragments"] = list(refs)
    fleet.call("UpdateRobotPart", id=part_id, name=part.name, robot_config=make_struct(config))


# --------------------------------------------------------------------------- CRUD and revisions


def test_create_get_and_list(fleet: Fleet, tree: Tree) -> None:
    config = {"components": [{"name": "cam", "api": "rdk:component:camera", "model": "fake"}]}
    created = _create(fleet, tree.org.id, config, name="  base  ")
    assert created.name == "base" and created.organization_owner == tree.org.id
    assert created.visibility == PRIVATE and not created.public and created.revision == "1"
    assert _config(created) == config and json.loads(created.fragment_config_json) == config
    assert created.organization_name == tree.org.name and created.robot_part_count == 0
    got = fleet.call("GetFragment", id=created.id)
    assert got.fragment == created
    assert [r.revision for r in got.revisions] == ["1"] and not got.tags
    assert got.fragment_usage.fragment_id == created.id and got.fragment_usage.machines == 0
    listed = fleet.call("ListFragments", organization_id=tree.org.id)
    assert [f.id for f in listed.fragments] == [created.id]
    assert [u.fragment_id for u in listed.fragment_usages] == [created.id]


def test_updates_create_revisions_and_versions_are_readable(fleet: Fleet, tree: Tree) -> None:
    fragment = _create(fleet, tree.org.id, {"a": 1})
    second = _update(fleet, fragment, {"a": 2}, name="renamed")
    third = _update(fleet, second, visibility=UNLISTED)  # no config: the config stays
    assert (second.revision, third.revision) == ("2", "3")
    assert _config(third) == {"a": 2} and third.visibility == UNLISTED and third.name == "renamed"
    assert third.last_updated.ToDatetime() > second.last_updated.ToDatetime()
    got = fleet.call("GetFragment", id=fragment.id, version="1").fragment
    assert _config(got) == {"a": 1} and got.revision == "1" and got.name == fragment.name
    revisions = fleet.call("GetFragment", id=fragment.id).revisions
    assert [r.revision for r in revisions] == ["3", "2", "1"]
    assert [r.created_at for r in revisions] == [third.last_updated, second.last_updated, fragment.last_updated]
    with rpc_error(grpc.StatusCode.NOT_FOUND):
        fleet.call("GetFragment", id=fragment.id, version="4")
    with rpc_error(grpc.StatusCode.NOT_FOUND):
        fleet.call("GetFragment", id=fragment.id, version="no-such-tag")


def test_fragment_config_json_keeps_key_order(fleet: Fleet, tree: Tree) -> None:
    fragment = _create(fleet, tree.org.id)
    updated = _update(fleet, fragment, fragment_config_json='{"z": 1, "a": {"y": 2, "b": 3}}')
    assert updated.fragment_config_json == '{"z":1,"a":{"y":2,"b":3}}'


def test_public_flag_sets_visibility(fleet: Fleet, tree: Tree) -> None:
    fragment = _create(fleet, tree.org.id)
    assert _update(fleet, fragment, public=True).visibility == PUBLIC
    assert _update(fleet, fragment, public=False).visibility == PRIVATE


def test_stale_last_known_update_is_aborted_and_exactly_one_concurrent_update_wins(fleet: Fleet, tree: Tree) -> None:
    fragment = _create(fleet, tree.org.id, {"a": 0})
    first = _update(fleet, fragment, {"a": 1}, last_known_update=fragment.last_updated)
    with rpc_error(grpc.StatusCode.ABORTED):
        _update(fleet, fragment, {"a": 2}, last_known_update=fragment.last_updated)
    assert _config(fleet.call("GetFragment", id=fragment.id).fragment) == {"a": 1}
    results, errors = run_concurrently(lambda: _update(fleet, first, {"a": 3}, last_known_update=first.last_updated))
    assert len(results) == 1 and all(e.code() == grpc.StatusCode.ABORTED for e in errors)


def test_history_is_paged_newest_first(fleet: Fleet, tree: Tree) -> None:
    fragment = _create(fleet, tree.org.id, {"v": 1})
    for v in range(2, 6):
        fragment = _update(fleet, fragment, {"v": v})
    page = fleet.call("GetFragmentHistory", id=fragment.id, page_limit=2)
    assert [e.revision for e in page.history] == ["5", "4"] and page.next_page_token
    assert json_format.MessageToDict(page.history[0].config) == {"v": 5}
    assert page.history[0].edited_by.value and page.history[0].old.revision == "5"
    rest = fleet.call("GetFragmentHistory", id=fragment.id, page_token=page.next_page_token)
    assert [e.revision for e in rest.history] == ["3", "2", "1"] and not rest.next_page_token
    with invalid("page_token"):
        fleet.call("GetFragmentHistory", id=fragment.id, page_token="garbage!")


def _all_history(fleet: Fleet, fragment_id: str) -> tuple[list[str], int]:
    """Every revision number the history lists, following page tokens, and how many pages it took."""
    revisions: list[str] = []
    token, pages = "", 0
    while True:
        page = fleet.call("GetFragmentHistory", id=fragment_id, page_token=token)
        revisions, token, pages = revisions + [e.revision for e in page.history], page.next_page_token, pages + 1
        if not token:
            return revisions, pages


def _big_config(size: int, revision: int) -> dict[str, Any]:
    return {"components": [{"name": "big", "attributes": {"blob": str(revision) * size}}]}


def test_history_pages_of_big_revisions_end_early(fleet: Fleet, tree: Tree) -> None:
    """Each entry carries its ~0.9 MB config twice: the default page of 100 would pass a client's
    4 MiB receive limit (the call failed with RESOURCE_EXHAUSTED), so pages end early with a token."""
    fragment = _create(fleet, tree.org.id, _big_config(900_000, 1))
    for revision in range(2, 5):
        fragment = _update(fleet, fragment, _big_config(900_000, revision))
    assert _all_history(fleet, fragment.id) == (["4", "3", "2", "1"], 4)


def test_history_pages_fit_a_small_max_message(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The page budget follows FLEET_MAX_MESSAGE_BYTES (3/4 of it when below 4 MiB), as log pages do."""
    for small in serve(tmp_path_factory.mktemp("small-max"), {"FLEET_MAX_MESSAGE_BYTES": str(1 << 20)}):
        fragment = _create(small, small.new_org().id, _big_config(200_000, 1))
        for revision in range(2, 5):
            fragment = _update(small, fragment, _big_config(200_000, revision))
        assert _all_history(small, fragment.id) == (["4", "3", "2", "1"], 4)


def test_fragment_configs_must_fit_a_small_max_message(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The limit was a fixed 3 MiB: with FLEET_MAX_MESSAGE_BYTES of 256 KiB a 300 KB config was
    stored and then GetFragment could not send it (RESOURCE_EXHAUSTED). It follows the page budget."""
    max_message = 256 * 1024
    for small in serve(tmp_path_factory.mktemp("small-max"), {"FLEET_MAX_MESSAGE_BYTES": str(max_message)}):
        org_id = small.new_org().id
        over = {"blob": "x" * 150_000}  # about 300 KB twice as a Struct, or as a Struct and JSON
        with invalid("config") as error:
            _create(small, org_id, over)
        assert str(max_message * 3 // 4) in error.message
        fragment = _create(small, org_id, {"a": 1})
        with invalid("fragment_config_json"):
            _update(small, fragment, fragment_config_json=json.dumps(over))
        under = {"blob": "y" * 90_000}
        fragment = _update(small, fragment, under)
        assert _config(small.call("GetFragment", id=fragment.id).fragment) == under
        assert _all_history(small, fragment.id) == (["2", "1"], 1)
        newest = small.call("GetFragmentHistory", id=fragment.id).history[0]
        assert json_format.MessageToDict(newest.old.fragment) == under


def test_a_config_whose_history_entry_would_be_too_big_is_refused(fleet: Fleet, tree: Tree) -> None:
    """A history entry carries its config twice as a Struct (9 bytes a number): 200,000 numbers
    were accepted, then no GetFragmentHistory page could hold that revision (4.4 MB)."""
    fragment = _create(fleet, tree.org.id, {"a": 1})
    numbers = '{"a":[' + ",".join(["0"] * 200_000) + "]}"
    with invalid("fragment_config_json") as error:
        _update(fleet, fragment, fragment_config_json=numbers)
    assert "history" in error.message
    assert [e.revision for e in fleet.call("GetFragmentHistory", id=fragment.id).history] == ["1"]


@pytest.mark.parametrize("config", [{"nan": float("nan")}], ids=["nan"])
def test_bad_configs_and_names(fleet: Fleet, tree: Tree, config: dict[str, Any]) -> None:
    with invalid("config"):
        _create(fleet, tree.org.id, config)
    with invalid("name"):
        _create(fleet, tree.org.id, name=" ")
    fragment = _create(fleet, tree.org.id)
    with invalid("fragment_config_json"):
        _update(fleet, fragment, fragment_config_json="[1]")
    with invalid("fragment_config_json"):
        _update(fleet, fragment, fragment_config_json="x" * 10)
    assert fleet.call("GetFragment", id=fragment.id).fragment.revision == "1", "nothing written"


# --------------------------------------------------------------------------- tags


def test_tags_point_at_revisions(fleet: Fleet, tree: Tree) -> None:
    fragment = _create(fleet, tree.org.id, {"v": 1})
    _update(fleet, fragment, {"v": 2})
    tags = fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="stable", revision="1").tags
    assert [(t.tag, t.revision) for t in tags] == [("stable", "1")]
    assert _config(fleet.call("GetFragment", id=fragment.id, version="stable").fragment) == {"v": 1}
    tags = fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="stable", revision="2").tags
    assert [(t.tag, t.revision) for t in tags] == [("stable", "2")]
    with rpc_error(grpc.StatusCode.NOT_FOUND):
        fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="beta", revision="9")
    with invalid("revision"):
        fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="beta", revision="abc")
    with invalid("tag"):
        fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="12", revision="1")
    assert [t.tag for t in fleet.call("GetFragment", id=fragment.id).tags] == ["stable"]
    assert not fleet.call("DeleteFragmentTag", fragment_id=fragment.id, tag="stable").tags
    with rpc_error(grpc.StatusCode.NOT_FOUND):
        fleet.call("DeleteFragmentTag", fragment_id=fragment.id, tag="stable")


@pytest.mark.parametrize("tag", ["", "   "], ids=["empty", "blank"])
def test_deleting_an_empty_tag_is_invalid_as_setting_one_is(fleet: Fleet, tree: Tree, tag: str) -> None:
    """DeleteFragmentTag answered NOT_FOUND, as if such a tag could exist."""
    fragment = _create(fleet, tree.org.id)
    fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="stable", revision="1")
    with invalid("tag"):
        fleet.call("SetFragmentTag", fragment_id=fragment.id, tag=tag, revision="1")
    with invalid("tag"):
        fleet.call("DeleteFragmentTag", fragment_id=fragment.id, tag=tag)
    assert [t.tag for t in fleet.call("GetFragment", id=fragment.id).tags] == ["stable"]


# --------------------------------------------------------------------------- visibility and access


def test_visibility_and_access(fleet: Fleet, tree: Tree) -> None:
    private = _create(fleet, tree.org.id, name="a-private")
    public = _create(fleet, tree.org.id, name="b-public", visibility=PUBLIC)
    unlisted = _create(fleet, tree.org.id, name="c-unlisted", visibility=UNLISTED)
    other = fleet.new_org()
    stranger = new_key(fleet, [role(other.id, "owner", "organization", other.id)]).fleet
    assert fleet.call("GetFragment", id=public.id, metadata=stranger.md).fragment.id == public.id
    assert fleet.call("GetFragment", id=unlisted.id, metadata=stranger.md).fragment.id == unlisted.id
    with denied():
        fleet.call("GetFragment", id=private.id, metadata=stranger.md)
    with denied():
        fleet.call("GetFragment", id="00000000-0000-4000-8000-00000000dead")
    with denied():
        _update(stranger, public, {"x": 1})
    with denied():
        stranger.call("DeleteFragment", id=public.id)
    with denied():
        stranger.call("SetFragmentTag", fragment_id=public.id, tag="t", revision="1")
    operator = new_key(fleet, [role(tree.org.id, "operator", "organization", tree.org.id)]).fleet
    assert operator.call("GetFragment", id=private.id).fragment.id == private.id
    with denied():
        _update(operator, private, {"x": 1})
    # Own fragments by visibility; other organizations' public (listed) ones only with show_public.
    own = fleet.call("ListFragments", organization_id=tree.org.id)
    assert [f.name for f in own.fragments] == ["a-private", "b-public", "c-unlisted"]
    only_private = fleet.call("ListFragments", organization_id=tree.org.id, fragment_visibility=[PRIVATE])
    assert [f.id for f in only_private.fragments] == [private.id]
    theirs = fleet.call("ListFragments", organization_id=other.id, show_public=True, metadata=stranger.md)
    assert public.id in {f.id for f in theirs.fragments}
    assert not {private.id, unlisted.id} & {f.id for f in theirs.fragments}
    assert not fleet.call("ListFragments", organization_id=other.id, metadata=stranger.md).fragments


# --------------------------------------------------------------------------- uses, usage, delete


def test_usage_counts_and_delete_refused_while_used(fleet: Fleet, tree: Tree) -> None:
    fragment = _create(fleet, tree.org.id, {"components": []}, visibility=PUBLIC)  # so other organizations can use it
    _update(fleet, fragment, {"components": [{"name": "x"}]})
    main = fleet.main_part(tree.robot_id)
    second = fleet.new_part(tree.robot_id)
    other_robot = fleet.new_robot(tree.location.id)
    _use(fleet, main.id, fragment.id)
    _use(fleet, second, {"id": fragment.id, "version": "1"})
    other_tree = fleet.new_tree()
    _use(fleet, fleet.main_part(other_tree.robot_id).id, fragment.id)  # another org (ids need no read access)
    got = fleet.call("GetFragment", id=fragment.id)
    assert got.fragment.robot_part_count == 3 and got.fragment.organization_count == 2
    assert not got.fragment.only_used_by_owner
    assert (got.fragment_usage.machines, got.fragment_usage.organizations, got.fragment_usage.machines_in_current_org) == (2, 2, 1)
    usages = fleet.call("GetFragmentUsage", fragment_id=fragment.id).version_usages
    assert [(u.HasField("version"), u.version, u.machines) for u in usages] == [(False, "", 2), (True, "1", 1)]
    with rpc_error(grpc.StatusCode.FAILED_PRECONDITION):
        fleet.call("DeleteFragment", id=fragment.id)
    for part_id in (main.id, second, fleet.main_part(other_tree.robot_id).id):
        _use(fleet, part_id)
    assert other_robot
    fleet.call("DeleteFragment", id=fragment.id)
    with denied():
        fleet.call("GetFragment", id=fragment.id)


def test_usage_counts_leave_out_other_organizations_once_the_fragment_is_private(fleet: Fleet, tree: Tree) -> None:
    """Another organization's parts can't use a private fragment: they no longer count as uses."""
    fragment = _create(fleet, tree.org.id, {"components": [{"name": "shared"}]}, visibility=PUBLIC)
    _use(fleet, fleet.main_part(tree.robot_id).id, fragment.id)
    other = fleet.new_tree()
    other_part = fleet.main_part(other.robot_id).id
    _use(fleet, other_part, {"id": fragment.id, "version": "1"})
    assert fleet.call("GetFragment", id=fragment.id).fragment.organization_count == 2

    fragment = _update(fleet, fragment, visibility=PRIVATE)
    assert not boot_machine(fleet, other_part).config().components, "the other organization no longer gets it"
    assert (fragment.robot_part_count, fragment.organization_count, fragment.only_used_by_owner) == (1, 1, True)
    got = fleet.call("GetFragment", id=fragment.id)
    assert (got.fragment.robot_part_count, got.fragment.organization_count, got.fragment.only_used_by_owner) == (1, 1, True)
    assert (got.fragment_usage.machines, got.fragment_usage.organizations, got.fragment_usage.machines_in_current_org) == (1, 1, 1)
    listed = fleet.call("ListFragments", organization_id=tree.org.id)
    assert [(f.robot_part_count, f.organization_count) for f in listed.fragments] == [(1, 1)]
    assert [(u.machines, u.organizations) for u in listed.fragment_usages] == [(1, 1)]
    usages = fleet.call("GetFragmentUsage", fragment_id=fragment.id).version_usages
    assert [(u.HasField("version"), u.machines, u.organizations) for u in usages] == [(False, 1, 1)], "no pinned version 1"
    nested = fleet.call("ListMachineFragments", machine_id=tree.robot_id).fragments
    assert [(f.robot_part_count, f.organization_count) for f in nested] == [(1, 1)]

    _update(fleet, fragment, visibility=UNLISTED)  # usable by anyone again: counted again
    assert fleet.call("GetFragment", id=fragment.id).fragment.organization_count == 2


def test_another_organizations_importer_is_not_named_and_stops_deleting_only_a_public_fragment(fleet: Fleet, tree: Tree) -> None:
    """Refusals once named another organization's private importer (its id), and such an importer
    blocked deleting a private fragment it can't use."""
    fragment = _create(fleet, tree.org.id, {"components": [{"name": "shared"}]}, visibility=PUBLIC)
    other = fleet.new_org()
    importer = _create(fleet, other.id, {"fragments": [fragment.id]}, name="their-private-importer")
    owner = new_key(fleet, [role(tree.org.id, "owner", "organization", tree.org.id)]).fleet
    with rpc_error(grpc.StatusCode.FAILED_PRECONDITION) as error:
        owner.call("DeleteFragment", id=fragment.id)
    assert importer.id not in error.error.details() and "other organizations" in error.error.details()
    _update(fleet, fragment, visibility=PRIVATE)
    owner.call("DeleteFragment", id=fragment.id)
    with denied():
        fleet.call("GetFragment", id=fragment.id)


def test_deleting_a_part_drops_its_uses(fleet: Fleet, tree: Tree) -> None:
    fragment = _create(fleet, tree.org.id)
    part_id = fleet.new_part(tree.robot_id)
    _use(fleet, part_id, fragment.id)
    fleet.call("DeleteRobotPart", part_id=part_id)
    fleet.call("DeleteFragment", id=fragment.id)


# --------------------------------------------------------------------------- nesting and cycles


def test_nested_fragments_and_cycles(fleet: Fleet, tree: Tree) -> None:
    leaf = _create(fleet, tree.org.id, {"services": [{"name": "leaf-svc"}]})
    middle = _create(fleet, tree.org.id, {"fragments": [leaf.id], "components": [{"name": "mid"}]})
    top = _create(fleet, tree.org.id, {"fragments": [{"id": middle.id, "version": "1"}]})
    nested = fleet.call("ListNestedFragments", fragment_id=top.id)
    assert [f.id for f in nested.fragments] == [middle.id, leaf.id]
    assert [r.fragment_id for r in nested.resolved_fragments] == [middle.id, leaf.id]
    assert nested.resolved_fragments[0].revision == "1"
    # Cycles: directly and through others.
    with invalid("config"):
        _update(fleet, leaf, {"fragments": [leaf.id]})
    with invalid("config") as error:
        _update(fleet, leaf, {"fragments": [top.id]})
    assert top.id in error.error.details()
    with invalid("config"):
        _update(fleet, leaf, {"fragments": ["00000000-0000-4000-8000-00000000beef"]})
    with invalid("config"):
        _create(fleet, tree.org.id, {"fragments": [{"id": leaf.id, "version": "7"}]})
    assert fleet.call("GetFragment", id=leaf.id).fragment.revision == "1", "nothing written"
    with rpc_error(grpc.StatusCode.FAILED_PRECONDITION):
        fleet.call("DeleteFragment", id=leaf.id)  # middle imports it


def test_list_machine_fragments(fleet: Fleet, tree: Tree) -> None:
    leaf = _create(fleet, tree.org.id)
    top = _create(fleet, tree.org.id, {"fragments": [leaf.id]})
    extra = _create(fleet, tree.org.id)
    _use(fleet, fleet.main_part(tree.robot_id).id, top.id, "00000000-0000-4000-8000-00000000f00d")
    response = fleet.call("ListMachineFragments", machine_id=tree.robot_id, additional_fragment_ids=[extra.id])
    assert [f.id for f in response.fragments] == [top.id, leaf.id, extra.id]
    errors = [r for r in response.resolved_fragments if r.HasField("error")]
    assert [(e.fragment_id, e.error.error_type) for e in errors] == [
        # Unknown reads as unreadable, like PERMISSION_DENIED elsewhere (next test).
        ("00000000-0000-4000-8000-00000000f00d", app_pb2.FRAGMENT_ERROR_TYPE_NO_ACCESS)
    ]


def test_list_machine_fragments_does_not_tell_a_private_fragment_from_none(fleet: Fleet, tree: Tree) -> None:
    private = _create(fleet, tree.org.id, name="someone-elses")
    other = fleet.new_tree()
    stranger = new_key(fleet, [role(other.org.id, "owner", "organization", other.org.id)]).fleet
    unknown = "00000000-0000-4000-8000-00000000d00d"
    response = stranger.call("ListMachineFragments", machine_id=other.robot_id, additional_fragment_ids=[private.id, unknown])
    assert not response.fragments
    answers = {r.fragment_id: (r.error.error_type, r.error.detail.replace(r.fragment_id, "X")) for r in response.resolved_fragments}
    assert answers[private.id] == answers[unknown]
    assert answers[unknown][0] == app_pb2.FRAGMENT_ERROR_TYPE_NO_ACCESS


def test_list_machine_fragments_reports_what_the_machine_gets_not_what_the_caller_reads(fleet: Fleet, tree: Tree) -> None:
    """The caller owns both organizations: another organization's private fragment was listed for
    this machine (as used, with its config) though the machine's config skips it."""
    own = _create(fleet, tree.org.id, {"components": [{"name": "own"}]})
    other_org = fleet.new_org()
    public = _create(fleet, other_org.id, {"components": [{"name": "public"}]}, visibility=PUBLIC)
    private = _create(fleet, other_org.id, {"components": [{"name": "private"}]})
    importer = _create(fleet, other_org.id, {"fragments": [private.id]}, visibility=PUBLIC)
    part = fleet.main_part(tree.robot_id)
    _use(fleet, part.id, own.id, private.id, public.id, importer.id)
    assert [c.name for c in boot_machine(fleet, part.id).config().components] == ["own", "public"]
    extra = _create(fleet, other_org.id, {"components": [{"name": "extra"}]})
    response = fleet.call("ListMachineFragments", machine_id=tree.robot_id, additional_fragment_ids=[extra.id])
    assert {f.id for f in response.fragments} == {own.id, public.id, importer.id}
    errors = {r.fragment_id: r.error.error_type for r in response.resolved_fragments if r.HasField("error")}
    assert errors == {private.id: app_pb2.FRAGMENT_ERROR_TYPE_NO_ACCESS, extra.id: app_pb2.FRAGMENT_ERROR_TYPE_NO_ACCESS}


# --------------------------------------------------------------------------- RobotService.Config


def test_machine_config_merges_fragments_at_pinned_versions(fleet: Fleet, tree: Tree) -> None:
    leaf = _create(fleet, tree.org.id, {"services": [{"name": "nav", "api": "rdk:service:navigation", "model": "builtin"}]})
    base = _create(
        fleet,
        tree.org.id,
        {
            "fragments": [leaf.id],
            "components": [
                {"name": "cam", "api": "rdk:component:camera", "model": "fake"},
                {"name": "motor", "api": "rdk:component:motor", "model": "from-fragment"},
            ],
            "modules": [{"type": "registry", "name": "m1", "module_id": "acme:m1"}],
        },
    )
    _update(fleet, base, {"components": [{"name": "v2-only", "api": "rdk:component:camera", "model": "fake"}]})
    tagged = _create(fleet, tree.org.id, {"components": [{"name": "arm", "api": "rdk:component:arm", "model": "fake"}]})
    fleet.call("SetFragmentTag", fragment_id=tagged.id, tag="prod", revision="1")
    _update(fleet, tagged, {"components": [{"name": "arm-v2", "api": "rdk:component:arm", "model": "fake"}]})
    private_elsewhere = _create(fleet, fleet.new_org().id, {"components": [{"name": "secret"}]})
    part = fleet.main_part(tree.robot_id)
    _use(
        fleet,
        part.id,
        {"id": base.id, "version": "1"},
        {"id": tagged.id, "version": "prod"},
        private_elsewhere.id,
        "00000000-0000-4000-8000-00000000abcd",
        extra={"components": [{"name": "motor", "api": "rdk:component:motor", "model": "own"}]},
    )
    config = boot_machine(fleet, part.id).config()
    assert [(c.name, c.model) for c in config.components] == [
        ("motor", "own"),
        ("cam", "fake"),
        ("arm", "fake"),
    ]
    assert [s.name for s in config.services] == ["nav"]
    assert [m.name for m in config.modules] == ["m1"]
    # Unpinned: the newest revision.
    _use(fleet, part.id, base.id)
    config = boot_machine(fleet, part.id).config()
    assert [c.name for c in config.components] == ["v2-only"]
    assert not config.services, "revision 2 of base no longer imports leaf"


def test_machine_config_revision_moves_when_a_used_fragment_changes(fleet: Fleet, tree: Tree) -> None:
    fragment = _create(fleet, tree.org.id, {"components": [{"name": "a"}]})
    part = fleet.main_part(tree.robot_id)
    _use(fleet, part.id, fragment.id)
    machine = boot_machine(fleet, part.id)
    before = machine.config().revision
    assert machine.config().revision == before, "stable while nothing changes"
    _update(fleet, fragment, {"components": [{"name": "b"}]})
    after = machine.config()
    assert after.revision != before and [c.name for c in after.components] == ["b"]


def test_a_merged_config_too_big_to_send_is_failed_precondition(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each config passed the write limit, but merged they were too big for one response: the
    machine got RESOURCE_EXHAUSTED from gRPC with nothing saying why. Now it is told the size and limit."""
    max_message = 64 * 1024
    limit = max_message * 3 // 4  # the write limit: the page budget below 4 MiB

    def component(name: str, numbers: int) -> dict[str, Any]:
        return {"name": name, "api": "rdk:component:generic", "model": "fake", "attributes": {"v": [1] * numbers}}

    for small in serve(tmp_path_factory.mktemp("small-max"), {"FLEET_MAX_MESSAGE_BYTES": str(max_message)}):
        tree = small.new_tree()
        part = small.main_part(tree.robot_id)
        first = _create(small, tree.org.id, {"components": [component("a", 2000)]})
        second = _create(small, tree.org.id, {"components": [component("b", 2000)]})
        _use(small, part.id, first.id, extra={"components": [component("own", 1000)]})
        machine = boot_machine(small, part.id)
        assert [c.name for c in machine.config().components] == ["own", "a"]
        _use(small, part.id, first.id, second.id, extra={"components": [component("own", 3000)]})
        with rpc_error(grpc.StatusCode.FAILED_PRECONDITION) as error:
            machine.config()
        assert f"limit of {limit}" in error.message and "merged" in error.message
        assert int(error.message.split(" bytes")[0].split()[-1]) > limit, error.message


def test_deleting_an_organization_deletes_its_fragments(fleet: Fleet) -> None:
    tree = fleet.new_tree()
    fragment = _create(fleet, tree.org.id, {"a": 1}, visibility=PUBLIC)
    _update(fleet, fragment, {"a": 2})
    fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="t", revision="1")
    other = fleet.new_tree()
    _use(fleet, fleet.main_part(tree.robot_id).id, fragment.id)
    _use(fleet, fleet.main_part(other.robot_id).id, fragment.id)
    fleet.call("DeleteRobot", id=tree.robot_id)
    fleet.call("DeleteLocation", location_id=tree.location.id)
    fleet.call("DeleteOrganization", organization_id=tree.org.id)
    with denied():
        fleet.call("GetFragment", id=fragment.id)
    # The other organization's part still names it: skipped when its config is resolved.
    assert not boot_machine(fleet, fleet.main_part(other.robot_id).id).config().components


def test_another_organizations_private_fragment_stays_invisible_when_named(server, fleet: Fleet) -> None:
    """Org A naming org B's private fragment in a part config learns nothing of it from its
    machine summaries, and can't stop B from deleting it."""
    org_b = fleet.new_org()
    private = _create(fleet, org_b.id, name="b-private-name")
    org_a = fleet.new_org()
    user = add_user(server, owner_of=org_a.id)
    as_a = Fleet(fleet.channel, authenticate_user(fleet.channel, user.email), fleet.boot)
    robot = as_a.new_robot(as_a.new_location(org_a.id).id)
    part = as_a.main_part(robot)
    _use(as_a, part.id, private.id)
    summaries = as_a.call("ListMachineSummaries", organization_id=org_a.id)
    assert "b-private-name" not in str(summaries) and private.id not in str(summaries)
    fleet.call("DeleteFragment", id=private.id)


def test_a_name_that_is_not_a_string_is_merged_as_data(fleet: Fleet, tree: Tree) -> None:
    """Only string names identify list entries; Config once failed with INTERNAL on a list name."""
    part = fleet.main_part(tree.robot_id)
    fragment = _create(fleet, tree.org.id, {"components": [{"name": {"odd": True}}, {"name": "shared", "from": "fragment"}]})
    _use(fleet, part.id, fragment.id, extra={"components": [{"name": ["x"]}, {"name": "shared", "from": "part"}]})
    config = json_format.MessageToDict(boot_machine(fleet, part.id).config(), preserving_proto_field_name=True)
    names = [c.get("name") for c in config.get("components", [])]
    assert names.count("shared") == 1 and len(names) == 3, names  # the part's two, then the fragment's unnamed one


def test_moving_a_tag_or_hiding_a_fragment_moves_the_config_revision(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    fragment = _create(fleet, tree.org.id, {"components": [{"name": "v1"}]})
    fragment = _update(fleet, fragment, {"components": [{"name": "v2"}]})
    fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="stable", revision="2")
    _use(fleet, part.id, {"id": fragment.id, "version": "stable"})
    machine = boot_machine(fleet, part.id)
    before = machine.config()
    fleet.call("SetFragmentTag", fragment_id=fragment.id, tag=" stable ", revision="1")
    after = machine.config()
    assert [c.name for c in before.components] == ["v2"] and [c.name for c in after.components] == ["v1"]
    assert after.revision != before.revision
    fleet.call("DeleteFragmentTag", fragment_id=fragment.id, tag=" stable ")  # trimmed, as SetFragmentTag trims
    assert machine.config().revision != after.revision  # the pin no longer resolves: the config changed

    other_org = fleet.new_org()
    public = _create(fleet, other_org.id, {"services": [{"name": "shared-service"}]}, visibility=PUBLIC)
    _use(fleet, part.id, public.id)
    shown = machine.config()
    assert [s.name for s in shown.services] == ["shared-service"]
    _update(fleet, fleet.call("GetFragment", id=public.id).fragment, visibility=PRIVATE)
    hidden = machine.config()
    assert list(hidden.services) == [] and hidden.revision != shown.revision


def test_an_import_cycle_through_a_pinned_revision_is_refused(fleet: Fleet, tree: Tree) -> None:
    a = _create(fleet, tree.org.id, {})
    b = _create(fleet, tree.org.id, {"fragments": [a.id]})  # b@1 imports a
    b = _update(fleet, b, {})  # b@2 imports nothing
    with invalid("config"):
        _update(fleet, a, {"fragments": [{"id": b.id, "version": "1"}]})


def test_a_json_version_of_1_0_pins_revision_1(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    fragment = _create(fleet, tree.org.id, {"components": [{"name": "v1"}]})
    _update(fleet, fragment, {"components": [{"name": "v2"}]})
    fleet.call("UpdateRobotPart", id=part.id, name=part.name,
               robot_config_json='{"fragments": [{"id": "%s", "version": 1.0}]}' % fragment.id)
    assert [c.name for c in boot_machine(fleet, part.id).config().components] == ["v1"]


@pytest.mark.parametrize("version", [2.5, {"n": 1}, [1], True], ids=["fraction", "object", "list", "bool"])
def test_a_pin_that_is_neither_text_nor_a_whole_number_is_refused(fleet: Fleet, tree: Tree, version: Any) -> None:
    """Such a pin silently meant the newest revision; now it is refused before anything is written."""
    _refused_as_second_entry(fleet, tree, lambda fragment_id: {"id": fragment_id, "version": version}, "fragments[1].version")


@pytest.mark.parametrize(
    ("entry", "named"),
    [(7, "fragments[1]"), (None, "fragments[1]"), ("", "fragments[1]"), (True, "fragments[1]"), (["x"], "fragments[1]"),
     ({"version": "1"}, "fragments[1].id"), ({"id": 7}, "fragments[1].id"), ({"id": None}, "fragments[1].id"),
     ({"id": ""}, "fragments[1].id")],
    ids=["number", "null", "empty", "bool", "list", "object-without-id", "number-id", "null-id", "empty-id"],
)
def test_a_fragments_entry_that_names_no_fragment_is_refused(fleet: Fleet, tree: Tree, entry: Any, named: str) -> None:
    """Such entries were silently skipped; now they are refused before anything is written."""
    _refused_as_second_entry(fleet, tree, lambda _fragment_id: entry, named)


@pytest.mark.parametrize(
    "value", [lambda f: f, lambda f: 7, lambda f: {"id": f}, lambda f: True], ids=["an-id", "number", "object", "bool"]
)
def test_a_fragments_value_that_is_not_a_list_is_refused(fleet: Fleet, tree: Tree, value: Callable[[str], Any]) -> None:
    """Such a value was silently ignored: the part got no fragment, and nothing said why."""
    _refused(fleet, tree, lambda fragment_id: {"fragments": value(fragment_id)}, "fragments must be a list")


def test_a_null_fragments_value_means_none(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config_json='{"fragments": null, "components": [{"name": "a"}]}')
    assert [c.name for c in boot_machine(fleet, part.id).config().components] == ["a"]


def _refused_as_second_entry(fleet: Fleet, tree: Tree, entry: Callable[[str], Any], named: str) -> None:
    """A config naming a fragment, then `entry(fragment id)`, is INVALID_ARGUMENT naming `named`, for parts and fragments."""
    _refused(fleet, tree, lambda fragment_id: {"fragments": [fragment_id, entry(fragment_id)]}, named)


def _refused(fleet: Fleet, tree: Tree, config_for: Callable[[str], dict[str, Any]], named: str) -> None:
    """The config `config_for(fragment id)` is INVALID_ARGUMENT saying `named`, for parts and fragments."""
    part = fleet.main_part(tree.robot_id)
    fragment = _create(fleet, tree.org.id, {"components": [{"name": "v1"}]})
    config = config_for(fragment.id)
    with invalid("robot_config_json") as error:
        fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config_json=json.dumps(config))
    assert named in error.message
    with invalid("robot_config"):
        fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config=make_struct(config))
    assert fleet.get_part(part.id).robot_config_json == part.robot_config_json, "nothing written"
    with invalid("config"):
        _create(fleet, tree.org.id, config)
    with invalid("fragment_config_json"):
        _update(fleet, fragment, fragment_config_json=json.dumps(config))
    assert fleet.call("GetFragment", id=fragment.id).fragment.revision == "1", "nothing written"


def test_stored_configs_with_such_entries_read_as_before(fleet: Fleet, server: RunningServer, tree: Tree) -> None:
    """Configs stored before these entries were refused still read: bad entries skipped, bad pins the newest revision."""
    part = fleet.main_part(tree.robot_id)
    fragment = _create(fleet, tree.org.id, {"components": [{"name": "v1"}]})
    _update(fleet, fragment, {"components": [{"name": "v2"}]})
    stored = json.dumps({"fragments": [7, None, "", {"id": 7}, {"version": "1"}, {"id": fragment.id, "version": 2.5}]})
    _store(server, part.id, stored)
    assert json.loads(fleet.get_part(part.id).robot_config_json) == json.loads(stored)
    assert [c.name for c in boot_machine(fleet, part.id).config().components] == ["v2"]
    # A "fragments" value that is not a list is ignored.
    stored = json.dumps({"fragments": fragment.id, "components": [{"name": "own"}]})
    _store(server, part.id, stored)
    assert json.loads(fleet.get_part(part.id).robot_config_json) == json.loads(stored)
    assert [c.name for c in boot_machine(fleet, part.id).config().components] == ["own"]


def _store(server: RunningServer, part_id: str, config_json: str) -> None:
    """Writes a config as a server that did not check it would have."""
    engine = create_engine(effective_database_url(server.data_dir))
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE robot_part SET config_json = :c WHERE id = :id"), {"c": config_json, "id": part_id})
    finally:
        engine.dispose()


def test_pins_of_text_whole_numbers_or_null_are_accepted(fleet: Fleet, tree: Tree) -> None:
    part = fleet.main_part(tree.robot_id)
    fragment = _create(fleet, tree.org.id, {"components": [{"name": "v1"}]})
    _update(fleet, fragment, {"components": [{"name": "v2"}]})
    for version, expected in ((1, "v1"), (2.0, "v2"), ("1", "v1"), ("latest", "v2"), (None, "v2")):
        _use(fleet, part.id, {"id": fragment.id, "version": version})
        assert [c.name for c in boot_machine(fleet, part.id).config().components] == [expected], version
