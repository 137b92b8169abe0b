#!/bin/bash
# (d) a compile error through the wrapper: same stderr and exit code as gcc,
# and it really ran remotely (no silent second compile).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/err/inc"
cat > "$T/err/inc/h.h" <<'C'
static inline int twice(int x) { return x * 2; }
C
cat > "$T/err/bad.c" <<'C'
#include "h.h"
int f(int a)
{
	int unused;
	return twice(a) + undeclared_name;
}
C
cd "$T/err"
set +e
gcc -Iinc -Wall -c bad.c -o bad.o 2> local.err; lrc=$?
set -e
[ "$lrc" != 0 ] || fail "gcc accepted bad.c"
write_config 1 1 0
start_server 2
set +e
"$BIN/clustcc-gcc" gcc -Iinc -Wall -c bad.c -o bad.o 2> remote.err; rrc=$?
set -e
[ "$rrc" = "$lrc" ] || fail "exit code $rrc through clustcc, $lrc from gcc"
diff local.err remote.err >&2 || fail "stderr differs"
[ "$(status_json | jq '.ranks[1].done')" = 1 ] || fail "the compile did not run on the worker"
[ ! -e bad.o ] || fail "an object was written for a failed compile"
stop_server
note "PASS: same diagnostics and exit code $lrc"
