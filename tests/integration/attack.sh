#!/bin/bash
# Attacks on a live server (head + 2 workers), then a real build through
# it that must be byte-identical to a local one. Issue 5, parts 1-3:
#  - wrong, missing, short and long tokens; old and new protocol versions;
#    random bytes and every truncation of a valid request;
#  - every forbidden argument in each of the three argument vectors;
#  - /bin/sh (and bash, env, a symlink named gcc) as the compiler, with
#    "-c 'touch pwned'": refused, and pwned is never created;
#  - output names that would escape the scratch directory;
#  - too many arguments, a 128 KiB argument, too many env entries, a
#    request over max_msg_bytes and one far over it;
#  - more requests pipelined on one connection than max_jobs_per_connection;
#  - a compiler that hangs: killed at compile_timeout_ms, and a real
#    clustcc-gcc compile with it falls back to a local one;
#  - a compiler that writes more than max_msg_bytes: killed while it runs;
# and prints a table: each attack, how many tries, what happened.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
LIMIT=4   # max_jobs_per_connection
PIPELINE=$((LIMIT + 6))

# Stand-in compilers, allowed by the pattern "$T/cc/*.sh".
mkdir -p "$T/cc" "$T/work"
cat > "$T/cc/slow.sh" <<'EOF'
#!/bin/sh
# Holds a pipelined request long enough for the rest to arrive.
sleep 3
EOF
cat > "$T/cc/hang.sh" <<EOF
#!/bin/sh
# A compiler that never finishes; its pid tells the test it was killed.
echo \$\$ > "$T/hang.pid"
exec sleep 600
EOF
cat > "$T/cc/huge.sh" <<'EOF'
#!/bin/sh
# Writes 20 MiB, more than max_msg_bytes (16 MiB), then waits.
head -c 20971520 /dev/zero > out.o
exec sleep 600
EOF
cat > "$T/cc/rankhang.sh" <<'EOF'
#!/bin/sh
# gcc, except that compiling on an MPI rank hangs (preprocessing does not,
# so the client and exact mode's check work): the client must fall back.
case " $* " in *" -E "*) exec gcc "$@" ;; esac
[ -z "${OMPI_COMM_WORLD_RANK:-}" ] || exec sleep 600
exec gcc "$@"
EOF
chmod 755 "$T"/cc/*.sh
ln -s /bin/sh "$T/cc/gcc"   # a symlink named like a compiler
printf 'int f(int x) { return x * 3; }\n' > "$T/work/x.c"

cat > "$T/cfg.json" <<JSON
{
  // written by tests/integration/attack.sh
  "port_file": "$T/port",
  "num_workers": 2,
  "worker_rank_cpus": 1,
  "head_rank_tasks": 0,
  "endpoint": "tcp://127.0.0.1:0",
  "advertise_host": "127.0.0.1",
  "logging_level": "info",
  "logging_prefix": "$T/server",
  "max_msg_bytes": 16777216,
  "scratch_dir": "$T",
  "compile_timeout_ms": 5000,
  "max_jobs_per_connection": $LIMIT,
  "allowed_compilers": ["/usr/bin/gcc", "/usr/bin/g++", "$T/cc/*.sh"]
}
JSON
start_server 3

# run_attack NAME ARGS... : one hostile_client attack; keeps its RESULT line.
run_attack() {
	local out="$T/attack-$1.out"
	note "attack: $1"
	if ! "$BIN/hostile_client" "$T/port" 16777216 "$@" > "$out" 2>&1; then
		cat "$out" >&2
		fail "attack $1: a try did not get what it should"
	fi
	grep '^FAIL' "$out" >&2 || true
	grep '^RESULT' "$out" >> "$T/results"
	grep -q '^ok: the server still answers status' "$out" \
		|| fail "attack $1: server stopped answering"
}
: > "$T/results"
run_attack tokens
run_attack versions
run_attack garbage
run_attack forbidden_args "$T/work"
run_attack traversal "$T/work"
run_attack not_allowed "touch '$T/pwned'" "$T/cc/gcc" "$T/work"
run_attack oversized
run_attack pipeline "$T/cc/slow.sh" "$PIPELINE" "$LIMIT"
run_attack timeout "$T/cc/hang.sh"
run_attack huge_output "$T/cc/huge.sh"

# What must not have happened.
[ ! -e "$T/pwned" ] || fail "/bin/sh ran: $T/pwned exists"
escaped=$(find "$T" -name 'escape*' | head -5)
[ -z "$escaped" ] || fail "a file escaped the scratch directory: $escaped"
[ -s "$T/hang.pid" ] || fail "the hanging compiler never ran"
WAIT_S=10 wait_for sh -c "! kill -0 $(cat "$T/hang.pid") 2>/dev/null" \
	|| fail "the hung compiler (pid $(cat "$T/hang.pid")) is still alive"
left=$(find "$T" -mindepth 1 -maxdepth 1 -name 'clustcc-*' -type d | head -5)
[ -z "$left" ] || fail "scratch directories left behind: $left"

note "a real compile whose compiler hangs on the ranks falls back locally"
cd "$T/work"
gcc -O2 -c x.c -o local.o
start_s=$SECONDS
CLUSTCC_LOG="$T/client.log" "$BIN/clustcc-gcc" "$T/cc/rankhang.sh" -O2 -c x.c \
	-o remote.o || fail "clustcc-gcc failed with a hanging remote compiler"
fallback_s=$((SECONDS - start_s))
cmp local.o remote.o || fail "fallback object differs from a local compile"
grep -q "worker_failed" "$T/client.log" \
	|| { cat "$T/client.log" >&2; fail "no worker_failed fallback logged"; }
echo "RESULT hung_compiler_via_clustcc-gcc 1 fell_back_local=1 identical_object=1 seconds=$fallback_s" >> "$T/results"
cd - > /dev/null

note "after all that, a real build through the server"
# An assembler option that names no file still compiles remotely.
CFLAGS="-O2 -Wa,--noexecstack"
P="$T/proj"
copy_sample "$P"
make -s -C "$P" CC=gcc CFLAGS="$CFLAGS" > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean
make -s -C "$P" -j4 CC="$BIN/clustcc-gcc gcc" CFLAGS="$CFLAGS" > /dev/null
save_outputs "$P" "$T/remote"
same_outputs "$T/local" "$T/remote"
status_json > "$T/status.json"
nsrc=$(ls "$P"/src/*.c | wc -l)
remote_done=$(jq '[.ranks[1:][].done] | add' "$T/status.json")
[ "$remote_done" -ge "$nsrc" ] || { cat "$T/status.json" >&2; fail "workers ran $remote_done compiles, expected >= $nsrc"; }
not_allowed=$(jq '.refusals.compiler_not_allowed // 0' "$T/status.json")
[ "$not_allowed" -ge 8 ] || fail "status counts $not_allowed compiler_not_allowed refusals, expected >= 8"
echo "RESULT final_build $nsrc served=$nsrc identical_objects=$(ls "$T/remote" | wc -l)" >> "$T/results"
stop_server
# Rejected requests are logged at warning level with the peer's address,
# rate-limited (the first 10 of a kind, then every 1000th).
n_warn=$(grep -c 'refused a request from 127.0.0.1:[0-9]*: bad_token' "$T/server/head.log" || true)
[ "$n_warn" -ge 1 ] && [ "$n_warn" -le 10 ] ||
	{ grep 'refused a request' "$T/server/head.log" >&2; fail "head.log has $n_warn bad_token warnings naming the peer, expected 1 to 10"; }

# The table for the issue's closing note.
{
	echo
	echo "attack                          tries  outcomes"
	echo "------------------------------  -----  --------------------------------"
	awk '{ o = ""; for (i = 4; i <= NF; i++) o = o (i > 4 ? " " : "") $i;
	       printf "%-30s  %5d  %s\n", $2, $3, o }' "$T/results"
	echo
	echo "never happened: $T/pwned created (no), a file outside scratch (none), hung compiler alive (no), scratch dirs left (none)"
	echo "refusals counted by the server: $(jq -c '.refusals' "$T/status.json")"
} | tee "$T/table.txt"
note "PASS"
