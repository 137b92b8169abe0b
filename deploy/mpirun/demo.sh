#!/bin/bash
# The main job: a local clustcc server under mpirun (one head, two workers)
# builds the sample C project with make -j through clustcc-gcc, then shows
# the server's status and drains it.   usage: demo.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "${1:-$ROOT/build}/bin" && pwd)
W=$(mktemp -d /tmp/clustcc-demo.XXXXXX)
trap 'rm -rf "$W"' EXIT
if [ "$(id -u)" = 0 ]; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1   # 3 ranks on a 2-core machine

cat > "$W/clustcc.json" <<JSON
{
  "port_file": "$W/clustcc.port",
  "num_workers": 2,
  "worker_rank_cpus": 2,
  "head_rank_tasks": 0,
  "endpoint": "ipc://$W/clustcc.ipc",
  "logging_level": "info",
  "logging_prefix": "$W/server"
}
JSON
echo "== starting: mpirun -n 3 clustcc-server --config $W/clustcc.json"
mpirun -n 3 "$BIN/clustcc-server" --config "$W/clustcc.json" > "$W/mpirun.out" 2>&1 &
SERVER=$!
for _ in $(seq 300); do [ -s "$W/clustcc.port" ] && break; sleep 0.1; done
[ -s "$W/clustcc.port" ] || { cat "$W/mpirun.out"; echo "server did not start"; exit 1; }

cp -r "$ROOT/tests/data/sample-c" "$W/sample"
echo "== building tests/data/sample-c with make -j4 CC='clustcc-gcc gcc'"
CLUSTCC_PORT_FILE="$W/clustcc.port" CLUSTCC_VERBOSE=1 \
	make -C "$W/sample" -j4 CC="$BIN/clustcc-gcc gcc"
"$W/sample/sample"
echo "== clustcc-ctl status"
"$BIN/clustcc-ctl" --config "$W/clustcc.json" status
echo "== clustcc-ctl drain"
"$BIN/clustcc-ctl" --config "$W/clustcc.json" drain
wait "$SERVER"
echo "== server exited $?; port file removed: $([ -e "$W/clustcc.port" ] && echo no || echo yes)"
