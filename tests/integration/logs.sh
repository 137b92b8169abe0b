#!/bin/bash
# Logs: logging_prefix is a directory (created when missing) holding
# head.log and worker-N.log. At info the head writes exactly one line per
# compile naming its source and rank, each worker one line per job it ran;
# at debug a job can be followed end to end. A logging_prefix that cannot
# be created is reported naming the key and the path, and the server still
# serves (logging to stderr).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
P="$T/proj"
copy_sample "$P"
nsrc=$(ls "$P"/src/*.c | wc -l)
TS='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z clustcc-server\[[0-9]+\]'

note "info: one line per job on the head and on the worker that ran it"
write_config 2 1 0
sed -i "s|\"logging_prefix\": .*|\"logging_prefix\": \"$T/logs/info\",|" "$T/cfg.json"
start_server 3
make -s -C "$P" -j2 CC="$BIN/clustcc-gcc gcc" > /dev/null
stop_server
L="$T/logs/info"
[ "$(stat -c %a "$L")" = 755 ] || fail "log directory mode is $(stat -c %a "$L"), not 755"
ls "$L" >&2
for f in head.log worker-1.log worker-2.log; do
	[ -s "$L/$f" ] || fail "$f missing or empty"
done
[ "$(ls "$L" | wc -l)" = 3 ] || fail "unexpected files in $L: $(ls "$L")"
grep -Eq "$TS H0 " "$L/head.log" || fail "head.log lines lack time, program, pid or H0"
grep -Eq "$TS W1 " "$L/worker-1.log" || fail "worker-1.log lines lack W1"
# One line per compile at the head: "job N: src/x.c: rank R, MODE, run ..."
jobre='INFO dispatch: job [0-9]+: src/[a-z]+\.c: rank [12], (exact|shipped), run [0-9]+ ms, total [0-9]+ ms: ok$'
n_head=$(grep -Ec "$jobre" "$L/head.log")
[ "$n_head" = "$nsrc" ] || { cat "$L/head.log" >&2; fail "head.log has $n_head job lines for $nsrc compiles"; }
for s in "$P"/src/*.c; do
	s=src/$(basename "$s")
	[ "$(grep -Ec "job [0-9]+: $s: " "$L/head.log")" = 1 ] || fail "head.log does not have exactly one line for $s"
done
# Every job line of the head has its twin in the log of the rank it names.
grep -E "$jobre" "$L/head.log" | sed -E 's/.*job ([0-9]+): ([^:]+): rank ([0-9]+),.*/\1 \2 \3/' |
while read -r id src rank; do
	grep -Eq "W$rank INFO worker: job $id: $src: (exact|shipped), run [0-9]+ ms, total [0-9]+ ms: ok$" \
		"$L/worker-$rank.log" || fail "worker-$rank.log has no line for job $id ($src)"
done
n_w=$(cat "$L"/worker-*.log | grep -c 'INFO worker: job ')
[ "$n_w" = "$nsrc" ] || fail "workers logged $n_w job lines for $nsrc compiles"
grep -q ' DEBUG ' "$L"/*.log && fail "debug lines at logging_level info"

note "debug: a job can be followed end to end"
make -s -C "$P" clean
write_config 2 1 0
sed -i -e "s|\"logging_prefix\": .*|\"logging_prefix\": \"$T/logs/debug\",|" \
	-e 's|"logging_level": .*|"logging_level": "debug",|' "$T/cfg.json"
start_server 3
make -s -C "$P" CC="$BIN/clustcc-gcc gcc" obj obj/fib.o > /dev/null
stop_server
L="$T/logs/debug"
id=$(sed -nE 's/.*job ([0-9]+): src\/fib\.c: received.*/\1/p' "$L/head.log")
[ -n "$id" ] || { cat "$L/head.log" >&2; fail "no 'received' line for fib.c"; }
for step in "received" "queued" "sent to rank [12]" "rank [12], (exact|shipped), run" "replied"; do
	grep -Eq "H0 (DEBUG|INFO) [a-z]+: job $id: (src/fib.c: )?$step" "$L/head.log" ||
		{ cat "$L/head.log" >&2; fail "head.log: job $id: no '$step'"; }
done
grep -Eq "W[12] DEBUG worker: job $id: src/fib.c: started" "$L"/worker-*.log || fail "no worker says job $id started"
grep -Eq "W[12] INFO worker: job $id: src/fib.c: .*: ok" "$L"/worker-*.log || fail "no worker says job $id finished"

note "a logging_prefix that cannot be created: the error names key and path; compiles still work"
make -s -C "$P" clean
echo "a file" > "$T/plain"
write_config 2 1 0
sed -i "s|\"logging_prefix\": .*|\"logging_prefix\": \"$T/plain/logs\",|" "$T/cfg.json"
start_server 3
make -s -C "$P" -j2 CC="$BIN/clustcc-gcc gcc" > /dev/null
[ "$(status_json | jq '[.ranks[].done] | add')" = "$nsrc" ] || fail "compiles did not run remotely"
stop_server
grep -q "key 'logging_prefix': cannot create log directory '$T/plain" "$T/mpirun.out" ||
	{ cat "$T/mpirun.out" >&2; fail "no error naming logging_prefix and its path"; }
grep -Eq "H0 INFO dispatch: job [0-9]+: src/fib.c: rank" "$T/mpirun.out" || fail "logs did not fall back to stderr"
note "PASS"
