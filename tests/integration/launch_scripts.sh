#!/bin/bash
# The mpirun and Flux launch scripts of `clustcc-ctl config scripts` run
# their whole flow on this machine: (a) the mpirun script builds
# tests/data/sample-c with make through clustcc-gcc, objects identical to a
# local build, every compile on a worker rank; (b) the Flux launch file
# under a stand-in `flux` that maps its `flux submit`/`flux job` forms onto
# mpirun (Flux is not packaged for Debian 12) runs `spack install` through
# the spack stand-in, with the same checks; (c) a server that cannot
# publish its port file is reported by name and the build exit code is
# not 0; (d) a stale port file is replaced; (e) a SIGTERM to the script
# mid-build leaves no server behind; (f) config scripts refuses pmi2 and a
# foreign file.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

# Under ASan, Open MPI's leak reports in the server are not ours (see
# start_server in lib.sh): the mpirun script passes options on through
# CLUSTCC_MPIRUN_ARGS, and the flux stand-in does the same for its mpirun.
export CLUSTCC_MPIRUN_ARGS="-x ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

P="$T/proj"
copy_sample "$P"
make -s -C "$P" CC=gcc > /dev/null
save_outputs "$P" "$T/local"
nsrc=$(find "$P/src" -name '*.c' | wc -l)

mkdir -p "$T/out" "$T/flux"
cat > "$T/cfg.json" <<JSON
{
  "port_file": "clustcc.port",
  "num_workers": 2,
  "worker_rank_cpus": 2,
  "flux_exe": "$HERE/standin/flux",
  "spack_exe": "$HERE/standin/spack",
  "specs": ["sample-c"],
  "endpoint": "tcp://127.0.0.1:0",
  "advertise_host": "127.0.0.1",
  "logging_level": "info",
  "logging_prefix": "server",
  "scratch_dir": "$T"
}
JSON
"$BIN/clustcc-ctl" config scripts "$T/cfg.json" --out "$T/out" \
	|| fail "config scripts failed"
for f in clustcc.sbatch clustcc-launch.sh clustcc-mpirun.sh; do
	[ -x "$T/out/$f" ] || fail "$f not written"
	bash -n "$T/out/$f" || fail "$f: bash -n"
	shellcheck "$T/out/$f" || fail "$f: shellcheck"
done

# check_build STATUS_JSON : identical objects, every compile on a worker.
check_build() {
	save_outputs "$P" "$T/remote"
	same_outputs "$T/local" "$T/remote"
	rm -rf "$T/remote"
	for r in 1 2; do
		[ "$(jq ".ranks[$r].done" "$1")" -gt 0 ] || fail "rank $r ran no compile"
	done
	[ "$(jq '[.ranks[].done] | add' "$1")" = "$nsrc" ] \
		|| fail "not all $nsrc compiles ran on the ranks"
	[ ! -e "$T/clustcc.port" ] || fail "port file still there"
}

note "(a) mpirun script with a make command"
make -s -C "$P" clean
"$T/out/clustcc-mpirun.sh" sh -c \
	'make -s -C "$0" -j4 && "$1/clustcc-ctl" status --json > "$2"' \
	"$P" "$BIN" "$T/status-a.json" 2> "$T/a.err" \
	|| { cat "$T/a.err" >&2; fail "mpirun script failed"; }
grep -q '^clustcc: build done, server drained$' "$T/a.err" || fail "no final line"
check_build "$T/status-a.json"

note "(b) Flux launch file under the flux stand-in, spack stand-in build"
make -s -C "$P" clean
STANDIN_BIN="$BIN" STANDIN_PROJ="$P" STANDIN_OUT="$T/out" \
FLUX_STANDIN_DIR="$T/flux" "$T/out/clustcc-launch.sh" 2> "$T/b.err" \
	|| { cat "$T/b.err" "$T"/flux/*.out >&2; fail "flux launch file failed"; }
printf '%s\n' install "sample-c %clustcc" | cmp - "$T/out/args" \
	|| fail "spack got: $(cat "$T/out/args")"
[ "$(cat "$T/out/port_file")" = "$T/clustcc.port" ] || fail "CLUSTCC_PORT_FILE not exported"
check_build "$T/out/status.json"

note "(c) a server that cannot publish its port file"
sed 's|"port_file": "clustcc.port"|"port_file": "no/such/dir/clustcc.port"|' \
	"$T/cfg.json" > "$T/bad.json"
"$BIN/clustcc-ctl" config scripts "$T/bad.json" --out "$T/flux" 2> /dev/null
rc=0
CLUSTCC_START_TIMEOUT=60 "$T/flux/clustcc-mpirun.sh" true 2> "$T/c.err" || rc=$?
cat "$T/c.err" >&2
[ "$rc" != 0 ] || fail "the script succeeded without a server"
grep -q "clustcc: error: the server exited with code [0-9]* before publishing its port file '$T/no/such/dir/clustcc.port'" \
	"$T/c.err" || fail "the error does not name the port file"

note "(d) a stale port file is replaced"
printf 'clustcc-portfile 1\nendpoint tcp://127.0.0.1:9\ntoken %064d\npid 1\n' 0 \
	> "$T/clustcc.port"
"$T/out/clustcc-mpirun.sh" true 2> "$T/d.err" || { cat "$T/d.err" >&2; fail "stale port file stopped the script"; }
grep -q "removing the stale port file" "$T/d.err" || fail "no word about the stale port file"

note "(e) SIGTERM to the script mid-build stops the server"
"$T/out/clustcc-mpirun.sh" sleep 60 2> "$T/e.err" &
script=$!
WAIT_S=60 wait_for test -s "$T/clustcc.port" || fail "server did not start"
server_pid=$(sed -n 's/^pid //p' "$T/clustcc.port")
kill -TERM "$script"
rc=0
wait "$script" || rc=$?
[ "$rc" = 143 ] || fail "script exited $rc after SIGTERM, expected 143"
WAIT_S=20 wait_for sh -c "! kill -0 $server_pid 2> /dev/null" \
	|| fail "server pid $server_pid still running after the script was stopped"
grep -q "stopping the server" "$T/e.err" || fail "cleanup did not run"
rm -f "$T/clustcc.port" # killed, not drained: the script cannot remove it

note "(f) config scripts refuses pmi2 and a foreign file"
sed 's|"num_workers": 2,|"num_workers": 2, "slurm_pmi": "pmi2",|' \
	"$T/cfg.json" > "$T/pmi2.json"
rc=0
"$BIN/clustcc-ctl" config scripts "$T/pmi2.json" --out "$T/flux" 2> "$T/f.err" || rc=$?
cat "$T/f.err" >&2
if ompi_info --parsable 2> /dev/null | grep -q '^mca:pmix:s2:'; then
	note "this Open MPI has PMI-2: pmi2 is accepted"
else
	[ "$rc" = 3 ] || fail "pmi2 accepted (exit $rc)"
	grep -q "key 'slurm_pmi'" "$T/f.err" || fail "message does not name slurm_pmi"
fi
echo '#!/bin/sh' > "$T/flux/mine.sbatch"
sed 's|"num_workers": 2,|"num_workers": 2, "slurm_batch_file": "mine.sbatch",|' \
	"$T/cfg.json" > "$T/mine.json"
rc=0
"$BIN/clustcc-ctl" config scripts "$T/mine.json" --out "$T/flux" 2> "$T/g.err" || rc=$?
[ "$rc" != 0 ] || fail "a foreign file was overwritten"
grep -q "refusing to overwrite '$T/flux/mine.sbatch'" "$T/g.err" || { cat "$T/g.err" >&2; fail "message does not name the file"; }
[ "$(cat "$T/flux/mine.sbatch")" = '#!/bin/sh' ] || fail "foreign file changed"
note "PASS: mpirun and Flux (stand-in) launch scripts ran $nsrc compiles on worker ranks each, identical objects"
