#!/bin/bash
# Load test (issue 5, part 6) as a ctest: bench/load.sh CLIENTS PER_CLIENT
# [drain] against a real mpirun server, every reply checked by
# bench/loadgen.c (it fails on any wrong or lost result, a server exit
# other than 0 or a port file left behind). Here also: the drain really
# happened in the middle (jobs in flight, objects before it, draining
# refusals or a vanished server after it).
#   usage: load.sh CLIENTS PER_CLIENT [drain]     (BIN: the build's bin/)
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mktemp /tmp/clustcc-it-load.XXXXXX)
trap 'rm -f "$OUT"' EXIT
BUILD_DIR=$(dirname "$BIN") "$ROOT/bench/load.sh" "$@" > "$OUT" 2>&1 \
	|| { cat "$OUT"; fail "bench/load.sh $*"; }
cat "$OUT"
ok=$(sed -n 's/^sent [0-9]*  ok \([0-9]*\) .*/\1/p' "$OUT")
[ "${ok:-0}" -gt 0 ] || fail "no correct object at all"
if [ "${3:-}" = drain ]; then
	inflight=$(sed -n 's/.*draining; \([0-9]*\) jobs in flight.*/\1/p' "$OUT")
	[ "${inflight:-0}" -gt 0 ] || fail "the drain did not find jobs in flight"
	grep -Eq '^refused:.* draining [0-9]+|^transport: server gone [1-9]' "$OUT" \
		|| fail "no client saw the drain"
else
	[ "$ok" = $(($1 * $2)) ] || fail "$ok correct objects, expected $(($1 * $2))"
fi
echo "PASS: load $*"
