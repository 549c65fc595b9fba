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
# Note: with pipefail, "prog | grep -q" can fail when grep quits before prog
# has written everything (prog gets SIGPIPE); the pipes below let grep read
# to the end.

CRANE_VERSION=v0.22.1
REGCTL_VERSION=v0.11.7
ORAS_VERSION=v1.2.3

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server_pid=""
extra_pids=()

cleanup() {
	status=$?
	for pid in "$server_pid" "${extra_pids[@]}"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
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
crane catalog --insecure "$reg" | grep -x "it/copy" >/dev/null || fail "catalog lacks it/copy"

# --- regctl ------------------------------------------------------------------

regctl() { command regctl --host "reg=$reg,tls=disabled" "$@"; }

step "regctl: copy, digest, tags"
regctl image copy "$reg/it/crane:v1" "$reg/it/regctl:v1" >/dev/null
[ "$(regctl image digest "$reg/it/regctl:v1")" = "$digest" ] || fail "regctl digest differs"
regctl tag ls "$reg/it/regctl" | grep -x v1 >/dev/null || fail "regctl tag ls lacks v1"
regctl manifest get "$reg/it/regctl:v1" --format raw-body | grep '"layers"' >/dev/null || fail "regctl manifest get"

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
	grep '"application/vnd.example.sig"' >/dev/null || fail "oras discover with filter"

step "oras: referrers pushed by regctl are seen by oras"
oras discover --plain-http --format json "$reg/it/regctl:v1" | grep '"application/vnd.example.sbom"' >/dev/null ||
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

# --- a strict registry ---------------------------------------------------------

step "strict registry: manifests registries refuse are refused"
put_manifest() { # REPO TAG CONTENT-TYPE BODY -> "<code> <status>"
	curl -s -o "$work/put.out" -w '%{http_code}' -X PUT -H "Content-Type: $3" --data-binary "$4" "http://$reg/v2/$1/manifests/$2" >"$work/put.status"
	code=$(sed -n 's/.*"code":"\([A-Z_]*\)".*/\1/p' "$work/put.out" | head -n 1)
	echo "$code $(cat "$work/put.status")"
}
oci=application/vnd.oci.image.manifest.v1+json
cfg=$(printf '{}' | sha256sum | cut -d' ' -f1)
missing=$(printf 'never pushed' | sha256sum | cut -d' ' -f1)
curl -fsS -X POST --data-binary '{}' "http://$reg/v2/it/strict/blobs/uploads/?digest=sha256:$cfg" >/dev/null
empty_cfg='{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'$cfg'","size":2}'
for row in \
	"MANIFEST_INVALID 400|$oci|{}" \
	"MANIFEST_INVALID 400|application/vnd.example+json|{\"schemaVersion\":2,\"config\":$empty_cfg,\"layers\":[]}" \
	"MANIFEST_INVALID 400|$oci|{\"schemaVersion\":2,\"mediaType\":\"$oci\",\"config\":$empty_cfg,\"layers\":[],\"manifests\":[]}" \
	"MANIFEST_BLOB_UNKNOWN 400|$oci|{\"schemaVersion\":2,\"config\":$empty_cfg,\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$missing\",\"size\":12}]}" \
	"MANIFEST_INVALID 400|$oci|{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$cfg\",\"size\":3},\"layers\":[]}" \
	" 201|$oci|{\"schemaVersion\":2,\"config\":$empty_cfg,\"layers\":[]}"; do
	want=${row%%|*}
	rest=${row#*|}
	got=$(put_manifest it/strict t "${rest%%|*}" "${rest#*|}")
	[ "$got" = "$want" ] || fail "manifest ${rest#*|} as ${rest%%|*}: got '$got', want '$want'"
done

# --- registries with the options client tests use ----------------------------

# start_server PORTVAR LOG ARGS...: starts another regapi serve, sets PORTVAR
# to its host:port.
start_server() {
	local var=$1 log=$2
	shift 2
	local port
	port=$(free_port)
	"$work/regapi" serve -addr "127.0.0.1:$port" "$@" >"$work/$log.out" 2>"$work/$log.log" &
	extra_pids+=($!)
	# Up when it answers at all: with authentication /v2/ answers 401.
	up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/")" != 000 ]; }
	for _ in $(seq 1 50); do
		up && break
		sleep 0.1
	done
	up || fail "regapi serve $* did not come up"
	printf -v "$var" '%s' "127.0.0.1:$port"
}

step "faults: clients pull through the failures they retry"
start_server freg faults -fault-endpoint -quiet
crane append --insecure -f "$work/layer.tar" -t "$freg/f/img:v1" >/dev/null
(cd "$work/oras-in" && oras push --plain-http "$freg/f/oras:v1" blob.bin:application/octet-stream >/dev/null)
set_faults() {
	curl -fsS -X DELETE "http://$freg/_regapi/faults"
	printf '%s\n' "$@" | curl -fsS -X POST --data-binary @- "http://$freg/_regapi/faults"
}
fired() { curl -fsS "http://$freg/_regapi/faults" | awk -F'\t' '{ sub("fired=", "", $3); n += $3 } END { print n + 0 }'; }
pull_with() { # CLIENT
	rm -rf "$work/faultpull" && mkdir -p "$work/faultpull"
	case "$1" in
	crane) crane pull --insecure "$freg/f/img:v1" "$work/faultpull/img.tar" ;;
	oras) (cd "$work/faultpull" && oras pull --plain-http "$freg/f/oras:v1") ;;
	regctl) regctl --host "reg=$freg,tls=disabled" image export "$freg/f/img:v1" "$work/faultpull/img.tar" ;;
	esac
}
# Each client with the faults it is known to retry: it must complete, and
# every fault must have fired.
for row in \
	"crane|GET blob status=503 x2" "crane|GET blob status=429 retry-after=1 x2" "crane|GET blob reset=0 x2" \
	"oras|GET blob status=503 x2" "oras|GET blob status=429 retry-after=1 x2" "oras|GET blob reset=0 x1" \
	"regctl|GET blob status=429 retry-after=1 x2" "regctl|GET blob reset=0 x2"; do
	client=${row%%|*}
	spec=${row#*|}
	set_faults "$spec"
	pull_with "$client" >"$work/faultpull.log" 2>&1 || fail "$client did not pull through '$spec': $(tail -n 3 "$work/faultpull.log")"
	want=${spec##* x}
	[ "$(fired)" = "$want" ] || fail "$client under '$spec': $(fired) faults fired, want $want"
	echo "    $client pulled through: $spec"
done
# The rest is recorded, not required.
for row in "regctl|GET blob status=503 x1" "crane|GET blob reset=4096 x2" "oras|GET blob reset=4096 x2" "regctl|GET blob reset=4096 x2" \
	"crane|GET blob truncate=1000 x2" "oras|GET blob truncate=1000 x2" "regctl|GET blob truncate=1000 x2"; do
	client=${row%%|*}
	spec=${row#*|}
	set_faults "$spec"
	if pull_with "$client" >"$work/faultpull.log" 2>&1; then result=completed; else result=failed; fi
	echo "    $client under '$spec': $result ($(fired) fired)"
done

step "referrers pagination: oras follows the Link of a paged list"
start_server preg paged -referrers-page-size 2
crane append --insecure -f "$work/layer.tar" -t "$preg/p/img:v1" >/dev/null
for i in 1 2 3 4 5; do
	echo "signature $i" >"$work/sig$i.txt"
	(cd "$work" && oras attach --plain-http --artifact-type "application/vnd.example.sig$((i % 2))" "$preg/p/img:v1" "sig$i.txt:text/plain" >/dev/null)
done
count=$(oras discover --plain-http --format json "$preg/p/img:v1" | grep -c '"artifactType": "application/vnd.example.sig')
[ "$count" = 5 ] || fail "oras discover saw $count of 5 referrers"
count=$(oras discover --plain-http --format json --artifact-type application/vnd.example.sig1 "$preg/p/img:v1" | grep -c '"artifactType": "application/vnd.example.sig1"')
[ "$count" = 3 ] || fail "oras discover --artifact-type saw $count of 3 referrers"
pages=$(grep -c '/referrers/' "$work/paged.log" || true)
[ "$pages" -ge 5 ] || fail "only $pages referrers requests: the pages were not followed"

step "blob redirects: clients follow a 307 to the blob's signed URL"
start_server rreg redirect -blob-redirect
crane append --insecure -f "$work/layer.tar" -t "$rreg/r/img:v1" >/dev/null
(cd "$work/oras-in" && oras push --plain-http "$rreg/r/oras:v1" blob.bin:application/octet-stream >/dev/null)
rm -rf "$work/redirected" && mkdir -p "$work/redirected"
crane pull --insecure "$rreg/r/img:v1" "$work/redirected/crane.tar" || fail "crane did not follow the redirect"
regctl --host "reg=$rreg,tls=disabled" image export "$rreg/r/img:v1" "$work/redirected/regctl.tar" || fail "regctl did not follow the redirect"
(cd "$work/redirected" && oras pull --plain-http "$rreg/r/oras:v1" >/dev/null) || fail "oras did not follow the redirect"
cmp "$work/oras-in/blob.bin" "$work/redirected/blob.bin" || fail "oras pulled other bytes through the redirect"
grep -q ' 307 ' "$work/redirect.log" || fail "no 307 answered"

step "memory: four concurrent 64 MiB uploads against -max-storage 8 MiB"
start_server mreg memory -max-storage 8388608 -quiet
mpid=${extra_pids[${#extra_pids[@]}-1]}
upload_big() {
	loc=$(curl -fsS -X POST -D - -o /dev/null "http://$mreg/v2/mem/blobs/uploads/" | tr -d '\r' | sed -n 's/^Location: //p')
	case "$loc" in http*) ;; *) loc="http://$mreg$loc" ;; esac
	head -c $((64 << 20)) /dev/zero | curl -s -o /dev/null -w '%{http_code}\n' -X PATCH -H 'Transfer-Encoding: chunked' --data-binary @- "$loc" || true
}
upload_pids=()
for i in 1 2 3 4; do
	upload_big >"$work/mem$i.status" &
	upload_pids+=($!)
done
wait "${upload_pids[@]}"
for i in 1 2 3 4; do
	case "$(cat "$work/mem$i.status")" in 403 | 000) ;; *) fail "upload $i answered $(cat "$work/mem$i.status"), want 403" ;; esac
done
peak=$(awk '/^VmHWM:/ { print $2 }' "/proc/$mpid/status")
echo "    peak RSS of regapi serve: ${peak} kB"
[ "$peak" -lt $((160 * 1024)) ] || fail "peak RSS ${peak} kB, over 160 MB"

# --- authentication ------------------------------------------------------------

for mode in token basic; do
	step "auth ($mode): crane, regctl and oras log in, push, pull, copy and attach; a pull-only user is refused a push"
	start_server areg "auth-$mode" -auth "$mode" -user alice:s3cret -reader bob:r3ad
	home="$work/home-$mode"
	mkdir -p "$home"
	as_user() { # USER PASSWORD: a fresh client configuration logged in as USER
		export HOME="$home/$1" DOCKER_CONFIG="$home/$1/.docker"
		mkdir -p "$DOCKER_CONFIG"
		crane auth login "$areg" -u "$1" -p "$2" >/dev/null 2>&1
		regctl registry set "$areg" --tls disabled >/dev/null 2>&1
		echo "$2" | command regctl registry login "$areg" -u "$1" --pass-stdin >/dev/null 2>&1 || fail "regctl login as $1 ($mode)"
		echo "$2" | oras login --plain-http "$areg" -u "$1" --password-stdin >/dev/null 2>&1 || fail "oras login as $1 ($mode)"
	}
	(
		as_user alice s3cret
		crane append --insecure -f "$work/layer.tar" -t "$areg/a/img:v1" >/dev/null || fail "crane push ($mode)"
		crane pull --insecure "$areg/a/img:v1" "$work/auth-$mode.tar" || fail "crane pull ($mode)"
		crane copy --insecure "$areg/a/img:v1" "$areg/b/img:v1" >/dev/null || fail "crane copy ($mode)"
		command regctl image copy "$areg/a/img:v1" "$areg/c/img:v1" >/dev/null || fail "regctl copy ($mode)"
		command regctl artifact put --subject "$areg/a/img:v1" --artifact-type application/vnd.example.sbom \
			--file "$work/sbom.json" --file-media-type application/json >/dev/null || fail "regctl artifact put ($mode)"
		oras discover --plain-http --format json "$areg/a/img:v1" | grep '"application/vnd.example.sbom"' >/dev/null ||
			fail "oras discover ($mode)"
		(cd "$work/oras-in" && oras push --plain-http "$areg/o/art:v1" blob.bin:application/octet-stream >/dev/null) || fail "oras push ($mode)"
		rm -rf "$work/auth-out" && mkdir -p "$work/auth-out"
		(cd "$work/auth-out" && oras pull --plain-http "$areg/o/art:v1" >/dev/null) || fail "oras pull ($mode)"
		cmp "$work/oras-in/blob.bin" "$work/auth-out/blob.bin" || fail "oras pulled other bytes ($mode)"

		as_user bob r3ad
		crane pull --insecure "$areg/a/img:v1" "$work/auth-bob.tar" || fail "pull-only user's pull ($mode)"
		if crane append --insecure -f "$work/layer.tar" -t "$areg/a/img:bob" >/dev/null 2>&1; then fail "crane pushed as a pull-only user ($mode)"; fi
		if (cd "$work/oras-in" && oras push --plain-http "$areg/o/art:bob" blob.bin:application/octet-stream >/dev/null 2>&1); then
			fail "oras pushed as a pull-only user ($mode)"
		fi
		if command regctl image copy "$areg/a/img:v1" "$areg/a/img:bob" >/dev/null 2>&1; then fail "regctl pushed as a pull-only user ($mode)"; fi
	)
	status=$(curl -s -o /dev/null -w '%{http_code}' "http://$areg/v2/")
	[ "$status" = 401 ] || fail "GET /v2/ without credentials answered $status ($mode)"
done

step "stopping the registry"
kill -TERM "$server_pid"
wait "$server_pid" || fail "regapi serve exited with $?"
server_pid=""
grep -q "regapi serve: stopped" "$work/server.log" || fail "no clean shutdown"
requests=$(grep -c ' /v2/' "$work/server.log" || true)
echo "PASS: integration ($requests requests logged)"
