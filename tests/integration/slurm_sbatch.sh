#!/bin/bash
# The Slurm workflow on a real single-node Slurm (deploy/slurm/
# slurm-single-node.sh): write a config, `clustcc-ctl config scripts`, then
# `sbatch --wait` the generated batch file. Its build step is `spack
# install` with spack_exe pointing at a stand-in (standin/spack) that runs a
# real make of tests/data/sample-c through clustcc-gcc. Checks: the job
# exits 0 and reaches COMPLETED, the stand-in got the specs with the
# toolchain and CLUSTCC_PORT_FILE, objects are byte-identical to a local
# build, status taken inside the job shows every compile on worker ranks,
# the port file is gone. Then a failing build: the job's exit code is the
# build's and the job output names it. Needs root (it starts slurmctld,
# slurmd and munge); otherwise it is skipped (exit 77). Slurm is stopped at
# the end unless it was already running.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the Slurm test needs root to start munge, slurmctld and slurmd" >&2
	exit 77
fi
HERE=$(cd "$(dirname "$0")" && pwd)
SSN="$HERE/../../deploy/slurm/slurm-single-node.sh"
. "$HERE/lib.sh"

STOP_SLURM=0
slurm_cleanup() {
	local rc=$?
	if [ -n "${POLL_PID:-}" ]; then kill "$POLL_PID" 2> /dev/null || true; fi
	if [ "$STOP_SLURM" = 1 ]; then "$SSN" stop > /dev/null 2>&1 || true; fi
	cleanup
	exit "$rc"
}
trap slurm_cleanup EXIT

if "$SSN" status > /dev/null 2>&1; then
	note "Slurm already running; it is left running"
else
	STOP_SLURM=1
	"$SSN" start >&2 || fail "could not start the single-node Slurm"
fi

# Reference: a local build.
P="$T/proj"
copy_sample "$P"
make -s -C "$P" CC=gcc > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean

mkdir -p "$T/out"
cat > "$T/cfg.json" <<JSON
{
  // written by tests/integration/slurm_sbatch.sh
  "port_file": "clustcc.port",
  "num_workers": 2,
  "worker_rank_cpus": 2,
  "slurm_time": "00:05:00",
  "spack_exe": "$HERE/standin/spack",
  "spack_env": "$T/env",
  "specs": ["sample-c", "zlib +pic ^cmake"],
  "endpoint": "tcp://127.0.0.1:0",
  "advertise_host": "127.0.0.1",
  "logging_level": "info",
  "logging_prefix": "server",
  "scratch_dir": "$T"
}
JSON
"$BIN/clustcc-ctl" config scripts "$T/cfg.json" || fail "config scripts failed"
[ -x "$T/clustcc.sbatch" ] || fail "no batch file"

# submit JOB_OUT [COMMAND...]: sbatch --wait the batch file; sets JOB_RC and
# JOB_STATE. scontrol forgets a job MinJobAge (4 s) after it ends, so a
# poller records the job's state every 0.5 s while sbatch waits.
submit() {
	local out=$1 id
	shift
	rm -f "$T/sbatch.id" "$T/states"
	JOB_RC=0
	sbatch --parsable --wait -o "$out" "$T/clustcc.sbatch" "$@" \
		> "$T/sbatch.id" &
	local sbatch_pid=$!
	WAIT_S=30 wait_for test -s "$T/sbatch.id" || fail "sbatch printed no job id"
	id=$(cut -d';' -f1 "$T/sbatch.id")
	(while :; do
		scontrol show job "$id" 2> /dev/null |
			sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' >> "$T/states" || true
		sleep 0.5
	done) &
	POLL_PID=$!
	wait "$sbatch_pid" || JOB_RC=$?
	sleep 1 # one more poll after the end
	kill "$POLL_PID"
	POLL_PID=
	JOB_STATE=$(tail -n 1 "$T/states")
	note "job $id: sbatch --wait exit code $JOB_RC, state $JOB_STATE (seen: $(uniq "$T/states" | tr '\n' ' '))"
}

export STANDIN_BIN="$BIN" STANDIN_PROJ="$P" STANDIN_OUT="$T/out"
# Keep Open MPI on loopback inside the job too (sbatch passes this on).
export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo
start=$SECONDS
submit "$T/job.out"
note "the job took $((SECONDS - start)) s from sbatch to its end"
cat "$T/job.out" >&2
[ "$JOB_RC" = 0 ] || fail "the job exited $JOB_RC"
[ "$JOB_STATE" = COMPLETED ] || fail "job state $JOB_STATE, expected COMPLETED"

# The stand-in was run as `spack -e ENV install SPEC...` with the toolchain.
printf '%s\n' -e "$T/env" install "sample-c %clustcc" "zlib +pic %clustcc ^cmake" \
	> "$T/want.args"
cmp "$T/want.args" "$T/out/args" || { cat "$T/out/args" >&2; fail "spack got other arguments"; }
[ "$(cat "$T/out/port_file")" = "$T/clustcc.port" ] \
	|| fail "CLUSTCC_PORT_FILE in the build was '$(cat "$T/out/port_file")'"

save_outputs "$P" "$T/remote"
same_outputs "$T/local" "$T/remote"
cat "$T/out/status.json" >&2
nsrc=$(ls "$P"/src/*.c | wc -l)
for r in 1 2; do
	[ "$(jq ".ranks[$r].done" "$T/out/status.json")" -gt 0 ] \
		|| fail "rank $r ran no compile"
done
total=$(jq '[.ranks[].done] | add' "$T/out/status.json")
[ "$total" = "$nsrc" ] || fail "ranks ran $total compiles, expected $nsrc"
[ ! -e "$T/clustcc.port" ] || fail "port file still there after the job"

# A failing build: the job's exit code is the build's, and it says so.
submit "$T/fail.out" sh -c 'exit 3'
cat "$T/fail.out" >&2
[ "$JOB_RC" = 3 ] || fail "the job exited $JOB_RC, expected the build's 3"
[ "$JOB_STATE" = FAILED ] || fail "job state $JOB_STATE, expected FAILED"
grep -q 'clustcc: error: the build failed with code 3' "$T/fail.out" \
	|| fail "the job output does not name the failed build"
[ ! -e "$T/clustcc.port" ] || fail "port file still there after the failed job"
note "PASS: sbatch of the generated batch file built $nsrc sources on worker ranks, identical objects"
