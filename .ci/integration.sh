#!/usr/bin/env bash
# Round-trips content through "regapi serve" with real registry clients:
# crane (go-containerregistry), regctl (regclient) and oras. The clients are
# installed through the Go module proxy at pinned versions; the registry runs
# on a free loopback port and is stopped on exit. Exits non-zero on the first
# failure.
#
# Usage: .ci/integration.sh            (from anywhere inside the repository)
# Environment:
#   INTEGRATION_BIN  directory for the client binaries (default: a directory
#                    under the Go build cache, kept between runs)
set -euo pipefail

CRANE_VERSION=v0.22.1
REGCTL_VERSION=v0.11.7
ORAS_VERSION=v1.2.3

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server_pid=""

cleanup() {
	status=$?
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
		echo "--- last lines of the registry log ---" >&2
		tail -n 40 "$work/server.log" >&2 || true
	fi
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT

step() { echo "==> $*"; }
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# --- clients -----------------------------------------------------------------

bin=${INTEGRATION_BIN:-$(go env GOCACHE)/regapi-integration-bin}
mkdir -p "$bin"
export PATH="$bin:$PATH"

# version prints the version a client binary reports, or nothing.
version() {
	case "$1" in
	crane) "$bin/crane" version 2>/dev/null || true ;;
	regctl) "$bin/regctl" version --format '{{.VCSTag}}' 2>/dev/null || true ;;
	oras) "$bin/oras" version 2>/dev/null | sed -n 's/^Version: *\([^+]*\).*/v\1/p' || true ;;
	esac
}

install_clients() {
	if [ "$(version crane)" != "$CRANE_VERSION" ]; then
		step "installing crane $CRANE_VERSION"
		GOBIN=$bin GOFLAGS=-mod=mod go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
	fi
	if [ "$(version regctl)" != "$REGCTL_VERSION" ]; then
		step "installing regctl $REGCTL_VERSION"
		GOBIN=$bin GOFLAGS=-mod=mod go install "github.com/regclient/regclient/cmd/regctl@$REGCTL_VERSION"
	fi
	if [ "$(version oras)" != "$ORAS_VERSION" ]; then
		# "go install oras.land/oras/cmd/oras@version" first reads the
		# module's version list, which the proxy may refuse (403) for
		# oras; requiring the exact version from a scratch module does not
		# need that list.
		step "installing oras $ORAS_VERSION"
		mod="$work/oras-build"
		mkdir -p "$mod"
		(
			cd "$mod"
			go mod init regapi.test/oras-build >/dev/null 2>&1
			GOFLAGS=-mod=mod go get "oras.land/oras/cmd/oras@$ORAS_VERSION"
			GOBIN=$bin GOFLAGS=-mod=mod go install oras.land/oras/cmd/oras
		)
	fi
	for c in crane regctl oras; do
		echo "    $c $(version $c)"
	done
}
install_clients

# --- registry ----------------------------------------------------------------

step "building regapi"
(cd "$root" && go build -o "$work/regapi" ./cmd/regapi)

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

port=$(free_port)
reg="127.0.0.1:$port"
step "starting regapi serve on $reg"
"$work/regapi" serve -addr "$reg" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 50); do
	if curl -fsS "http://$reg/v2/" >/dev/null 2>&1; then
		break
	fi
	kill -0 "$server_pid" 2>/dev/null || fail "regapi serve exited: $(cat "$work/server.log")"
	sleep 0.1
done
curl -fsS "http://$reg/v2/" >/dev/null || fail "registry did not come up"

# --- content -----------------------------------------------------------------

step "generating a random layer"
mkdir -p "$work/layer/data"
head -c 300000 /dev/urandom >"$work/layer/data/random.bin"
date -u >"$work/layer/data/stamp.txt"
tar -C "$work/layer" -cf "$work/layer.tar" data

# --- crane -------------------------------------------------------------------

step "crane: push an image"
crane append --insecure -f "$work/layer.tar" -t "$reg/it/crane:v1" >/dev/null
digest=$(crane digest --insecure "$reg/it/crane:v1")
[ -n "$digest" ] || fail "crane digest returned nothing"
echo "    $digest"

step "crane: pull it back and compare the layer"
crane pull --insecure "$reg/it/crane:v1" "$work/pulled.tar"
mkdir -p "$work/pulled"
tar -C "$work/pulled" -xf "$work/pulled.tar"
layer_file=$(tar -tf "$work/pulled.tar" | grep -E '\.tar(\.gz)?$' | head -n 1)
[ -n "$layer_file" ] || fail "no layer in the pulled tarball"
mkdir -p "$work/pulled/fs"
tar -C "$work/pulled/fs" -xf "$work/pulled/$layer_file"
cmp "$work/layer/data/random.bin" "$work/pulled/fs/data/random.bin" || fail "pulled layer differs"

step "crane: validate, copy across repositories, tag, list"
crane validate --insecure --remote "$reg/it/crane:v1" >/dev/null
crane copy --insecure "$reg/it/crane:v1" "$reg/it/copy:v1" >/dev/null
[ "$(crane digest --insecure "$reg/it/copy:v1")" = "$digest" ] || fail "copy has another digest"
crane tag --insecure "$reg/it/copy:v1" v2
tags=$(crane ls --insecure "$reg/it/copy" | tr '\n' ' ')
[ "$tags" = "v1 v2 " ] || fail "crane ls: got '$tags', want 'v1 v2 '"
crane catalog --insecure "$reg" | grep -qx "it/copy" || fail "catalog lacks it/copy"

# --- regctl ------------------------------------------------------------------

regctl() { command regctl --host "reg=$reg,tls=disabled" "$@"; }

step "regctl: copy, digest, tags"
regctl image copy "$reg/it/crane:v1" "$reg/it/regctl:v1" >/dev/null
[ "$(regctl image digest "$reg/it/regctl:v1")" = "$digest" ] || fail "regctl digest differs"
regctl tag ls "$reg/it/regctl" | grep -qx v1 || fail "regctl tag ls lacks v1"
regctl manifest get "$reg/it/regctl:v1" --format raw-body | grep -q '"layers"' || fail "regctl manifest get"

step "regctl: attach an artifact and list referrers"
echo '{"sbom":"example"}' >"$work/sbom.json"
regctl artifact put --subject "$reg/it/regctl:v1" --artifact-type application/vnd.example.sbom \
	--file "$work/sbom.json" --file-media-type application/json --annotation org.example.kind=sbom >/dev/null
refs=$(regctl artifact list "$reg/it/regctl:v1" --format '{{range .Descriptors}}{{.ArtifactType}} {{index .Annotations "org.example.kind"}}{{"\n"}}{{end}}')
echo "$refs" | grep -qx "application/vnd.example.sbom sbom" || fail "regctl artifact list: got '$refs'"
filtered=$(regctl artifact list "$reg/it/regctl:v1" --filter-artifact-type application/none --format '{{len .Descriptors}}')
[ "$filtered" = 0 ] || fail "filtered referrers: got $filtered"

# --- oras --------------------------------------------------------------------

step "oras: push and pull an artifact"
mkdir -p "$work/oras-in" "$work/oras-out"
head -c 5000 /dev/urandom >"$work/oras-in/blob.bin"
(cd "$work/oras-in" && oras push --plain-http --artifact-type application/vnd.example.data \
	"$reg/it/oras:v1" blob.bin:application/octet-stream >/dev/null)
(cd "$work/oras-out" && oras pull --plain-http "$reg/it/oras:v1" >/dev/null)
cmp "$work/oras-in/blob.bin" "$work/oras-out/blob.bin" || fail "oras pulled other bytes"

step "oras: attach a signature to the crane image and discover it"
echo "signature" >"$work/sig.txt"
(cd "$work" && oras attach --plain-http --artifact-type application/vnd.example.sig \
	--annotation org.example.kind=sig "$reg/it/crane:v1" sig.txt:text/plain >/dev/null)
discovered=$(oras discover --plain-http --format json "$reg/it/crane:v1")
echo "$discovered" | grep -q '"application/vnd.example.sig"' || fail "oras discover: $discovered"
oras discover --plain-http --format json --artifact-type application/vnd.example.sig "$reg/it/crane:v1" |
	grep -q '"application/vnd.example.sig"' || fail "oras discover with filter"

step "oras: referrers pushed by regctl are seen by oras"
oras discover --plain-http --format json "$reg/it/regctl:v1" | grep -q '"application/vnd.example.sbom"' ||
	fail "oras does not see the regctl artifact"

# --- deletes -----------------------------------------------------------------

step "delete: tag, manifest and blob"
regctl tag delete "$reg/it/copy:v2"
tags=$(crane ls --insecure "$reg/it/copy" | tr '\n' ' ')
[ "$tags" = "v1 " ] || fail "after tag delete: got '$tags'"
crane delete --insecure "$reg/it/copy@$digest"
if crane manifest --insecure "$reg/it/copy:v1" >/dev/null 2>&1; then
	fail "manifest still there after delete"
fi
config=$(crane config --insecure "$reg/it/crane:v1" | sha256sum | cut -d' ' -f1)
status=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$reg/v2/it/crane/blobs/sha256:$config")
[ "$status" = 202 ] || fail "blob delete answered $status"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://$reg/v2/it/crane/blobs/sha256:$config")
[ "$status" = 404 ] || fail "deleted blob answered $status"

# --- error answers -----------------------------------------------------------

step "errors: invalid names and unknown content"
body=$(curl -s -w ' %{http_code}' "http://$reg/v2/It/x/tags/list")
case "$body" in *'"NAME_INVALID"'*' 400') ;; *) fail "invalid name answered: $body" ;; esac
long=$(printf 'a%.0s' $(seq 1 256))
body=$(curl -s -w ' %{http_code}' "http://$reg/v2/$long/manifests/latest")
case "$body" in *'"NAME_INVALID"'*' 400') ;; *) fail "256-character name answered: $body" ;; esac
body=$(curl -s -w ' %{http_code}' "http://$reg/v2/it/crane/manifests/missing")
case "$body" in *'"MANIFEST_UNKNOWN"'*' 404') ;; *) fail "unknown tag answered: $body" ;; esac

step "stopping the registry"
kill -TERM "$server_pid"
wait "$server_pid" || fail "regapi serve exited with $?"
server_pid=""
grep -q "regapi serve: stopped" "$work/server.log" || fail "no clean shutdown"
requests=$(grep -c ' /v2/' "$work/server.log" || true)
echo "PASS: integration ($requests requests logged)"
