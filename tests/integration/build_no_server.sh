#!/bin/bash
# (b) no server: the same build succeeds locally with identical outputs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
P="$T/proj"
copy_sample "$P"
make -s -C "$P" CC=gcc > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean
# A port file that names nothing, and one that does not exist.
export CLUSTCC_PORT_FILE="$T/missing.port"
make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" > /dev/null
save_outputs "$P" "$T/nofile"
same_outputs "$T/local" "$T/nofile"
make -s -C "$P" clean
printf 'clustcc-portfile 1\nendpoint tcp://127.0.0.1:1\ntoken %064d\npid 1\n' 0 > "$T/stale.port"
chmod 600 "$T/stale.port"
CLUSTCC_PORT_FILE="$T/stale.port" make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" > /dev/null
save_outputs "$P" "$T/stale"
same_outputs "$T/local" "$T/stale"
"$P/sample" > /dev/null || fail "program does not run"

# A server host that is gone: connects hang (SYNs dropped). The first
# compile gives up after the connect timeout (3 s), the rest do not wait.
"$BIN/blackhole" > "$T/bh.port" &
BH=$!
WAIT_S=10 wait_for test -s "$T/bh.port" || fail "blackhole did not start"
# A fresh random token: the "unreachable" marker is keyed by it.
printf 'clustcc-portfile 1\nendpoint tcp://127.0.0.1:%s\ntoken %s\npid 1\n' \
	"$(cat "$T/bh.port")" "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
	> "$T/gone.port"
chmod 600 "$T/gone.port"
make -s -C "$P" clean
start=$SECONDS
CLUSTCC_PORT_FILE="$T/gone.port" make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" > /dev/null
took=$((SECONDS - start))
kill "$BH"
save_outputs "$P" "$T/gone"
same_outputs "$T/local" "$T/gone"
[ "$took" -lt 15 ] || fail "a build facing a dead server took $took s"
note "build facing a dead server host: $took s"
note "PASS: builds without a server are local and identical"
