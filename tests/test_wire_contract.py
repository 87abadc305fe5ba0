"""Our protos must match the wire contract of viam-sdk, and generated/ must be fresh.

* Every service, method, message and enum we declare in viam.app.v1,
  viam.common.v1 or proto.rpc.v1 must exist in viam-sdk with the same shape.
  Services may declare a subset of the SDK's methods (we declare only what we
  implement), but a message we declare must carry exactly the SDK's fields, so
  an SDK client never has fields silently dropped, and an enum exactly the
  SDK's values.
* `generated/` must be byte-identical to what `python scripts/generate.py`
  produces from `proto/`.

viam-sdk's descriptors are read in a subprocess: it registers `viam.app.v1`
in the default descriptor pool, as our generated code does, so the two cannot
be imported into one process. This module imports neither.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
GENERATED_DIR = ROOT / "generated"
GENERATE_SCRIPT = ROOT / "scripts" / "generate.py"

CONTRACT_PACKAGES = ("viam.app.v1", "viam.common.v1", "proto.rpc.v1")
# viam-sdk modules whose descriptors define the contract; all other *_pb2
# modules of the same Python packages are imported too, so a whole proto
# package is visible even where it spans several files.
SDK_MODULES = ("viam.gen.app.v1.app_pb2", "viam.gen.proto.rpc.v1.auth_pb2")
SDK_PACKAGES = ("viam.gen.app.v1", "viam.gen.common.v1", "viam.gen.proto.rpc.v1")


def describe_files(files: list[Any], packages: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """JSON-able description of the messages, enums and services in `files`.

    `files` are FileDescriptorProtos; only those whose package is in
    `packages` are described. Names are fully qualified without a leading dot.
    This function runs both here and, via its source, in the viam-sdk
    subprocess, so it must stay self-contained.
    """
    from google.protobuf import descriptor_pb2 as d

    out: dict[str, dict[str, Any]] = {"messages": {}, "enums": {}, "services": {}}

    def enum(proto: Any, prefix: str) -> None:
        out["enums"][f"{prefix}.{proto.name}"] = {"values": {v.name: v.number for v in proto.value}}

    def message(proto: Any, prefix: str) -> None:
        full_name = f"{prefix}.{proto.name}"
        fields = {}
        for field in proto.field:
            real_oneof = field.HasField("oneof_index") and not field.proto3_optional
            fields[field.name] = {
                "number": field.number,
                "type": d.FieldDescriptorProto.Type.Name(field.type),
                "type_name": field.type_name,
                "label": d.FieldDescriptorProto.Label.Name(field.label),
                "proto3_optional": field.proto3_optional,
                "oneof": proto.oneof_decl[field.oneof_index].name if real_oneof else None,
                "json_name": field.json_name,
            }
        out["messages"][full_name] = {"map_entry": proto.options.map_entry, "fields": fields}
        for nested in proto.nested_type:
            message(nested, full_name)
        for nested in proto.enum_type:
            enum(nested, full_name)

    for file in files:
        if file.package not in packages:
            continue
        for proto in file.message_type:
            message(proto, file.package)
        for proto in file.enum_type:
            enum(proto, file.package)
        for service in file.service:
            out["services"][f"{file.package}.{service.name}"] = {
                "methods": {
                    method.name: {
                        "input_type": method.input_type,
                        "output_type": method.output_type,
                        "client_streaming": method.client_streaming,
                        "server_streaming": method.server_streaming,
                    }
                    for method in service.method
                }
            }
    return out


_SDK_DUMP_MAIN = """
import importlib
import json
import pkgutil

from google.protobuf import descriptor_pb2

modules = [importlib.import_module(name) for name in SDK_MODULES]
for package_name in SDK_PACKAGES:
    try:
        package = importlib.import_module(package_name)
    except ImportError:
        continue
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.endswith("_pb2"):
            modules.append(importlib.import_module(f"{package_name}.{info.name}"))

seen = {}
pending = [module.DESCRIPTOR for module in modules]
while pending:
    file = pending.pop()
    if file.name in seen:
        continue
    seen[file.name] = file
    pending.extend(file.dependencies)

protos = []
for file in seen.values():
    proto = descriptor_pb2.FileDescriptorProto()
    file.CopyToProto(proto)
    protos.append(proto)
print(json.dumps(describe_files(protos, CONTRACT_PACKAGES), sort_keys=True))
"""


def sdk_description(tmp_path: Path) -> dict[str, dict[str, Any]]:
    script = "\n".join(
        [
            "from __future__ import annotations",
            "from typing import Any",
            f"CONTRACT_PACKAGES = {CONTRACT_PACKAGES!r}",
            f"SDK_MODULES = {SDK_MODULES!r}",
            f"SDK_PACKAGES = {SDK_PACKAGES!r}",
            textwrap.dedent(inspect.getsource(describe_files)),
            _SDK_DUMP_MAIN,
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # so that the project's own `generated` package cannot shadow anything
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, (
        "could not read viam-sdk's descriptors (is viam-sdk installed? pip install -e '.[dev]'):\n" + result.stderr
    )
    return json.loads(result.stdout)


def our_description(tmp_path: Path) -> dict[str, dict[str, Any]]:
    descriptor_set = tmp_path / "fleet.binpb"
    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.rglob("*.proto"))
    well_known = str(resources.files("grpc_tools") / "_proto")
    rc = protoc.main(
        [
            "protoc",
            f"-I{PROTO_DIR}",
            f"-I{well_known}",
            f"--descriptor_set_out={descriptor_set}",
            "--include_imports",
            *protos,
        ]
    )
    assert rc == 0, "protoc failed to compile proto/"
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes()).file
    return describe_files(list(files), CONTRACT_PACKAGES)


def diff_dicts(where: str, ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    return [
        f"{where}: {key} is {ours.get(key)!r} here but {theirs.get(key)!r} in viam-sdk"
        for key in sorted(set(ours) | set(theirs))
        if ours.get(key) != theirs.get(key)
    ]


def contract_mismatches(ours: dict[str, dict[str, Any]], sdk: dict[str, dict[str, Any]]) -> list[str]:
    problems: list[str] = []

    for name, service in sorted(ours["services"].items()):
        sdk_service = sdk["services"].get(name)
        if sdk_service is None:
            problems.append(f"service {name}: not in viam-sdk")
            continue
        # A subset of the methods is fine: we declare only what we implement.
        for method_name, method in sorted(service["methods"].items()):
            sdk_method = sdk_service["methods"].get(method_name)
            if sdk_method is None:
                problems.append(f"rpc {name}.{method_name}: not in viam-sdk")
            else:
                problems += diff_dicts(f"rpc {name}.{method_name}", method, sdk_method)

    for name, message in sorted(ours["messages"].items()):
        sdk_message = sdk["messages"].get(name)
        if sdk_message is None:
            problems.append(f"message {name}: not in viam-sdk")
            continue
        if message["map_entry"] != sdk_message["map_entry"]:
            problems.append(f"message {name}: map_entry is {message['map_entry']} here but {sdk_message['map_entry']} in viam-sdk")
        fields, sdk_fields = message["fields"], sdk_message["fields"]
        for field_name in sorted(set(sdk_fields) - set(fields)):
            problems.append(f"message {name}: missing field {field_name} = {sdk_fields[field_name]['number']} ({sdk_fields[field_name]})")
        for field_name in sorted(set(fields) - set(sdk_fields)):
            problems.append(f"message {name}: field {field_name} = {fields[field_name]['number']} is not in viam-sdk")
        for field_name in sorted(set(fields) & set(sdk_fields)):
            problems += diff_dicts(f"field {name}.{field_name}", fields[field_name], sdk_fields[field_name])

    for name, enum in sorted(ours["enums"].items()):
        sdk_enum = sdk["enums"].get(name)
        if sdk_enum is None:
            problems.append(f"enum {name}: not in viam-sdk")
        elif enum["values"] != sdk_enum["values"]:
            problems += diff_dicts(f"enum {name}", enum["values"], sdk_enum["values"])

    return problems


def test_protos_match_viam_sdk_wire_contract(tmp_path: Path) -> None:
    ours = our_description(tmp_path)
    sdk = sdk_description(tmp_path)

    # Guard against a vacuous pass (for example a package filter that matches nothing).
    assert "viam.app.v1.AppService" in ours["services"], sorted(ours["services"])
    assert "proto.rpc.v1.AuthService" in ours["services"], sorted(ours["services"])
    assert "viam.app.v1.AppService" in sdk["services"], "viam-sdk description has no viam.app.v1.AppService"
    assert "proto.rpc.v1.AuthService" in sdk["services"], "viam-sdk description has no proto.rpc.v1.AuthService"

    problems = contract_mismatches(ours, sdk)
    assert not problems, f"{len(problems)} difference(s) between proto/ and viam-sdk's wire contract:\n" + "\n".join(problems)


def test_contract_check_detects_differences() -> None:
    """The comparison itself flags each kind of drift (it is easy to make it vacuous)."""
    field = {"number": 1, "type": "TYPE_STRING", "type_name": "", "label": "LABEL_OPTIONAL",
             "proto3_optional": False, "oneof": None, "json_name": "id"}  # fmt: skip
    method = {"input_type": ".p.Req", "output_type": ".p.Resp", "client_streaming": False, "server_streaming": False}
    sdk = {
        "services": {"p.S": {"methods": {"A": method, "B": method}}},
        "messages": {"p.M": {"map_entry": False, "fields": {"id": field, "name": {**field, "number": 2, "json_name": "name"}}}},
        "enums": {"p.E": {"values": {"E_UNSPECIFIED": 0, "E_ONE": 1}}},
    }
    # Identical, and a subset of the methods: no problems.
    same = json.loads(json.dumps(sdk))
    same["services"]["p.S"]["methods"].pop("B")
    assert contract_mismatches(same, sdk) == []

    drifted = {
        "services": {"p.S": {"methods": {"A": {**method, "server_streaming": True}, "C": method}}, "p.T": {"methods": {}}},
        "messages": {
            "p.M": {"map_entry": False, "fields": {"id": {**field, "number": 3}, "extra": {**field, "number": 4}}},
            "p.N": {"map_entry": False, "fields": {}},
        },
        "enums": {"p.E": {"values": {"E_UNSPECIFIED": 0}}, "p.F": {"values": {}}},
    }
    problems = "\n".join(contract_mismatches(drifted, sdk))
    for expected in [
        "rpc p.S.A: server_streaming",
        "rpc p.S.C: not in viam-sdk",
        "service p.T: not in viam-sdk",
        "field p.M.id: number is 3 here but 1",
        "message p.M: missing field name = 2",
        "message p.M: field extra = 4 is not in viam-sdk",
        "message p.N: not in viam-sdk",
        "enum p.E: E_ONE is None here but 1",
        "enum p.F: not in viam-sdk",
    ]:
        assert expected in problems, f"{expected!r} not reported in:\n{problems}"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.relative_to(root).parts
    }


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("_fleet_generate_script", GENERATE_SCRIPT)
    assert spec is not None and spec.loader is not None
    generate_script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate_script)

    fresh_dir = tmp_path / "generated"
    generate_script.generate(fresh_dir)
    fresh, committed = _tree(fresh_dir), _tree(GENERATED_DIR)

    problems = [f"missing from generated/: {name}" for name in sorted(set(fresh) - set(committed))]
    problems += [f"not produced by the generator: generated/{name}" for name in sorted(set(committed) - set(fresh))]
    problems += [f"out of date: generated/{name}" for name in sorted(set(fresh) & set(committed)) if fresh[name] != committed[name]]
    assert not problems, "generated/ does not match proto/; run `python scripts/generate.py`:\n" + "\n".join(problems)
