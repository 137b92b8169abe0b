# lib.sh - helpers for clustcc's integration tests (sourced, bash).
# Each test gets its own temp dir, server and endpoint, so ctest -j2 is safe.
# Needs: BIN (dir with clustcc-server, clustcc-gcc, clustcc-ctl), DATA (tests/data).

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# Keep Open MPI's out-of-band and TCP traffic on loopback.
export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo

T=$(mktemp -d /tmp/clustcc-it.XXXXXX)
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		sleep 1
		kill -KILL "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*" >&2; }

# wait_for COMMAND... : poll until COMMAND succeeds, at most $WAIT_S seconds.
wait_for() {
	local deadline=$((SECONDS + ${WAIT_S:-60}))
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# write_config WORKERS WORKER_CPUS HEAD_TASKS [EXACT_MODE(true|false)]
write_config() {
	cat > "$T/cfg.json" <<JSON
{
  // written by tests/integration/lib.sh
  "port_file": "$T/port",
  "num_workers": $1,
  "worker_rank_cpus": $2,
  "head_rank_tasks": $3,
  "endpoint": "tcp://127.0.0.1:0",
  "advertise_host": "127.0.0.1",
  "logging_level": "info",
  "logging_prefix": "$T/server",
  "max_msg_bytes": 16777216,
  "scratch_dir": "$T",
  "exact_mode": ${4:-true}
}
JSON
}

# start_server NP : mpirun the server with NP ranks and wait for its port file.
start_server() {
	# Under ASan, Open MPI's dlclose'd components leave leak reports that no
	# suppression can name (<unknown module>); leaks in the server's own
	# modules are caught by their unit tests, so check leaks in the clients
	# only. Memory errors and UBSan still abort the server.
	ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
	mpirun -n "$1" "$BIN/clustcc-server" --config "$T/cfg.json" \
		> "$T/mpirun.out" 2>&1 &
	SERVER_PID=$!
	if ! WAIT_S=60 wait_for test -s "$T/port"; then
		cat "$T/mpirun.out" "$T"/server/*.log >&2 2>/dev/null
		fail "server did not publish its port file"
	fi
	export CLUSTCC_PORT_FILE="$T/port"
}

# stop_server : drain, check exit code 0 and that the port file is gone.
stop_server() {
	"$BIN/clustcc-ctl" --port-file "$T/port" drain || fail "drain failed"
	local rc=0
	wait "$SERVER_PID" || rc=$?
	SERVER_PID=
	[ "$rc" = 0 ] || { cat "$T/mpirun.out" >&2; fail "server exited $rc"; }
	[ ! -e "$T/port" ] || fail "port file still there after drain"
}

status_json() { "$BIN/clustcc-ctl" --port-file "$T/port" status --json; }

# copy_sample DIR : a fresh copy of the sample project.
copy_sample() { rm -rf "$1"; cp -r "$DATA/sample-c" "$1"; }

# save_outputs SRC DEST : keep objects and dep files of a build.
save_outputs() {
	mkdir -p "$2"
	cp "$1"/obj/*.o "$1"/obj/*.d "$2"/
}

# same_outputs DIR1 DIR2 : every object and dep file byte-identical.
same_outputs() {
	local n=0 f
	for f in "$1"/*; do
		cmp "$f" "$2/$(basename "$f")" || fail "differs: $(basename "$f")"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no outputs compared"
	[ "$(ls "$1" | wc -l)" = "$(ls "$2" | wc -l)" ] || fail "output sets differ"
	note "$n files byte-identical"
}
