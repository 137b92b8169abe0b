#!/bin/bash
# Stopping the server while a slow compile runs on a worker.
# (a) SIGINT twice to the head during a make -j build: the server stops at
#     once (the slow compile is abandoned and its client compiles locally),
#     the build still succeeds with objects identical to a local build, no
#     port file, no server or compiler process is left behind.
# (b) `clustcc-ctl drain --timeout 1` while a slow compile runs: exits
#     non-zero naming the job still in flight and its rank; the server then
#     finishes the job, exits 0 and removes its port file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DOCS="$(dirname "$0")/../../docs"
P="$T/proj"
copy_sample "$P"
# A source that takes a few seconds at -O2 (~2 s of CPU on an idle core).
for i in $(seq 1 600); do
	printf 'int f%d(int x){int s=%d;for(int i=0;i<x;i++){s+=i*%d^(s>>3);if(s%%%d==3)s-=x;}return s;}\n' \
		"$i" "$i" "$i" $((i + 7))
done > "$P/src/slow.c"
objs=$(cd "$P" && ls src/*.c | sed 's|src/\(.*\)\.c|obj/\1.o|')
make -s -C "$P" CC=gcc obj $objs > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean

# slow_running : true once the head reports slow.c running on a worker.
slow_running() {
	status_json 2>/dev/null |
		jq -e '[.jobs[] | select(.source == "src/slow.c" and .rank > 0)] | length == 1' > /dev/null
}

# procs_in_T : pids of processes whose cwd or command line is in $T.
procs_in_T() {
	local p
	for p in /proc/[0-9]*; do
		[ "$p" != "/proc/$$" ] || continue
		if readlink "$p/cwd" 2>/dev/null | grep -q "^$T" ||
			tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q "$T/cfg.json"; then
			echo "${p#/proc/}"
		fi
	done
}

note "(a) two SIGINTs to the head while slow.c compiles remotely"
write_config 2 1 0
start_server 3
head_pid=$(awk '$1 == "pid" {print $2}' "$T/port")
# slow.c first, so it is running while the rest of the build goes on.
make -s -C "$P" -j3 CC="$BIN/clustcc-gcc gcc" obj obj/slow.o $objs > "$T/build.out" 2>&1 &
BUILD=$!
WAIT_S=60 wait_for slow_running || fail "slow.c never ran on a worker"
kill -INT "$head_pid"
sleep 0.2
kill -INT "$head_pid"
stopped=$(date +%s%N)
rc=0
WAIT_S=20 wait_for sh -c "! kill -0 $SERVER_PID 2>/dev/null" || rc=1
[ "$rc" = 0 ] || { cat "$T/mpirun.out" >&2; fail "server still running 20 s after the second SIGINT"; }
wait "$SERVER_PID" || note "mpirun exited $?"
SERVER_PID=
note "server gone $((($(date +%s%N) - stopped) / 1000000)) ms after the second SIGINT (polled every 0.1 s)"
[ ! -e "$T/port" ] || fail "port file left behind after a stop-now"
grep -q 'stopping now' "$T/server/head.log" || fail "head.log does not record the stop-now"
grep -q 'job [0-9]*: src/slow.c: rank [12], abandoned' "$T/server/head.log" ||
	{ cat "$T/server/head.log" >&2; fail "head.log does not name the abandoned slow.c job"; }
grep -q 'job [0-9]*: src/slow.c: abandoned' "$T"/server/worker-*.log ||
	{ cat "$T"/server/worker-*.log >&2; fail "no worker log says it killed the slow.c compile"; }
wait "$BUILD" || { cat "$T/build.out" >&2; fail "build failed after a stop-now"; }
save_outputs "$P" "$T/remote"
same_outputs "$T/local" "$T/remote"
left=$(procs_in_T)
[ -z "$left" ] || { ps -o pid,args -p $left >&2; fail "processes left behind: $left"; }

note "(b) drain --timeout 1 while slow.c compiles remotely"
rm -rf "$P/obj" && mkdir -p "$P/obj"
start_server 3
(cd "$P" && "$BIN/clustcc-gcc" gcc -Iinclude -DSAMPLE_VERSION='"1.0"' -O2 -Wall \
	-MMD -MP -c src/slow.c -o obj/slow.o) > "$T/slow.out" 2>&1 &
SLOW=$!
WAIT_S=60 wait_for slow_running || fail "slow.c never ran on a worker"
# Every key status --json prints (a job is running, so .jobs[] has one) is
# documented in docs/status.md; reason names under refusals and
# local_reasons are data, not keys.
status_json > "$T/status.json"
keys=$(jq -r '[paths | map(select(type == "string")) | select(length > 0)
	| select((.[0] == "refusals" or .[0] == "local_reasons") and length > 1 | not)
	| last] | unique[]' "$T/status.json")
[ "$(echo "$keys" | wc -l)" -ge 20 ] || fail "too few status keys: $keys"
for k in $keys; do
	grep -q "^| \`$k\` |" "$DOCS/status.md" || fail "status key '$k' is not documented in docs/status.md"
done
rc=0
"$BIN/clustcc-ctl" --port-file "$T/port" drain --timeout 1 2> "$T/drain.err" || rc=$?
cat "$T/drain.err" >&2
[ "$rc" != 0 ] || fail "drain --timeout 1 exited 0 with a compile in flight"
grep -q 'timeout after 1 s: server pid [0-9]* still running, 1 jobs in flight on rank [12]' "$T/drain.err" ||
	fail "drain did not say what is still running"
grep -q 'job [0-9]* on rank [12] .*: src/slow.c' "$T/drain.err" || fail "drain did not name the job"
wait "$SLOW" || { cat "$T/slow.out" >&2; fail "the slow compile failed"; }
cmp "$P/obj/slow.o" "$T/local/slow.o" || fail "slow.o differs"
rc=0
WAIT_S=60 wait_for sh -c "! kill -0 $SERVER_PID 2>/dev/null" || fail "server did not finish its drain"
wait "$SERVER_PID" || rc=$?
SERVER_PID=
[ "$rc" = 0 ] || { cat "$T/mpirun.out" >&2; fail "server exited $rc after its drain"; }
[ ! -e "$T/port" ] || fail "port file still there after the drain"
grep -q 'job [0-9]*: src/slow.c: rank [12], exact, run [0-9]* ms, total [0-9]* ms: ok' "$T/server/head.log" ||
	fail "head.log has no line for the drained slow.c job"
note "PASS"
