"""UpdateRobotPart (rename, configs, optimistic concurrency) and GetRobotPartHistory, through real gRPC calls."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
from google.protobuf import json_format, timestamp_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from conftest import (
    BAD_NAMES,
    UNKNOWN_PART,
    Fleet,
    Tree,
    denied,
    invalid,
    make_struct,
    new_key,
    new_user_session,
    role,
    rpc_error,
    run_concurrently,
    unique,
)
from generated.viam.app.v1 import app_pb2
from test_log_edges import serve

ABORTED = grpc.StatusCode.ABORTED
EXISTS = grpc.StatusCode.ALREADY_EXISTS
MAX_CONFIG_BYTES = 1024 * 1024


def _update(fleet: Fleet, part_id: str, name: str, **fields: Any) -> app_pb2.RobotPart:
    return fleet.call("UpdateRobotPart", id=part_id, name=name, **fields).part


def _config_json(fleet: Fleet, part_id: str) -> str:
    return fleet.call("GetRobotPart", id=part_id).config_json


def _history(fleet: Fleet, part_id: str, **fields: Any) -> app_pb2.GetRobotPartHistoryResponse:
    return fleet.call("GetRobotPartHistory", id=part_id, **fields)


def _all_history(fleet: Fleet, part_id: str, **fields: Any) -> list[app_pb2.RobotPartHistoryEntry]:
    entries: list[app_pb2.RobotPartHistoryEntry] = []
    token = None
    while True:
        kwargs = dict(fields)
        if token:
            kwargs["page_token"] = token
        page = _history(fleet, part_id, **kwargs)
        entries.extend(page.history)
        if not page.next_page_token:
            return entries
        token = page.next_page_token


def _precondition(err: grpc.RpcError) -> error_details_pb2.PreconditionFailure:
    status = rpc_status.from_call(err)
    assert status is not None, "ABORTED without grpc-status-details-bin"
    for detail in status.details:
        if detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(failure)
            return failure
    raise AssertionError(f"no PreconditionFailure in {status}")


def _main(fleet: Fleet, tree: Tree) -> app_pb2.RobotPart:
    return fleet.main_part(tree.robot_id)


# --------------------------------------------------------------------------- UpdateRobotPart


def test_rename_and_replace_config_with_a_struct(fleet: Fleet, tree: Tree) -> None:
    before = _main(fleet, tree)
    config = {"components": [{"name": "motor1", "api": "rdk:component:motor", "model": "fake", "attributes": {"pins": [1, 2]}}]}
    part = _update(fleet, before.id, "renamed", robot_config=make_struct(config))
    assert part.id == before.id and part.name == "renamed"
    assert json_format.MessageToDict(part.robot_config) == config
    assert json.loads(part.robot_config_json) == config
    assert part.last_updated.ToDatetime() > before.last_updated.ToDatetime()
    assert part.dns_name == before.dns_name and part.fqdn == before.fqdn, "renaming keeps the hostname"
    assert part.secrets == before.secrets, "owners see the secrets in the response"
    got = fleet.call("GetRobotPart", id=before.id)
    assert got.part.name == "renamed"
    assert json.loads(got.config_json) == config
    assert got.part.last_updated == part.last_updated


def test_robot_config_json_keeps_key_order_and_wins_over_robot_config(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    text = '{\n  "zeta": 1,\n  "alpha": {"y": 2, "b": [3, {"d": 4, "c": 5.5}]},\n  "mid": "é 東京",\n  "empty": {}, "n": null\n}'
    part = _update(fleet, part_id, "p", robot_config_json=text, robot_config=make_struct({"ignored": True}))
    expected = '{"zeta":1,"alpha":{"y":2,"b":[3,{"d":4,"c":5.5}]},"mid":"é 東京","empty":{},"n":null}'
    assert part.robot_config_json == expected
    assert _config_json(fleet, part_id) == expected
    assert list(json.loads(_config_json(fleet, part_id))) == ["zeta", "alpha", "mid", "empty", "n"]


def test_without_a_config_only_the_name_changes(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    _update(fleet, part_id, "first", robot_config_json='{"b":1,"a":2}')
    part = _update(fleet, part_id, "second")
    assert part.name == "second"
    assert _config_json(fleet, part_id) == '{"b":1,"a":2}'


def test_an_empty_robot_config_json_object_clears_the_config(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    _update(fleet, part_id, "p", robot_config_json='{"a":1}')
    _update(fleet, part_id, "p", robot_config_json="{}")
    assert _config_json(fleet, part_id) == "{}"


BAD_CONFIG_JSON = [
    pytest.param("", id="empty"),
    pytest.param("not json", id="not-json"),
    pytest.param('{"a": 1', id="truncated"),
    pytest.param("[1, 2]", id="array"),
    pytest.param('"text"', id="string"),
    pytest.param("42", id="number"),
    pytest.param("null", id="null"),
    pytest.param('{"a": NaN}', id="nan"),
    pytest.param('{"a": Infinity}', id="infinity"),
    pytest.param('{"a": 1e400}', id="overflowing-number"),
    pytest.param('{"a": 1, "a": 2}', id="duplicate-key"),
    pytest.param('{"x": {"a": 1, "a": 1}}', id="nested-duplicate-key"),
    pytest.param('{"a": "\\ud800"}', id="lone-surrogate"),
    pytest.param('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", id="too-deep"),
    pytest.param(json.dumps({"big": "x" * MAX_CONFIG_BYTES}), id="over-1MiB"),
]


@pytest.mark.parametrize("text", BAD_CONFIG_JSON)
def test_bad_robot_config_json_is_refused_and_nothing_changes(fleet: Fleet, tree: Tree, text: str) -> None:
    before = _main(fleet, tree)
    _update(fleet, before.id, before.name, robot_config_json='{"keep":"me"}')
    kept = fleet.get_part(before.id)
    with invalid("robot_config_json"):
        _update(fleet, before.id, "new-name", robot_config_json=text)
    assert fleet.get_part(before.id) == kept
    assert len(_all_history(fleet, before.id)) == 1


def test_bad_robot_config_struct_is_refused(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    for bad in ({"x": float("nan")}, {"n": [1, float("inf")]}, {"big": "x" * MAX_CONFIG_BYTES}):
        with invalid("robot_config"):
            _update(fleet, part_id, "p", robot_config=make_struct(bad))
    assert _config_json(fleet, part_id) == "{}"
    assert _all_history(fleet, part_id) == []


def _nested(levels: int, kind: str) -> dict[str, Any]:
    """A config whose objects/arrays nest `levels` deep, the config itself included."""
    value: Any = 1
    for _ in range(levels - 1):
        value = [value] if kind == "list" else {"k": value}
    return {"a": value}


@pytest.mark.parametrize("kind", ["object", "list"])
def test_configs_nest_at_most_20_deep_and_read_back(fleet: Fleet, tree: Tree, kind: str) -> None:
    part_id = _main(fleet, tree).id
    deepest = _nested(20, kind)
    _update(fleet, part_id, "p", robot_config_json=json.dumps(deepest))
    _update(fleet, part_id, "q", robot_config=make_struct(deepest))
    assert json.loads(_config_json(fleet, part_id)) == deepest
    assert json_format.MessageToDict(fleet.get_part(part_id).robot_config) == deepest
    assert json_format.MessageToDict(_history(fleet, part_id).history[0].old.robot_config) == deepest
    with invalid("robot_config_json"):
        _update(fleet, part_id, "r", robot_config_json=json.dumps(_nested(21, kind)))
    with invalid("robot_config"):
        _update(fleet, part_id, "r", robot_config=make_struct(_nested(21, kind)))


def test_a_config_just_under_the_limit_is_accepted(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    text = json.dumps({"big": "x" * (MAX_CONFIG_BYTES - 20)}, separators=(",", ":"))
    assert len(text) <= MAX_CONFIG_BYTES
    _update(fleet, part_id, "p", robot_config_json=text)
    assert _config_json(fleet, part_id) == text


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused(fleet: Fleet, tree: Tree, name: str) -> None:
    part = _main(fleet, tree)
    with invalid("name"):
        _update(fleet, part.id, name, robot_config_json='{"a":1}')
    assert fleet.get_part(part.id) == part


def test_names_are_trimmed_and_unique_per_machine(fleet: Fleet, tree: Tree) -> None:
    main = _main(fleet, tree)
    other = fleet.new_part(tree.robot_id, "taken")
    with rpc_error(EXISTS):
        _update(fleet, main.id, "taken")
    assert _update(fleet, main.id, "  free  ").name == "free"
    assert _update(fleet, main.id, "free").name == "free", "keeping its own name is no clash"
    # The same name on another machine is fine.
    elsewhere = fleet.new_robot(tree.location.id)
    assert _update(fleet, fleet.main_part(elsewhere).id, "taken").name == "taken"
    assert fleet.get_part(other).name == "taken"


def test_ids_are_checked(fleet: Fleet) -> None:
    with invalid("id"):
        _update(fleet, "", "x")
    with denied():
        _update(fleet, UNKNOWN_PART, "x")


# --------------------------------------------------------------------------- last_known_update


def test_last_known_update_current_succeeds_and_stale_is_aborted_with_nothing_changed(fleet: Fleet, tree: Tree) -> None:
    read = _main(fleet, tree)
    first = _update(fleet, read.id, "v1", robot_config_json='{"v":1}', last_known_update=read.last_updated)
    assert first.last_updated != read.last_updated
    with rpc_error(ABORTED) as error:
        _update(fleet, read.id, "v2", robot_config_json='{"v":2}', last_known_update=read.last_updated)
    assert "stale update" in error.message and "re-read" in error.message
    violation = _precondition(error.error).violations[0]
    assert violation.subject == "last_known_update" and violation.type == "STALE"
    after = fleet.call("GetRobotPart", id=read.id)
    assert after.part.name == "v1" and after.config_json == '{"v":1}'
    assert after.part.last_updated == first.last_updated
    assert len(_all_history(fleet, read.id)) == 1
    # Re-read and retry.
    retried = _update(fleet, read.id, "v2", robot_config_json='{"v":2}', last_known_update=after.part.last_updated)
    assert retried.name == "v2"


def test_last_known_update_is_compared_at_microsecond_precision(fleet: Fleet, tree: Tree) -> None:
    read = _main(fleet, tree)
    stamp = timestamp_pb2.Timestamp()
    stamp.CopyFrom(read.last_updated)
    assert stamp.nanos % 1000 == 0, "the server keeps microseconds"
    stamp.nanos += 999
    assert _update(fleet, read.id, "ok", last_known_update=stamp).name == "ok", "sub-microsecond digits are ignored"
    off_by_one = timestamp_pb2.Timestamp()
    off_by_one.FromNanoseconds(read.last_updated.ToNanoseconds() + 1000)
    with rpc_error(ABORTED):
        _update(fleet, read.id, "no", last_known_update=off_by_one)


def test_concurrent_updates_from_one_read_exactly_one_wins(fleet: Fleet, tree: Tree) -> None:
    read = _main(fleet, tree)
    names = iter([f"writer-{i}" for i in range(8)])

    def write() -> app_pb2.RobotPart:
        name = next(names)
        return _update(fleet, read.id, name, robot_config_json=json.dumps({"by": name}), last_known_update=read.last_updated)

    results, errors = run_concurrently(write, n=8)
    assert len(results) == 1, f"{len(results)} writers won"
    assert [e.code() for e in errors] == [ABORTED] * 7
    winner = results[0]
    after = fleet.call("GetRobotPart", id=read.id)
    assert after.part.name == winner.name and json.loads(after.config_json) == {"by": winner.name}
    history = _all_history(fleet, read.id)
    assert len(history) == 1 and history[0].old.name == read.name


def test_concurrent_updates_without_last_known_update_all_apply(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    names = iter([f"w-{i}" for i in range(6)])
    results, errors = run_concurrently(lambda: _update(fleet, part_id, next(names)), n=6)
    assert not errors and len(results) == 6
    history = _all_history(fleet, part_id)
    assert len(history) == 6
    whens = [entry.when.ToNanoseconds() for entry in history]
    assert whens == sorted(whens, reverse=True) and len(set(whens)) == 6


# --------------------------------------------------------------------------- GetRobotPartHistory


def test_history_holds_each_old_version_newest_first(fleet: Fleet, tree: Tree) -> None:
    original = _main(fleet, tree)
    assert _history(fleet, original.id) == app_pb2.GetRobotPartHistoryResponse()
    versions = []
    for i in range(5):
        versions.append(_update(fleet, original.id, f"v{i}", robot_config_json=f'{{"v":{i},"a":0}}'))
    history = _history(fleet, original.id).history
    assert len(history) == 5
    olds = [original, *versions[:-1]]
    for entry, old, new in zip(history, reversed(olds), reversed(versions)):
        assert entry.part == original.id and entry.robot == tree.robot_id
        assert entry.when == new.last_updated, "when = the part's last_updated after the change"
        assert entry.old.id == original.id and entry.old.name == old.name
        assert entry.old.robot_config_json == old.robot_config_json
        assert json_format.MessageToDict(entry.old.robot_config) == json.loads(old.robot_config_json)
        assert entry.old.last_updated == old.last_updated
        assert entry.old.main_part is True and entry.old.fqdn == original.fqdn
        assert entry.old.robot == tree.robot_id and entry.old.location_id == tree.location.id
        assert not entry.old.secrets and not entry.old.secret, "history never shows secrets"
        assert entry.edited_by == app_pb2.AuthenticatorInfo(
            type=app_pb2.AUTHENTICATION_TYPE_API_KEY, value=fleet.boot.api_key_id, is_deactivated=False
        )
    assert history[-1].old.robot_config_json == "{}"


def test_history_pages_with_a_keyset_token(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    for i in range(5):
        _update(fleet, part_id, f"v{i}")
    everything = _history(fleet, part_id).history
    pages = []
    token = ""
    while True:
        page = _history(fleet, part_id, page_limit=2, **({"page_token": token} if token else {}))
        pages.append([entry.old.name for entry in page.history])
        token = page.next_page_token
        if not token:
            break
    assert pages == [["v3", "v2"], ["v1", "v0"], [f"{tree.robot_name}-main"]]
    assert [entry.old.name for entry in everything] == [name for page in pages for name in page]
    # New entries do not shift the pages after a token.
    first = _history(fleet, part_id, page_limit=2)
    _update(fleet, part_id, "v5")
    assert [e.old.name for e in _history(fleet, part_id, page_limit=2, page_token=first.next_page_token).history] == ["v1", "v0"]
    # Exactly a full last page: no token.
    assert _history(fleet, part_id, page_limit=6).next_page_token == ""


def test_history_start_is_inclusive_and_end_exclusive(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    for i in range(4):
        _update(fleet, part_id, f"v{i}")
    history = _history(fleet, part_id).history  # whens: newest first, old names v2 v1 v0 main
    whens = [entry.when for entry in history]
    names = [entry.old.name for entry in _history(fleet, part_id, start=whens[2], end=whens[0]).history]
    assert names == ["v1", "v0"]
    assert [e.old.name for e in _history(fleet, part_id, start=whens[1]).history] == ["v2", "v1"]
    assert len(_history(fleet, part_id, end=whens[3]).history) == 0
    assert len(_all_history(fleet, part_id, start=whens[3], page_limit=1)) == 4


def test_history_argument_errors(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    _update(fleet, part_id, "x")
    for token in ("garbage", "eyJ0Ijoi", "eyJ0IjoxfQ"):
        with invalid("page_token"):
            _history(fleet, part_id, page_token=token)
    with invalid("page_limit"):
        _history(fleet, part_id, page_limit=-1)
    later, earlier = timestamp_pb2.Timestamp(seconds=2_000_000_000), timestamp_pb2.Timestamp(seconds=1_000_000_000)
    with invalid("end"):
        _history(fleet, part_id, start=later, end=earlier)
    with invalid("start"):
        _history(fleet, part_id, start=timestamp_pb2.Timestamp(seconds=10**12))
    with invalid("id"):
        _history(fleet, "")
    with denied():
        _history(fleet, UNKNOWN_PART)
    assert len(_history(fleet, part_id, page_limit=5000).history) == 1, "page_limit above 1000 is capped, not refused"


def test_history_names_the_editor_and_whether_it_still_exists(fleet: Fleet, server, tree: Tree) -> None:  # type: ignore[no-untyped-def]
    part_id = _main(fleet, tree).id
    key = new_key(fleet, [role(tree.org.id, "owner", "organization", tree.org.id)])
    _update(key.fleet, part_id, "by-key")
    user, user_md = new_user_session(server, fleet.channel, owner_of=tree.org.id)
    fleet.call("UpdateRobotPart", app_pb2.UpdateRobotPartRequest(id=part_id, name="by-user"), metadata=user_md)
    fleet.call("DeleteKey", id=key.id)
    by_user, by_key = _history(fleet, part_id).history
    assert by_user.edited_by == app_pb2.AuthenticatorInfo(
        type=app_pb2.AUTHENTICATION_TYPE_WEB_OAUTH, value=user.email, is_deactivated=False
    )
    assert by_key.edited_by == app_pb2.AuthenticatorInfo(
        type=app_pb2.AUTHENTICATION_TYPE_API_KEY, value=key.id, is_deactivated=True
    )


def test_operators_read_history_but_cannot_update(fleet: Fleet, tree: Tree) -> None:
    part_id = _main(fleet, tree).id
    _update(fleet, part_id, "x")
    operator = new_key(fleet, [role(tree.org.id, "operator", "organization", tree.org.id)])
    assert len(_history(operator.fleet, part_id).history) == 1
    with denied():
        _update(operator.fleet, part_id, "y")


def test_deleting_a_part_deletes_its_history(fleet: Fleet, tree: Tree) -> None:
    part_id = fleet.new_part(tree.robot_id)
    _update(fleet, part_id, "x")
    fleet.call("DeleteRobotPart", part_id=part_id)
    with denied():
        _history(fleet, part_id)


def test_a_config_too_big_to_send_back_is_refused(fleet: Fleet, tree: Tree) -> None:
    """Under 1 MiB as JSON, but each number takes 9 bytes as a Struct: the response (Struct and
    JSON) would pass a client's 4 MiB receive limit, so it is refused before anything is written."""
    part = fleet.main_part(tree.robot_id)
    text = '{"a":[' + ",".join(["0"] * 400_000) + "]}"
    with invalid("robot_config_json") as error:
        fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config_json=text)
    assert "in a response" in error.message
    assert _history(fleet, part.id) == app_pb2.GetRobotPartHistoryResponse()


def test_history_pages_of_big_configs_stay_readable(fleet: Fleet, tree: Tree) -> None:
    """About 95 KB configs edited 45 times: the default page of 100 would pass 4 MiB, so pages end early."""
    part = fleet.main_part(tree.robot_id)
    config = {"components": [{"name": f"c{i}", "attributes": {"note": "x" * 900}} for i in range(100)]}
    for edit in range(45):
        config["components"][0]["attributes"]["edit"] = edit
        current = fleet.get_part(part.id)
        fleet.call("UpdateRobotPart", id=part.id, name=current.name, robot_config=make_struct(config))
    seen, token, pages = 0, "", 0
    while True:
        page = _history(fleet, part.id, page_token=token)
        seen, token, pages = seen + len(page.history), page.next_page_token, pages + 1
        if not token:
            break
    assert seen == 45 and pages >= 2


def test_history_pages_fit_a_small_max_message(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Pages were cut at a fixed 3 MiB: with FLEET_MAX_MESSAGE_BYTES of 1 MiB four ~0.4 MB entries
    made a 1.6 MB page the server could not send (RESOURCE_EXHAUSTED). They follow the page budget."""
    for small in serve(tmp_path_factory.mktemp("small-max"), {"FLEET_MAX_MESSAGE_BYTES": str(1 << 20)}):
        part = small.main_part(small.new_tree().robot_id)
        for edit in range(4):
            config = {"components": [{"name": "big", "attributes": {"blob": str(edit) * 200_000}}]}
            small.call("UpdateRobotPart", id=part.id, name=part.name, robot_config=make_struct(config))
        history = _all_history(small, part.id)
        assert len(history) == 4 and all(len(entry.old.robot_config_json) > 200_000 for entry in history[:3])


SMALL_MAX_MESSAGE = 256 * 1024
SMALL_PAGE_BUDGET = SMALL_MAX_MESSAGE * 3 // 4  # the budget of a history page, and so of one config


def test_configs_must_fit_a_small_max_message(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The limit was a fixed 3 MiB: with FLEET_MAX_MESSAGE_BYTES of 256 KiB a 300 KB config was
    stored and then GetRobotPart could not send it (RESOURCE_EXHAUSTED). It follows the page budget."""
    for small in serve(tmp_path_factory.mktemp("small-max"), {"FLEET_MAX_MESSAGE_BYTES": str(SMALL_MAX_MESSAGE)}):
        part = small.main_part(small.new_tree().robot_id)
        over = {"blob": "x" * 100_000}  # about 300 KB as GetRobotPart carries it (Struct, JSON twice)
        with invalid("robot_config") as error:
            _update(small, part.id, part.name, robot_config=make_struct(over))
        assert str(SMALL_PAGE_BUDGET) in error.message
        with invalid("robot_config_json"):
            _update(small, part.id, part.name, robot_config_json=json.dumps(over))
        under = {"blob": "y" * 60_000}
        _update(small, part.id, part.name, robot_config=make_struct(under))
        assert json.loads(_config_json(small, part.id)) == under
        _update(small, part.id, part.name, robot_config_json="{}")
        [newest, *_] = _all_history(small, part.id)
        assert json.loads(newest.old.robot_config_json) == under
        assert json_format.MessageToDict(newest.old.robot_config) == under
