#!/bin/bash
# Wall time of one `clustcc-ctl status --json` (process start, port file,
# connect, request, reply, JSON) against an idle server with 2 workers:
# median and 95th percentile over N calls (default 200). Status is answered
# by the dispatcher thread, so this is also the latency a status request adds
# to that loop's turn.   usage: bench/status_latency.sh [N]
set -euo pipefail
. "$(dirname "$0")/common.sh"
N=${1:-200}
start_server 2
now() { date +%s%N; }
for _ in $(seq "$N"); do
	a=$(now)
	"$BIN/clustcc-ctl" -p "$W/port" status --json > "$W/s.json"
	b=$(now)
	echo $(( (b - a) / 1000 ))
done | sort -n > "$W/times.txt"
pct() { awk -v p="$1" '{v[NR]=$1} END {i=int(NR*p); if (i<1) i=1; printf "%.2f ms", v[i]/1000}' "$W/times.txt"; }
echo "status calls: $N; bytes in/out counted by the head: $(jq -r '"\(.bytes_in) / \(.bytes_out)"' "$W/s.json")"
echo "median: $(pct 0.5)   p95: $(pct 0.95)"
