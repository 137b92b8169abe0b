#!/bin/bash
# clustcc-ctl run: the one-command local server.
#  (a) run -n 2 -- make -j4: objects byte-identical to a local build, the
#      summary counts every source as a remote compile on a worker rank;
#  (b) the command's exit status is returned (also 128+signal);
#  (c) SIGINT (SIGTERM) to clustcc-ctl during a slow command: prompt exit
#      130 (143), no mpirun, server or command process left, private
#      directory gone;
#  (d) no mpirun on PATH, or a server that cannot start: a warning saying
#      why, the command still runs, its status is returned;
#  (e) on a terminal (script(1)'s pty) the command reads the terminal, and
#      a Ctrl-C typed there stops it: exit 130 after the summary;
#  (f) Ctrl-Z in an interactive shell stops run and the command; fg
#      continues both and the command finishes;
#  (g) CMake: configure and build under run go remote; CMake caches the
#      wrapper's stable path, so a later build without run still works.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# run's private directories go here, so the test can see they are gone.
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
# Under ASan the server's Open MPI leaks cannot be suppressed (lib.sh);
# (d) runs without a server and checks clustcc-ctl's own leaks.
NOLEAK="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
no_leftovers() {
	[ -z "$(ls -A "$TMPDIR")" ] || { ls -la "$TMPDIR" >&2; fail "left behind in TMPDIR: $(ls -A "$TMPDIR")"; }
	! pgrep -f "$TMPDIR/clustcc-run" >&2 || fail "a server process is left"
}

note "(a) make -j4 through clustcc-ctl run -n 2"
P="$T/proj"
copy_sample "$P"
make -s -C "$P" CC=gcc > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean
rc=0
ASAN_OPTIONS=$NOLEAK "$BIN/clustcc-ctl" run -n 2 -- make -s -j4 -C "$P" \
	> "$T/a.out" 2> "$T/a.err" || rc=$?
cat "$T/a.err" >&2
[ "$rc" = 0 ] || fail "run exited $rc, make's status is 0"
save_outputs "$P" "$T/remote"
same_outputs "$T/local" "$T/remote"
nsrc=$(ls "$P"/src/*.c | wc -l)
# "  remote        8  (rank 0: 0, rank 1: 4, rank 2: 4)"
line=$(grep -E '^  remote ' "$T/a.err") || fail "no remote line in the summary"
r0=$(sed -E 's/.*rank 0: ([0-9]+).*/\1/' <<< "$line")
r1=$(sed -E 's/.*rank 1: ([0-9]+).*/\1/' <<< "$line")
r2=$(sed -E 's/.*rank 2: ([0-9]+).*/\1/' <<< "$line")
[ "$r0" = 0 ] || fail "the head compiled $r0 files (head_rank_tasks is 0)"
[ $((r1 + r2)) = "$nsrc" ] || fail "workers compiled $r1 + $r2, expected $nsrc"
grep -qE "^  local +1  \(not_compile 1\)" "$T/a.err" || fail "the link is not counted as local"
grep -q "^clustcc-ctl run: 'make -s -j4 -C $P' exited 0 after" "$T/a.err" \
	|| fail "summary's first line"
no_leftovers

note "(b) the command's exit status"
rc=0
ASAN_OPTIONS=$NOLEAK "$BIN/clustcc-ctl" run -n 1 -- sh -c 'exit 7' 2> "$T/b.err" || rc=$?
[ "$rc" = 7 ] || { cat "$T/b.err" >&2; fail "run exited $rc, the command 7"; }
rc=0
ASAN_OPTIONS=$NOLEAK "$BIN/clustcc-ctl" run -n 1 -- sh -c 'kill -TERM $$' 2> "$T/b.err" || rc=$?
[ "$rc" = 143 ] || { cat "$T/b.err" >&2; fail "run exited $rc, the command died of SIGTERM (143)"; }
rc=0
ASAN_OPTIONS=$NOLEAK "$BIN/clustcc-ctl" run -n 1 -- "$T/no-such-command" 2> "$T/b.err" || rc=$?
[ "$rc" = 127 ] || { cat "$T/b.err" >&2; fail "run exited $rc for a missing command (127)"; }
grep -q "cannot start '$T/no-such-command'" "$T/b.err" || fail "no message naming the missing command"
no_leftovers

note "(c) SIGINT during a slow command"
# sleep is sh's child: it must get the signal too (own process group).
ASAN_OPTIONS=$NOLEAK "$BIN/clustcc-ctl" run -n 2 -- \
	sh -c "touch '$T/started'; sleep 317; echo not reached" \
	> "$T/c.out" 2> "$T/c.err" &
RUN=$!
WAIT_S=90 wait_for test -e "$T/started" || { cat "$T/c.err" >&2; fail "command did not start"; }
pgrep -f "$TMPDIR/clustcc-run" > /dev/null || fail "no server running during the command"
t0=$SECONDS
kill -INT "$RUN"
WAIT_S=30 wait_for eval '! kill -0 "$RUN" 2>/dev/null' || fail "run still running 30 s after SIGINT"
rc=0
wait "$RUN" || rc=$?
took=$((SECONDS - t0))
cat "$T/c.err" >&2
[ "$rc" = 130 ] || fail "run exited $rc after SIGINT, expected 130"
[ "$took" -le 20 ] || fail "run took $took s to stop after SIGINT"
! grep -q "^not reached" "$T/c.out" || fail "the command went on after SIGINT"
! pgrep -f "sleep 317" >&2 || fail "the command's sleep is left"
no_leftovers
note "stopped in $took s"
# SIGTERM: the same, exit 143.
ASAN_OPTIONS=$NOLEAK "$BIN/clustcc-ctl" run -n 1 -- \
	sh -c "touch '$T/started-term'; sleep 319" 2> "$T/c2.err" &
RUN=$!
WAIT_S=90 wait_for test -e "$T/started-term" || { cat "$T/c2.err" >&2; fail "command did not start"; }
kill -TERM "$RUN"
WAIT_S=30 wait_for eval '! kill -0 "$RUN" 2>/dev/null' || fail "run still running 30 s after SIGTERM"
rc=0
wait "$RUN" || rc=$?
[ "$rc" = 143 ] || { cat "$T/c2.err" >&2; fail "run exited $rc after SIGTERM, expected 143"; }
! pgrep -f "sleep 319" >&2 || fail "the command's sleep is left after SIGTERM"
no_leftovers

note "(d) no mpirun on PATH"
mkdir "$T/nompi"
for t in make sh gcc cc as ld mkdir rm; do
	ln -s "$(command -v "$t")" "$T/nompi/$t"
done
make -s -C "$P" clean
rc=0
PATH="$T/nompi" "$BIN/clustcc-ctl" run -n 2 -- make -s -j4 -C "$P" \
	> /dev/null 2> "$T/d.err" || rc=$?
cat "$T/d.err" >&2
[ "$rc" = 0 ] || fail "run exited $rc without mpirun; make's status is 0"
grep -q "warning: 'mpirun' not found on PATH" "$T/d.err" || fail "no warning about mpirun"
grep -q "no server: every compile ran locally" "$T/d.err" || fail "summary without server"
save_outputs "$P" "$T/nompi-out"
same_outputs "$T/local" "$T/nompi-out"
rc=0
PATH="$T/nompi" "$BIN/clustcc-ctl" run -- sh -c 'exit 3' 2> "$T/d.err" || rc=$?
[ "$rc" = 3 ] || { cat "$T/d.err" >&2; fail "run exited $rc without mpirun, the command 3"; }
# A server that cannot start (its endpoint cannot be listened on): the
# warning shows why, from mpirun's output; the command still runs.
cat > "$T/bad.json" <<JSON
{ "port_file": "$T/bad.port", "num_workers": 1, "endpoint": "ipc://$T/no/such/dir/sock" }
JSON
rc=0
ASAN_OPTIONS=$NOLEAK "$BIN/clustcc-ctl" run --config "$T/bad.json" -- sh -c 'exit 5' 2> "$T/d.err" || rc=$?
cat "$T/d.err" >&2
[ "$rc" = 5 ] || fail "run exited $rc with a server that cannot start, the command 5"
grep -q "warning: the server did not start" "$T/d.err" || fail "no warning that the server did not start"
grep -q "cannot listen on 'ipc://$T/no/such/dir/sock'" "$T/d.err" || fail "the warning does not say why"
no_leftovers

note "(e) on a terminal: read it, then Ctrl-C"
export RUN_CTL="$BIN/clustcc-ctl" RUN_ASAN=$NOLEAK T
# script runs the command line on a new pty; what we write to its stdin
# is typed on that terminal.
rc=0
{ WAIT_S=90 wait_for test -e "$T/ready"; printf 'typed\n'; } | \
	timeout 120 script -qec 'ASAN_OPTIONS=$RUN_ASAN "$RUN_CTL" run -n 1 -- sh -c "touch \"$T/ready\"; read x; echo got \$x"; echo "rc=$?"' \
	/dev/null > "$T/e1.out" 2>&1 || rc=$?
cat "$T/e1.out" >&2
grep -q "^got typed" "$T/e1.out" || fail "the command could not read the terminal"
grep -q "^rc=0" "$T/e1.out" || fail "run did not exit 0 after the read"
{ WAIT_S=90 wait_for test -e "$T/started2"; printf '\003'; } | \
	timeout 120 script -qec 'ASAN_OPTIONS=$RUN_ASAN "$RUN_CTL" run -n 1 -- sh -c "touch \"$T/started2\"; sleep 318; echo not reached"; echo "rc=$?"' \
	/dev/null > "$T/e2.out" 2>&1 || rc=$?
cat "$T/e2.out" >&2
grep -q "^rc=130" "$T/e2.out" || fail "run did not exit 130 after Ctrl-C on its terminal"
! grep -q "^not reached" "$T/e2.out" || fail "the command went on after Ctrl-C"
grep -q "exited 130 after" "$T/e2.out" || fail "no summary after Ctrl-C on the terminal"
! pgrep -f "sleep 318" >&2 || fail "the command's sleep is left"
no_leftovers

note "(f) Ctrl-Z, then fg, in an interactive bash on a terminal"
# Each keystroke waits for what it answers, so a slow machine only waits.
{
	WAIT_S=90 wait_for test -e "$T/zst"
	printf '\032'
	WAIT_S=30 wait_for grep -q Stopped "$T/g.out"
	printf 'fg\n'
	WAIT_S=60 wait_for grep -q "exited 0 after" "$T/g.out"
	printf 'exit\n'
} | {
	sleep 0.5
	printf '%s\n' 'ASAN_OPTIONS=$RUN_ASAN "$RUN_CTL" run -n 1 -- sh -c "touch \"$T/zst\"; sleep 3; echo slept"'
	cat
} | timeout 150 script -qfec "bash --norc --noprofile -i" "$T/g.out" > /dev/null 2>&1 || true
cat "$T/g.out" >&2
grep -q "Stopped" "$T/g.out" || fail "Ctrl-Z did not stop run"
grep -q "^slept" "$T/g.out" || fail "the command did not finish after fg"
grep -q "exited 0 after" "$T/g.out" || fail "no summary after fg"
no_leftovers

note "(g) CMake under run, then without"
C="$T/cmake"
copy_sample "$C"
cat > "$C/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(sample C)
file(GLOB SRCS src/*.c)
add_executable(sample ${SRCS})
target_include_directories(sample PRIVATE include)
target_compile_definitions(sample PRIVATE SAMPLE_VERSION="1.0")
target_link_libraries(sample m)
CMAKE
rc=0
ASAN_OPTIONS=$NOLEAK "$BIN/clustcc-ctl" run -n 2 -- sh -c \
	"cmake -S '$C' -B '$C/b' && cmake --build '$C/b' -j4" > "$T/f.out" 2> "$T/f.err" || rc=$?
cat "$T/f.err" >&2
[ "$rc" = 0 ] || { cat "$T/f.out" >&2; fail "cmake under run exited $rc"; }
line=$(grep -E '^  remote ' "$T/f.err") || fail "no remote line in the summary"
[ "$(awk '{print $2}' <<< "$line")" = "$nsrc" ] || fail "cmake build: $line, expected $nsrc remote"
grep -q "^CMAKE_C_COMPILER:FILEPATH=$BIN/clustcc-gcc\$" "$C/b/CMakeCache.txt" || fail "CMake cached another compiler"
touch "$C/src/fib.c"
cmake --build "$C/b" > /dev/null || fail "build without run after a build under run"
"$C/b/sample" > /dev/null || fail "cmake-built program does not run"
no_leftovers
note "PASS"
