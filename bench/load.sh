#!/bin/bash
# Load test (issue 5, part 6): CLIENTS concurrent clients x PER_CLIENT
# compiles each against one real mpirun server on this machine, every reply
# checked against a local compile (bench/loadgen.c). Prints the figures
# (jobs/s, latency percentiles, server RSS) and fails on any wrong or lost
# result.
#   usage: bench/load.sh [CLIENTS] [PER_CLIENT] [drain]
#     drain: send `clustcc-ctl drain` once a third of the compiles are
#     done; every accepted job must still be answered (object or draining
#     refusal), the server must exit 0 and remove its port file.
#   Environment: BUILD_DIR (default build), WORKERS (default 2),
#   EXACT_MODE (default false: shipped sources, one gcc run per job).
set -euo pipefail
. "$(dirname "$0")/common.sh"
CLIENTS=${1:-64}
PER_CLIENT=${2:-1000}
MODE=${3:-}
WORKERS=${WORKERS:-2}
EXACT_MODE=${EXACT_MODE:-false}
case $MODE in ''|drain) ;; *) echo "usage: $0 [CLIENTS] [PER_CLIENT] [drain]" >&2; exit 2;; esac

# A tcp endpoint, as across nodes: every compile is a new connection.
cat > "$W/cfg.json" <<JSON
{ "port_file": "$W/port", "num_workers": $WORKERS, "worker_rank_cpus": 1,
  "head_rank_tasks": 0, "endpoint": "tcp://127.0.0.1:0",
  "advertise_host": "127.0.0.1", "logging_level": "warning",
  "logging_prefix": "$W/server", "scratch_dir": "$W", "exact_mode": $EXACT_MODE }
JSON
export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo
mpirun -n $((WORKERS + 1)) "$BIN/clustcc-server" --config "$W/cfg.json" > "$W/mpirun.out" 2>&1 &
SERVER=$!
for _ in $(seq 600); do [ -s "$W/port" ] && break; sleep 0.1; done
[ -s "$W/port" ] || { cat "$W/mpirun.out"; exit 1; }
PIDS=()
for p in $(rank_pids); do PIDS+=(--pid "$p"); done
mkdir "$W/src"
echo "server: $WORKERS worker ranks x 1 slot, exact_mode=$EXACT_MODE; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN/loadgen" --port-file "$W/port" --dir "$W/src" --clients "$CLIENTS" \
	--per-client "$PER_CLIENT" ${MODE:+--drain} "${PIDS[@]}" > "$W/loadgen.out" &
GEN=$!
rc=0
if [ "$MODE" = drain ]; then
	total=$((CLIENTS * PER_CLIENT))
	# Drain once a third is done: clients are in flight and queued.
	until [ "$("$BIN/clustcc-ctl" -p "$W/port" status --json 2>/dev/null | jq .completed)" -ge $((total / 3)) ] 2>/dev/null; do
		kill -0 "$GEN" 2>/dev/null || break
		sleep 0.2
	done
	"$BIN/clustcc-ctl" -p "$W/port" drain || rc=1
	srv=0
	wait "$SERVER" || srv=$?
	SERVER=
	echo "server exit code: $srv"
	[ "$srv" = 0 ] || rc=1
	if [ -e "$W/port" ]; then echo "FAIL: port file still there"; rc=1; fi
fi
wait "$GEN" || rc=1
cat "$W/loadgen.out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (machine shared: jobs/s is noisy)"
if [ -n "$SERVER" ]; then
	echo "server log warnings/errors:"; cat "$W"/server.*.log 2>/dev/null | grep -v 'listening on' | head -20 || true
fi
exit $rc
