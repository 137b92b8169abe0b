#!/bin/bash
# faults.sh CASE - a fault in the middle of a real `make -j` through clustcc
# never fails the build: it finishes, every object is byte-identical to a
# local build, and no temporary or half-written file is left next to the
# objects. Cases (issue 5, part 4 and 5):
#   mpi_killed    the whole MPI job (mpirun and every rank) gets SIGKILL
#   head_stopped  the head gets SIGSTOP: waiting clients notice with a
#                 ping and compile locally; a new client gives up on the
#                 handshake after 3 s; SIGCONT and drain at the end
#   disk_full     the workers' scratch_dir is a tiny tmpfs, nearly full
#                 (ENOSPC in the compiler's stderr) and then full (refused
#                 before the job starts); skipped if mount is not permitted
#   herd          the server is killed during `make -j32`: the local
#                 fallback compiles never exceed the node-wide limit
#                 (CLUSTCC_LOCAL_JOBS, default nproc); also measured without
# Also covered elsewhere: one worker rank killed (worker_killed.sh) and a
# port file pointing at a dead endpoint (build_no_server.sh).
# Prints the figures (wall times, fallback delay, peak local compilers).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
CASE=${1:?usage: faults.sh mpi_killed|head_stopped|disk_full|herd}
P="$T/proj"
# "Unreachable" markers go here, not to the shared /tmp.
mkdir -p "$T/tmp"
export TMPDIR="$T/tmp" CLUSTCC_LOG="$T/client.log"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The sample project plus 40 generated sources, so the fault lands mid-build.
make_project() {
	copy_sample "$P"
	for i in $(seq 1 40); do
		sed "s/fib/fib_$i/g" "$P/src/fib.c" > "$P/src/gen_$i.c"
	done
}
objects() { (cd "$P" && ls src/*.c | sed 's|src/\(.*\)\.c|obj/\1.o|'); }

# local_build : the reference objects in $T/local, wall time in LOCAL_S.
local_build() {
	local t0
	t0=$(now)
	make -s -C "$P" CC=gcc -j4 obj $(objects) > /dev/null
	LOCAL_S=$(secs "$t0" "$(now)")
	save_outputs "$P" "$T/local"
	make -s -C "$P" clean
}

# start_build JOBS : make -jJOBS through clustcc in the background (BUILD).
start_build() {
	BUILD_T0=$(now)
	make -s -C "$P" -j"$1" CC="$BIN/clustcc-gcc gcc" obj $(objects) \
		> "$T/build.out" 2>&1 &
	BUILD=$!
}

# wait_remote N : until the head has answered N compiles.
wait_remote() {
	WAIT_S=120 wait_for sh -c "[ \$(\"$BIN/clustcc-ctl\" --port-file \"$T/port\" status --json | jq .completed) -ge $1 ]" \
		|| fail "no remote compile before the fault"
}

# finish_build NAME : the build succeeded, its objects are the local ones,
# nothing else was left beside them; prints the wall times.
finish_build() {
	wait "$BUILD" || { cat "$T/build.out" >&2; fail "$1: build failed"; }
	local took stray
	took=$(secs "$BUILD_T0" "$(now)")
	! grep -q "No space left on device" "$T/build.out" \
		|| fail "$1: the build saw 'No space left on device'"
	stray=$(find "$P" -name '*.tmp*' -o -path "$P/obj/*" ! -name '*.o' ! -name '*.d' -print)
	[ -z "$stray" ] || fail "$1: stray files: $stray"
	rm -rf "$T/out.$1"
	save_outputs "$P" "$T/out.$1"
	same_outputs "$T/local" "$T/out.$1"
	note "FIGURE $1: build with the fault $took s, local build $LOCAL_S s"
}

# reason_count REASON : how many local fallbacks the client log shows.
reason_count() { grep -c "local ($1)" "$CLUSTCC_LOG" || true; }

# kill_mpi_job : SIGKILL mpirun and every rank of this test's server.
kill_mpi_job() {
	local ranks
	ranks=$(pgrep -f "^$BIN/clustcc-server --config $T/cfg.json" || true)
	note "SIGKILL mpirun $SERVER_PID and ranks" $ranks
	kill -KILL "$SERVER_PID" $ranks 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

case_mpi_killed() {
	make_project
	local_build
	write_config 2 1 0
	start_server 3
	start_build 4
	wait_remote 3
	kill_mpi_job
	finish_build mpi_killed
	note "fallbacks after the kill: connect_failed $(reason_count connect_failed), send_failed $(reason_count send_failed), timeout $(reason_count timeout)"
}

# Seconds from the epoch of a client log line's ISO timestamp.
log_epoch() { date -d "$(echo "$1" | cut -c1-23 | tr T ' ')Z" +%s.%N; }

case_head_stopped() {
	local head_pid stop_t line worst=0 d n t0 took
	make_project
	# Compiles that wait long enough to be caught waiting.
	for i in $(seq 1 40); do
		printf 'static volatile int pad_%d[] = {%s0};\n' "$i" \
			"$(seq -s, 1 4000)," >> "$P/src/gen_$i.c"
	done
	local_build
	write_config 2 1 0
	start_server 3
	head_pid=$(awk '$1 == "pid" {print $2}' "$T/port")
	start_build 8
	wait_remote 2
	stop_t=$(now)
	kill -STOP "$head_pid"
	note "SIGSTOP head pid $head_pid"
	finish_build head_stopped
	n=$(reason_count server_unresponsive)
	[ "$n" -gt 0 ] || fail "no client noticed the stopped head (server_unresponsive)"
	while IFS= read -r line; do
		d=$(secs "$stop_t" "$(log_epoch "$line")")
		worst=$(awk -v a="$worst" -v b="$d" 'BEGIN { print (b > a) ? b : a }')
	done < <(grep "local (server_unresponsive)" "$CLUSTCC_LOG")
	note "FIGURE head_stopped: $n waiting compiles fell back, the last $worst s after SIGSTOP (ping every ${CLUSTCC_PING_MS:-5000} ms, 2 s timeout)"
	awk -v w="$worst" 'BEGIN { exit !(w < 20) }' || fail "fallback took $worst s"
	note "fallbacks: unresponsive $n, connect_failed $(reason_count connect_failed), timeout $(reason_count timeout)"

	# A new client (no "unreachable" marker yet) facing the stopped head.
	mkdir -p "$T/fresh"
	t0=$(now)
	(cd "$P" && TMPDIR="$T/fresh" "$BIN/clustcc-gcc" gcc -Iinclude -O2 \
		-c src/fib.c -o "$T/fresh/fib.o") || fail "new client failed"
	took=$(secs "$t0" "$(now)")
	note "FIGURE head_stopped: a new client fell back after $took s"
	awk -v w="$took" 'BEGIN { exit !(w < 10) }' || fail "new client took $took s"
	tail -2 "$CLUSTCC_LOG" | grep -q "no handshake" \
		|| fail "new client did not give up on the handshake: $(tail -2 "$CLUSTCC_LOG")"

	kill -CONT "$head_pid"
	note "SIGCONT: the head serves again and drains"
	rm -f "$TMPDIR"/*.down
	"$BIN/clustcc-ctl" --port-file "$T/port" status --json > /dev/null \
		|| fail "head does not answer after SIGCONT"
	stop_server
}

# fill_to DIR BYTES_FREE : leave about BYTES_FREE free in DIR's file system.
fill_to() {
	local avail
	avail=$(df -B1 --output=avail "$1" | tail -1)
	if [ "$avail" -gt "$2" ]; then
		head -c $((avail - $2)) /dev/zero > "$1/fill.$RANDOM" 2>/dev/null || true
	fi
	note "scratch free: $(df -B1 --output=avail "$1" | tail -1) bytes"
}

case_disk_full() {
	mkdir -p "$T/scratch"
	if ! mount -t tmpfs -o size=16m,mode=0700 tmpfs "$T/scratch" 2>/dev/null; then
		note "SKIP disk_full: mounting a tmpfs is not permitted here"
		exit 0
	fi
	trap 'umount "$T/scratch" 2>/dev/null; cleanup' EXIT
	make_project
	# An object (8 MiB of data) that cannot fit what is left.
	printf 'char big_data[8 << 20] = {1};\n' > "$P/src/big.c"
	local_build
	write_config 2 1 0
	sed -i "s|\"scratch_dir\": \"$T\"|\"scratch_dir\": \"$T/scratch\"|" "$T/cfg.json"
	start_server 3
	fill_to "$T/scratch" $((5 << 20))
	start_build 4
	finish_build disk_nearly_full
	grep -q "scratch disk full on rank\|disk full?" "$T"/server/*.log \
		|| fail "the worker did not notice its full disk"
	note "nearly full: ENOSPC refusals $(cat "$T"/server/*.log | grep -c 'scratch disk full on rank'), space refusals $(cat "$T"/server/*.log | grep -c 'disk full?')"
	note "full: every job is refused before it starts"
	fill_to "$T/scratch" 0
	make -s -C "$P" clean
	start_build 4
	finish_build disk_full
	grep -q "disk full?" "$T"/server/*.log || fail "no job refused for lack of space"
	[ "$(reason_count worker_failed)" -gt 0 ] || fail "no worker_failed fallback"
	note "worker_failed fallbacks in both builds: $(reason_count worker_failed)"
	stop_server
}

# The shim is "gcc" on PATH: it logs the start and end of each compile it
# runs for a build (not the wrapper's -E, not the workers': they lack
# SHIM_LOG) and holds each for 0.3 s, like a longer compile would.
write_shim() {
	mkdir -p "$T/shim"
	cat > "$T/shim/gcc" <<SH
#!/bin/bash
for a; do [ "\$a" = -E ] && exec /usr/bin/gcc "\$@"; done
[ -n "\${SHIM_LOG:-}" ] || exec /usr/bin/gcc "\$@"
echo "S \$(date +%s%N)" >> "\$SHIM_LOG"
rc=0; /usr/bin/gcc "\$@" || rc=\$?
sleep 0.3
echo "E \$(date +%s%N)" >> "\$SHIM_LOG"
exit \$rc
SH
	chmod +x "$T/shim/gcc"
}

# peak LOG : most compiles running at once in a shim log.
peak() {
	sort -k2,2n "$1" | awk '$1 == "S" { n++; if (n > m) m = n } $1 == "E" { n-- } END { print m + 0 }'
}

# herd_run NAME LIMIT : kill the server during make -j32; PEAK is set.
herd_run() {
	make -s -C "$P" clean
	rm -f "$T/shim.$1" "$T/port"
	write_config 2 1 0
	start_server 3
	SHIM_LOG="$T/shim.$1" CLUSTCC_LOCAL_JOBS="$2" PATH="$T/shim:$PATH" start_build 32
	wait_remote 2
	kill_mpi_job
	finish_build "herd_$1"
	PEAK=$(peak "$T/shim.$1")
	note "FIGURE herd ($1, CLUSTCC_LOCAL_JOBS='$2'): $(grep -c '^S' "$T/shim.$1") local compiles, peak $PEAK at once"
}

case_herd() {
	local limit
	limit=$(nproc)
	make_project
	write_shim
	local_build
	herd_run unlimited 0
	herd_run default ""
	[ "$PEAK" -le "$limit" ] || fail "peak $PEAK local compilers > limit $limit"
	[ "$PEAK" -ge 1 ] || fail "no local compile was seen"
}

"case_$CASE"
note "PASS: $CASE"
