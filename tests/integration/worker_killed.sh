#!/bin/bash
# A worker rank is killed (SIGKILL) in the middle of a build: mpirun tears
# the server down, every waiting client falls back to a local compile at
# once (no hang until CLUSTCC_TIMEOUT), and the build finishes with objects
# identical to a local build. The next build, facing the stale port file,
# compiles locally too.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
P="$T/proj"
copy_sample "$P"
for i in $(seq 1 40); do
	sed "s/fib/fib_$i/g" "$P/src/fib.c" > "$P/src/gen_$i.c"
done
objs=$(cd "$P" && ls src/*.c | sed 's|src/\(.*\)\.c|obj/\1.o|')
make -s -C "$P" CC=gcc obj $objs > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean

write_config 2 1 0
start_server 3
start=$SECONDS
make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" obj $objs > "$T/build.out" 2>&1 &
BUILD=$!
WAIT_S=60 wait_for sh -c "[ \$(\"$BIN/clustcc-ctl\" --port-file \"$T/port\" status --json | jq .completed) -ge 3 ]" \
	|| fail "no remote compile before the kill"
head_pid=$(awk '$1 == "pid" {print $2}' "$T/port")
victim=$(pgrep -f "^$BIN/clustcc-server --config $T/cfg.json" | grep -vx "$head_pid" | head -1)
note "killing worker pid $victim"
kill -KILL "$victim"
wait "$BUILD" || { cat "$T/build.out" >&2; fail "build failed after a worker was killed"; }
note "build finished $((SECONDS - start)) s after it started"
[ $((SECONDS - start)) -lt 120 ] || fail "clients waited too long"
save_outputs "$P" "$T/remote"
same_outputs "$T/local" "$T/remote"
wait "$SERVER_PID" || true
SERVER_PID=

note "stale port file: the next build is local and identical"
make -s -C "$P" clean
make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" obj $objs > /dev/null
save_outputs "$P" "$T/stale"
same_outputs "$T/local" "$T/stale"
note "PASS"
