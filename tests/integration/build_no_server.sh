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
note "PASS: builds without a server are local and identical"
