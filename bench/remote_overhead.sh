#!/bin/bash
# Added time per remote compile of a trivial C file versus gcc directly:
# median wall time over N compiles each (default 200), alternating runs.
#   usage: bench/remote_overhead.sh [N]     (BUILD_DIR=build by default)
set -euo pipefail
. "$(dirname "$0")/common.sh"
N=${1:-200}
start_server 1
printf 'int trivial(int x) { return x + 1; }\n' > "$W/t.c"
cd "$W"
now() { date +%s%N; }
for i in $(seq "$N"); do
	a=$(now); gcc -O2 -c t.c -o g.o; b=$(now)
	"$BIN/clustcc-gcc" gcc -O2 -c t.c -o c.o; c=$(now)
	echo "$(( (b - a) / 1000 )) $(( (c - b) / 1000 ))"
done > times.txt
cmp g.o c.o || { echo "objects differ"; exit 1; }
remote=$("$BIN/clustcc-ctl" -p "$W/port" status --json | jq '.ranks[1].done')
[ "$remote" = "$N" ] || { echo "only $remote of $N compiles ran on the worker"; exit 1; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
g=$(cut -d' ' -f1 times.txt | median)
r=$(cut -d' ' -f2 times.txt | median)
ms() { awk -v us="$1" 'BEGIN {printf "%.2f ms", us / 1000}'; }
echo "compiles: $N local + $N remote (all $remote on worker rank 1, exact_mode=${EXACT_MODE:-true})"
echo "median gcc direct:      $(ms "$g")"
echo "median through clustcc: $(ms "$r")"
echo "added per remote compile (difference of medians): $(ms "$(awk -v a="$r" -v b="$g" 'BEGIN {print a - b}')")"
