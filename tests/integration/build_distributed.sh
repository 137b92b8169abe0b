#!/bin/bash
# (a) make -j4 of the sample project through clustcc-gcc with a real
# mpirun server (head + 2 workers): objects and .d files byte-identical to a
# local gcc build, the program runs, and status shows jobs on every worker.
#   usage: build_distributed.sh exact|shipped "CFLAGS"
# exact: workers verify and run the client's command in its directory;
# shipped: workers compile the shipped preprocessed source (exact_mode false).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
MODE=${1:-exact}
CFLAGS=${2:--O2 -Wall}
P="$T/proj"
copy_sample "$P"
make -s -C "$P" CC=gcc CFLAGS="$CFLAGS" > /dev/null
save_outputs "$P" "$T/local"
"$P/sample" > "$T/local.out"
make -s -C "$P" clean

write_config 2 2 0 "$([ "$MODE" = exact ] && echo true || echo false)"
start_server 3
CLUSTCC_LOG="$T/client.log" make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" \
	CFLAGS="$CFLAGS" > /dev/null
save_outputs "$P" "$T/remote"
same_outputs "$T/local" "$T/remote"
"$P/sample" > "$T/remote.out"
cmp "$T/local.out" "$T/remote.out" || fail "program output differs"

status_json > "$T/status.json"
cat "$T/status.json" >&2
nsrc=$(ls "$P"/src/*.c | wc -l)
for r in 1 2; do
	done_r=$(jq ".ranks[$r].done" "$T/status.json")
	[ "$done_r" -gt 0 ] || fail "rank $r ran no compile"
done
total=$(jq '[.ranks[].done] | add' "$T/status.json")
[ "$total" = "$nsrc" ] || fail "ranks ran $total compiles, expected $nsrc (a fallback?)"
[ "$(jq '.ranks[0].done' "$T/status.json")" = 0 ] || fail "head ran compiles with head_rank_tasks=0"
want=$([ "$MODE" = exact ] && echo exact || echo shipped)
n_mode=$(grep -c "remote: .* $want mode, exit 0" "$T/client.log" || true)
n_exact=$(jq '[.ranks[].exact] | add' "$T/status.json")
[ "$n_exact" = "$([ "$MODE" = exact ] && echo "$nsrc" || echo 0)" ] \
	|| fail "status counts $n_exact exact-mode compiles in $MODE mode"
[ "$n_mode" = "$nsrc" ] || { cat "$T/client.log" >&2; fail "$n_mode of $nsrc compiles in $want mode"; }
stop_server
note "PASS: $nsrc compiles on worker ranks in $want mode with '$CFLAGS', outputs identical"
