#!/usr/bin/env bash
# Regenerate the Go code in clients/go/gen from proto/:
#
#   clients/go/generate.sh            # rewrites clients/go/gen
#   clients/go/generate.sh OUT_DIR    # writes OUT_DIR/gen instead (used by the
#                                     # test that checks gen/ is up to date)
#
# Installs the pinned protoc plugins into <project>/.cache/bin and runs the
# protoc bundled with the project's pinned grpcio-tools (`python -m
# grpc_tools.protoc`, which also ships the well-known types), so the output is
# reproducible byte for byte. Never edit gen/ by hand.
#
# The .proto files say `option go_package = "fleetserver/gen/<dir>;<pkg>"`.
# This module is `fleetserver/clients/go`, so each file is mapped (protoc
# `M` options) to `fleetserver/clients/go/gen/<dir>;<pkg>`, and `module=`
# strips the module path so the files land in <out>/gen/<dir>.
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12      # keep equal to google.golang.org/protobuf in go.mod
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PROTO_DIR="$ROOT/proto"
MODULE="fleetserver/clients/go"
PROTO_GO_PREFIX="fleetserver/gen/"
OUT="${1:-$HERE}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
BIN="$ROOT/.cache/bin"

command -v go >/dev/null 2>&1 || { echo "generate.sh: go is not installed" >&2; exit 2; }
[ -x "$PYTHON" ] || { echo "generate.sh: $PYTHON not found; run ./scripts/test once (creates .venv with grpcio-tools)" >&2; exit 2; }

mkdir -p "$BIN"
GOBIN="$BIN" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
GOBIN="$BIN" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"

WELL_KNOWN="$("$PYTHON" -c 'from importlib import resources; print(resources.files("grpc_tools") / "_proto")')"

cd "$PROTO_DIR"
PROTOS=()
while IFS= read -r proto; do PROTOS+=("$proto"); done < <(find . -name '*.proto' | sed 's#^\./##' | LC_ALL=C sort)

MAP_OPTS=()
for proto in "${PROTOS[@]}"; do
  go_package="$(sed -n 's/^option go_package = "\(.*\)";$/\1/p' "$proto")"
  case "$go_package" in
    "$PROTO_GO_PREFIX"*) ;;
    *) echo "generate.sh: $proto: go_package '$go_package' does not start with $PROTO_GO_PREFIX" >&2; exit 1 ;;
  esac
  mapped="$MODULE/gen/${go_package#"$PROTO_GO_PREFIX"}"
  MAP_OPTS+=("--go_opt=M$proto=$mapped" "--go-grpc_opt=M$proto=$mapped")
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"$PYTHON" -m grpc_tools.protoc \
  -I "$PROTO_DIR" -I "$WELL_KNOWN" \
  --plugin=protoc-gen-go="$BIN/protoc-gen-go" \
  --plugin=protoc-gen-go-grpc="$BIN/protoc-gen-go-grpc" \
  --go_out="$TMP" --go_opt=paths=import --go_opt=module="$MODULE" \
  --go-grpc_out="$TMP" --go-grpc_opt=paths=import --go-grpc_opt=module="$MODULE" \
  "${MAP_OPTS[@]}" \
  "${PROTOS[@]}"

mkdir -p "$OUT"
rm -rf "$OUT/gen"
mv "$TMP/gen" "$OUT/gen"
echo "generated $(find "$OUT/gen" -name '*.go' | wc -l) Go files in $OUT/gen" >&2
