#!/bin/sh
# validate-openapi.sh [FILE]
#
# Validates the generated OpenAPI document (docs/openapi.json by default)
# with two independent validators, installed from npm into a temporary
# directory at pinned versions:
#
#   - Redocly CLI (redocly lint, "recommended" rules): structure, references,
#     examples against their schemas, and style. Warnings are printed but do
#     not fail; errors do.
#   - APIDevTools swagger-parser (validate): the OpenAPI 3.1 JSON Schema and
#     the reference checks of its own implementation.
#
# Needs node and npm. Exits non-zero when either validator reports an error.
set -eu

REDOCLY_CLI_VERSION=2.77.0
SWAGGER_PARSER_VERSION=12.1.0 # 13.x needs Node.js 22.19 or newer

root=$(cd "$(dirname "$0")/.." && pwd)
spec=${1:-"$root/docs/openapi.json"}
case $spec in /*) ;; *) spec="$(pwd)/$spec" ;; esac
if [ ! -f "$spec" ]; then
	echo "validate-openapi: $spec: no such file" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "validate-openapi: installing @redocly/cli@$REDOCLY_CLI_VERSION and @apidevtools/swagger-parser@$SWAGGER_PARSER_VERSION"
if ! npm install --prefix "$tmp" --no-audit --no-fund --no-save --loglevel=error \
	"@redocly/cli@$REDOCLY_CLI_VERSION" \
	"@apidevtools/swagger-parser@$SWAGGER_PARSER_VERSION" >"$tmp/npm.log" 2>&1; then
	cat "$tmp/npm.log" >&2
	echo "validate-openapi: npm install failed" >&2
	exit 1
fi

# The recommended rules, minus one that does not fit this API: its paths
# /v2/ and /v2/{name}/blobs/uploads/ end in a slash on the wire (the router
# redirects the forms without it), so the document must keep the slash.
cat >"$tmp/redocly.yaml" <<'YAML'
extends:
  - recommended
rules:
  no-path-trailing-slash: off
YAML

status=0

echo "validate-openapi: redocly lint $spec"
# The filter drops the boxed Node.js support notice redocly prints; the
# exit status is kept in a file because a pipeline reports grep's.
{
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		"$tmp/node_modules/.bin/redocly" lint --config "$tmp/redocly.yaml" "$spec"
	echo $? >"$tmp/redocly.status"
} 2>&1 | grep -v -e '^ *[║╔╚]' || true
if [ "$(cat "$tmp/redocly.status")" != 0 ]; then
	echo "validate-openapi: redocly lint reported errors" >&2
	status=1
fi

cat >"$tmp/validate.cjs" <<'JS'
const SwaggerParser = require("@apidevtools/swagger-parser");
const file = process.argv[2];
SwaggerParser.validate(file)
	.then((api) => {
		const ops = Object.values(api.paths || {}).reduce(
			(n, item) => n + ["get", "put", "post", "delete", "options", "head", "patch", "trace"].filter((m) => item[m]).length,
			0,
		);
		console.log(`swagger-parser: ${file} is a valid OpenAPI ${api.openapi} document (${Object.keys(api.paths || {}).length} paths, ${ops} operations)`);
	})
	.catch((err) => {
		console.error(`swagger-parser: ${file}: ${err.message}`);
		process.exit(1);
	});
JS

echo "validate-openapi: swagger-parser validate $spec"
if ! node "$tmp/validate.cjs" "$spec"; then
	status=1
fi

if [ "$status" -ne 0 ]; then
	echo "validate-openapi: FAILED" >&2
else
	echo "validate-openapi: both validators passed"
fi
exit "$status"
