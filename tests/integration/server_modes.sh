#!/bin/bash
# The other ways to run and stop a server, and to call the wrapper:
#  - head only (num_workers 0, head_rank_tasks 2): compiles run on rank 0;
#  - MPMD launch (mpirun -n 1 ... : -n 2 ...) with the wrapper called as
#    "gcc" through a symlink first on PATH;
#  - SIGTERM to the head drains: exit 0, port file gone;
#  - hostile requests get typed refusals and the server keeps serving.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
P="$T/proj"
copy_sample "$P"
make -s -C "$P" CC=gcc > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean
nsrc=$(ls "$P"/src/*.c | wc -l)

note "head only: num_workers 0, head_rank_tasks 2"
write_config 0 1 2
start_server 1
make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" > /dev/null
save_outputs "$P" "$T/head"
same_outputs "$T/local" "$T/head"
status_json > "$T/status.json"
[ "$(jq '.ranks[0].done' "$T/status.json")" = "$nsrc" ] || { cat "$T/status.json" >&2; fail "head did not run the compiles"; }
stop_server
make -s -C "$P" clean

note "MPMD launch, wrapper as a symlink named gcc"
write_config 2 1 0
ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
mpirun -n 1 "$BIN/clustcc-server" --config "$T/cfg.json" : \
	-n 2 "$BIN/clustcc-server" --config "$T/cfg.json" > "$T/mpirun.out" 2>&1 &
SERVER_PID=$!
WAIT_S=60 wait_for test -s "$T/port" || fail "MPMD server did not start"
export CLUSTCC_PORT_FILE="$T/port"
mkdir -p "$T/wrap"
ln -s "$BIN/clustcc-gcc" "$T/wrap/gcc"
PATH="$T/wrap:$PATH" make -s -C "$P" -j4 CC=gcc > /dev/null
save_outputs "$P" "$T/mpmd"
same_outputs "$T/local" "$T/mpmd"
total=$(status_json | jq '[.ranks[1:][].done] | add')
[ "$total" = "$nsrc" ] || fail "workers ran $total of $nsrc compiles via the symlink"

note "hostile requests"
"$BIN/hostile_client" "$T/port" 16777216 || fail "hostile requests"
[ "$(status_json | jq '.refused')" -ge 6 ] || fail "refusals not counted"

note "SIGTERM to the head drains"
head_pid=$(awk '$1 == "pid" {print $2}' "$T/port")
kill -TERM "$head_pid"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=
[ "$rc" = 0 ] || { cat "$T/mpirun.out" >&2; fail "server exited $rc after SIGTERM"; }
[ ! -e "$T/port" ] || fail "port file left after SIGTERM"

note "unusable scratch directory on the workers: compiles fall back, build identical"
make -s -C "$P" clean
write_config 2 1 0
sed -i "s|\"scratch_dir\": \"$T\"|\"scratch_dir\": \"$T/no/such/dir\"|" "$T/cfg.json"
grep -q no/such/dir "$T/cfg.json" || fail "test setup: scratch_dir not replaced"
start_server 3
make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" > /dev/null
save_outputs "$P" "$T/noscratch"
same_outputs "$T/local" "$T/noscratch"
failed=$(status_json | jq '[.ranks[].failed] | add')
[ "$failed" = "$nsrc" ] || fail "$failed of $nsrc compiles counted as failed on the workers"
[ "$(status_json | jq '.local_reasons.worker_failed')" = "$nsrc" ] || fail "local reason worker_failed not counted"
stop_server
note "PASS"
