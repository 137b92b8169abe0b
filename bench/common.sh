# common.sh - start/stop a local clustcc server for benchmarks (sourced).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(cd "${BUILD_DIR:-$ROOT/build}/bin" && pwd)
W=$(mktemp -d /tmp/clustcc-bench.XXXXXX)
SERVER=
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
bench_cleanup() {
	[ -n "$SERVER" ] && "$BIN/clustcc-ctl" -p "$W/port" drain >/dev/null 2>&1
	[ -n "$SERVER" ] && wait "$SERVER" 2>/dev/null
	rm -rf "$W"
}
trap bench_cleanup EXIT

# start_server NWORKERS
start_server() {
	cat > "$W/cfg.json" <<JSON
{ "port_file": "$W/port", "num_workers": $1, "worker_rank_cpus": 1,
  "head_rank_tasks": 0, "endpoint": "ipc://$W/s.ipc", "logging_level": "warning",
  "exact_mode": ${EXACT_MODE:-true} }
JSON
	mpirun -n $(($1 + 1)) "$BIN/clustcc-server" --config "$W/cfg.json" > "$W/mpirun.out" 2>&1 &
	SERVER=$!
	for _ in $(seq 300); do [ -s "$W/port" ] && break; sleep 0.1; done
	[ -s "$W/port" ] || { cat "$W/mpirun.out"; exit 1; }
	export CLUSTCC_PORT_FILE="$W/port"
}

# rank_pids : pids of the server's MPI ranks, head first (from the port file).
rank_pids() {
	local head
	head=$(awk '$1 == "pid" {print $2}' "$W/port")
	echo "$head"
	pgrep -f "^$BIN/clustcc-server --config $W/cfg.json" | grep -vx "$head"
}
