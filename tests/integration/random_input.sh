#!/bin/bash
# Noise at a live server (issue 5, part 7): noise_client throws random
# bytes, every truncation and bit-flipped copies of a valid compile
# request, wrong tokens, oversized requests and raw non-SP TCP garbage at
# a real mpirun head with two workers. Afterwards the server must still
# build the sample project byte-identical to a local gcc build, and
# `clustcc-ctl status` must count exactly the refusals the client got.
#   usage: random_input.sh [N]   (N messages of each kind, default 300)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
N=${1:-300}
MAX=16777216 # max_msg_bytes in lib.sh's write_config
P="$T/proj"
copy_sample "$P"
make -s -C "$P" CC=gcc > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean

write_config 2 1 0
grep -q "\"max_msg_bytes\": $MAX" "$T/cfg.json" || fail "test setup: max_msg_bytes is not $MAX"
start_server 3
SEED=${NOISE_SEED:-$$}
note "noise: $N of each kind, seed $SEED (NOISE_SEED=$SEED repeats it)"
start=$SECONDS
"$BIN/noise_client" "$T/port" "$MAX" "$N" "$SEED" | tee "$T/noise.out" \
	|| fail "noise_client reported failures"
note "noise took $((SECONDS - start)) s"

status_json > "$T/status.json"
sent=$(awk '$1 == "refused" {n += $3} END {print n + 0}' "$T/noise.out")
counted=$(jq '.refused' "$T/status.json")
note "refusals received by the client: $sent; counted by the server: $counted"
[ "$counted" = "$sent" ] || { cat "$T/status.json" >&2; fail "server counted $counted refusals, client got $sent"; }
while read -r _ reason n; do
	got=$(jq ".refusals.\"$reason\" // 0" "$T/status.json")
	[ "$got" = "$n" ] || fail "status counts $got '$reason' refusals, client got $n"
done < <(grep '^refused ' "$T/noise.out")

note "the server still compiles: sample project through clustcc-gcc"
make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" > /dev/null
save_outputs "$P" "$T/remote"
same_outputs "$T/local" "$T/remote"
nsrc=$(ls "$P"/src/*.c | wc -l)
done_workers=$(status_json | jq '[.ranks[1:][].done] | add')
# The noise's own compiles (bit flips, the final valid request) ran there too.
[ "$done_workers" -ge "$nsrc" ] || fail "workers did $done_workers compiles, fewer than the $nsrc sources"
stop_server
note "PASS"
