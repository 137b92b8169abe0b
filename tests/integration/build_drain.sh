#!/bin/bash
# (c) drain during a build: the build still succeeds with correct objects,
# the server exits 0 and its port file is gone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
P="$T/proj"
copy_sample "$P"
# Enough work that the drain lands mid-build.
for i in $(seq 1 40); do
	sed "s/fib/fib_$i/g" "$P/src/fib.c" > "$P/src/gen_$i.c"
done
make -s -C "$P" CC=gcc obj $(cd "$P" && ls src/*.c | sed 's|src/\(.*\)\.c|obj/\1.o|') > /dev/null
save_outputs "$P" "$T/local"
make -s -C "$P" clean

write_config 2 1 0
start_server 3
make -s -C "$P" -j2 CC="$BIN/clustcc-gcc gcc" obj \
	$(cd "$P" && ls src/*.c | sed 's|src/\(.*\)\.c|obj/\1.o|') > "$T/build.out" 2>&1 &
BUILD=$!
# Drain once a few compiles went through remotely.
WAIT_S=60 wait_for sh -c "[ \$(\"$BIN/clustcc-ctl\" --port-file \"$T/port\" status --json | jq .completed) -ge 3 ]" \
	|| fail "no remote compile before drain"
stop_server
wait "$BUILD" || { cat "$T/build.out" >&2; fail "build failed after drain"; }
save_outputs "$P" "$T/remote"
same_outputs "$T/local" "$T/remote"
note "PASS: build survived a drain; server exited 0; port file removed"
