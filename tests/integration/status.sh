#!/bin/bash
# clustcc-ctl status: the table, the JSON figures (schema, bytes in/out,
# jobs per second, running jobs), and --watch: blocks separated by a blank
# line when stdout is not a terminal, clear-and-redraw on a terminal, exit 0
# on Ctrl-C, exit 4 (no server) saying so when the server goes away.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
P="$T/proj"
copy_sample "$P"
nsrc=$(ls "$P"/src/*.c | wc -l)
CTL=("$BIN/clustcc-ctl" --port-file "$T/port")

write_config 2 1 0
start_server 3
make -s -C "$P" -j2 CC="$BIN/clustcc-gcc gcc" > /dev/null
status_json > "$T/s.json"
cat "$T/s.json" >&2
j() { jq "$1" "$T/s.json"; }
[ "$(j .schema)" = 1 ] || fail "schema is not 1"
[ "$(j .completed)" = "$nsrc" ] || fail "completed $(j .completed), expected $nsrc"
[ "$(j '.bytes_in > 10000')" = true ] || fail "bytes_in $(j .bytes_in) too small for $nsrc preprocessed sources"
[ "$(j '.bytes_out > 1000')" = true ] || fail "bytes_out $(j .bytes_out) too small for $nsrc objects"
[ "$(j '.jobs_per_s > 0 and .recent_jobs_per_s > 0')" = true ] || fail "jobs per second not positive"
[ "$(j '.recent_window_ms > 0 and .recent_window_ms <= .uptime_ms')" = true ] || fail "bad recent_window_ms"
[ "$(j '.jobs | length')" = 0 ] || fail "jobs running after the build"
"${CTL[@]}" status > "$T/table.out"
cat "$T/table.out" >&2
grep -Eq '^ +rank +slots +busy +done +failed +exact$' "$T/table.out" || fail "table header"
grep -Eq "^ +total +2 +0 +$nsrc +0 " "$T/table.out" || fail "table total line"
grep -Eq '^queue depth 0; jobs/s [0-9.]+ since start(, [0-9.]+ over the last [0-9]+ s)?$' "$T/table.out" || fail "rate line"
grep -Eq '^bytes in [0-9.]+ [KM]iB \(requests\), out [0-9.]+ [KM]?i?B \(replies\)$' "$T/table.out" || fail "bytes line"

note "--watch to a file: one block per refresh, blank line between, Ctrl-C exits 0"
"${CTL[@]}" status --watch 0.2 > "$T/watch.out" 2> "$T/watch.err" &
W=$!
WAIT_S=30 wait_for sh -c "[ \$(grep -c '^clustcc-server ' '$T/watch.out') -ge 3 ]" || fail "watch did not refresh"
kill -INT "$W"
rc=0; wait "$W" || rc=$?
[ "$rc" = 0 ] || { cat "$T/watch.err" >&2; fail "watch exited $rc on SIGINT"; }
grep -q $'\e' "$T/watch.out" && fail "escape codes written to a file"
blocks=$(grep -c '^clustcc-server ' "$T/watch.out")
blanks=$(grep -c '^$' "$T/watch.out")
[ "$blanks" = $((blocks - 1)) ] || fail "$blocks blocks but $blanks blank lines"

note "--watch on a terminal: clears and redraws"
script -qec "timeout -s INT 1 '$BIN/clustcc-ctl' --port-file '$T/port' status --watch 0.2" /dev/null > "$T/tty.out" || true
grep -q $'\e\[H\e\[2J' "$T/tty.out" || fail "no clear-screen on a terminal"

note "--watch when the server goes away: says so, exits 4"
"${CTL[@]}" status --json --watch 0.2 > "$T/watch2.out" 2> "$T/watch2.err" &
W=$!
WAIT_S=30 wait_for grep -q '"schema"' "$T/watch2.out" || fail "watch --json printed nothing"
stop_server
rc=0
WAIT_S=30 wait_for sh -c "! kill -0 $W 2>/dev/null" || fail "watch still running after the server left"
wait "$W" || rc=$?
cat "$T/watch2.err" >&2
[ "$rc" = 4 ] || fail "watch exited $rc, not 4, when the server went away"
grep -q 'the server went away' "$T/watch2.err" || fail "watch did not say the server went away"
note "PASS"
