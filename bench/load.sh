#!/bin/bash
# Load test (issue 5, part 6): CLIENTS concurrent clients x PER_CLIENT
# compiles each against one real mpirun server on this machine, every reply
# checked against a local compile by bench/loadgen.c. Prints the figures
# (jobs/s, latency percentiles, server RSS before/after) and exits 1 on any
# wrong or lost result, a server that does not exit 0, or a port file left.
#   usage: bench/load.sh [CLIENTS] [PER_CLIENT] [drain]
#     default 64 1000. drain: `clustcc-ctl drain` once a third of the
#     compiles are done, with clients in flight: every accepted job must
#     be answered (a correct object or a draining refusal); after the
#     server is gone clients count "server gone" (a wrapper compiles
#     locally then).
#   Environment: BUILD_DIR (default build), WORKERS (default 2 ranks x 1
#   slot), EXACT_MODE (default false: shipped source, one gcc run per job;
#   true: the worker also re-preprocesses in the client's directory),
#   MAX_QUEUED (max_queued_jobs, default 1024), HEAD_GROWTH_KIB (fail if
#   the head's RSS grows more during the run: default 8192, none under
#   ASan, whose quarantine keeps freed memory).
set -euo pipefail
. "$(dirname "$0")/common.sh"
CLIENTS=${1:-64}
PER_CLIENT=${2:-1000}
MODE=${3:-}
WORKERS=${WORKERS:-2}
EXACT_MODE=${EXACT_MODE:-false}
MAX_QUEUED=${MAX_QUEUED:-1024}
HEAD_GROWTH_KIB=${HEAD_GROWTH_KIB:-8192}
ldd "$BIN/clustcc-server" | grep -q libasan && HEAD_GROWTH_KIB=
case $MODE in ''|drain) ;; *) echo "usage: $0 [CLIENTS] [PER_CLIENT] [drain]" >&2; exit 2;; esac
ctl() { "$BIN/clustcc-ctl" -p "$W/port" "$@"; }

# A tcp endpoint, as across nodes: every compile is a new connection.
cat > "$W/cfg.json" <<JSON
{ "port_file": "$W/port", "num_workers": $WORKERS, "worker_rank_cpus": 1,
  "head_rank_tasks": 0, "endpoint": "tcp://127.0.0.1:0",
  "advertise_host": "127.0.0.1", "logging_level": "warning",
  "logging_prefix": "$W/server", "scratch_dir": "$W", "exact_mode": $EXACT_MODE,
  "max_queued_jobs": $MAX_QUEUED }
JSON
export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo
# Under ASan: Open MPI's own leaks cannot be suppressed by name (see
# tests/integration/lib.sh); leaks are checked in loadgen, not the server.
ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
mpirun -n $((WORKERS + 1)) "$BIN/clustcc-server" --config "$W/cfg.json" > "$W/mpirun.out" 2>&1 &
SERVER=$!
for _ in $(seq 600); do [ -s "$W/port" ] && break; sleep 0.1; done
[ -s "$W/port" ] || { cat "$W/mpirun.out"; exit 1; }
PIDS=()
for p in $(rank_pids); do PIDS+=(--pid "$p"); done
mkdir "$W/src"
echo "server: $WORKERS worker ranks x 1 slot, exact_mode=$EXACT_MODE, max_queued_jobs=$MAX_QUEUED, tcp; $(nproc) cores shared, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN/loadgen" --port-file "$W/port" --dir "$W/src" --clients "$CLIENTS" \
	--per-client "$PER_CLIENT" ${MODE:+--drain} "${PIDS[@]}" \
	${HEAD_GROWTH_KIB:+--max-head-growth-kib "$HEAD_GROWTH_KIB"} > "$W/loadgen.out" &
GEN=$!
rc=0
if [ "$MODE" = drain ]; then
	third=$((CLIENTS * PER_CLIENT / 3))
	done_now() { ctl status --json 2>/dev/null | jq -e .completed || echo 0; }
	while [ "$(done_now)" -lt "$third" ] && kill -0 "$GEN" 2>/dev/null; do
		sleep 0.2
	done
	ctl drain 2> "$W/drain.out" || rc=1
else
	wait "$GEN" || rc=1
	GEN=
	ctl drain 2> "$W/drain.out" || rc=1
fi
cat "$W/drain.out"
srv=0
wait "$SERVER" || srv=$?
SERVER=
[ -z "$GEN" ] || wait "$GEN" || rc=1
cat "$W/loadgen.out"
echo "server exit code: $srv"
[ "$srv" = 0 ] || { rc=1; cat "$W/mpirun.out"; }
if [ -e "$W/port" ]; then echo "FAIL: port file still there after drain"; rc=1; fi
# Every compile the head answered reached a client: its count of results
# sent equals the clients' count of objects (no worker failures here).
# Logs: <prefix>.<rank>.log, or <prefix>/head.log and worker-N.log.
logs() { cat "$W"/server.*.log "$W"/server/*.log 2>/dev/null || true; }
served=$(logs | sed -n 's/.*drain complete: \([0-9]*\) compiles served.*/\1/p')
ok=$(sed -n 's/^sent [0-9]*  ok \([0-9]*\) .*/\1/p' "$W/loadgen.out")
echo "head: $served compiles served; clients: $ok correct objects"
[ -n "$served" ] && [ "$served" = "$ok" ] || { echo "FAIL: served and received differ"; rc=1; }
if logs | grep -v -e 'listening on' -e 'draining (' -e 'drain complete' > "$W/warnings"; then
	echo "server warnings/errors ($(wc -l < "$W/warnings") lines, first 10):"
	head -10 "$W/warnings"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (machine shared with other builds: jobs/s is low and noisy)"
echo "load.sh: $([ $rc = 0 ] && echo PASS || echo FAIL)"
exit $rc
