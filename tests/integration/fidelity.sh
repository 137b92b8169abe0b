#!/bin/bash
# A remote compile is indistinguishable from a local one (issue 3):
# diagnostics (warnings, colour on a terminal), C++, __DATE__ under
# SOURCE_DATE_EPOCH, every local decision counted by reason, shipped mode's
# limits (debug info, diagnostics) handled by compiling locally, and
# CLUSTCC_RETRY_LOCAL.   usage: fidelity.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
W="$T/src"
mkdir -p "$W/inc"
cd "$W"
cat > inc/util.h <<'C'
#define ADD(a, b) ((a) + (b))
static inline int twice(int x) { return x * 2; }
C
cat > warn.c <<'C'
#include "util.h"
int f(int a)
{
	int unused;
	return ADD(twice(a), 1) + (a = a);
}
C
cat > date.c <<'C'
const char *built = __DATE__ " " __TIME__;
C
cat > plain.c <<'C'
#include <string.h>
size_t plain(const char *s) { return strlen(s) * 3; }
C
cat > vec.cc <<'C'
#include <vector>
#include <string>
std::string join(const std::vector<std::string> &v)
{
	std::string out;
	for (const auto &s : v)
		out += s;
	return out;
}
C
cat > bad.c <<'C'
int g(void) { return missing; }
C
CC="$BIN/clustcc-gcc"
reasons() { status_json | jq -c '.local_reasons'; }
remote_done() { status_json | jq '[.ranks[1:][].done] | add'; }

# compare_compile LABEL ARGS... : the same command locally and through
# clustcc from this directory: same exit code, stderr, stdout and object.
# DRIVER (default gcc) names the compiler driver.
compare_compile() {
	local label=$1; shift
	local lrc=0 rrc=0
	"${DRIVER:-gcc}" "$@" -o local.o > local.out 2> local.err || lrc=$?
	$CC "${DRIVER:-gcc}" "$@" -o remote.o > remote.out 2> remote.err || rrc=$?
	[ "$lrc" = "$rrc" ] || fail "$label: exit $rrc through clustcc, $lrc from gcc"
	diff local.err remote.err >&2 || fail "$label: stderr differs"
	cmp -s local.out remote.out || fail "$label: stdout differs"
	if [ "$lrc" = 0 ]; then
		cmp local.o remote.o || fail "$label: objects differ"
	fi
	rm -f local.o remote.o
	note "$label: identical (exit $lrc, $(wc -l < local.err) lines of stderr)"
}

note "exact mode"
write_config 2 1 0 true
start_server 3
before=$(remote_done)
compare_compile "warnings, -O2" -Iinc -Wall -Wextra -O2 -c warn.c
compare_compile "warnings, -O0 -g" -Iinc -Wall -g -c warn.c
DRIVER=g++ compare_compile "C++ via g++" -O2 -g -c vec.cc
SOURCE_DATE_EPOCH=1700000000 compare_compile "__DATE__ with SOURCE_DATE_EPOCH" -O2 -c date.c
compare_compile "compile error" -c bad.c
compare_compile "-S: assembly returned" -O2 -g -S plain.c
after=$(remote_done)
[ $((after - before)) = 6 ] || fail "$((after - before)) of 6 compiles ran on workers"

note "colour on a terminal"
script -qec "gcc -Iinc -Wall -c warn.c -o local.o" /dev/null > tty.local
script -qec "$CC gcc -Iinc -Wall -c warn.c -o remote.o" /dev/null > tty.remote
grep -q $'\e\[' tty.local || fail "gcc did not colour on a terminal (test setup)"
diff tty.local tty.remote >&2 || fail "coloured diagnostics differ"
[ "$(remote_done)" = $((after + 1)) ] || fail "the coloured compile did not run remotely"
rm -f local.o remote.o

note "every local decision is counted by reason"
$CC gcc --version > /dev/null
$CC gcc -E warn.c -Iinc > /dev/null
$CC gcc -march=native -O2 -c inc/../warn.c -Iinc -o native.o 2> /dev/null
gcc -x c-header inc/util.h -o inc/util.h.gch
$CC gcc -Iinc -include util.h -O2 -c date.c -o pch.o
r=$(reasons)
echo "$r" >&2
for k in info_query preprocess_only native_arch pch; do
	[ "$(echo "$r" | jq ".$k")" = 1 ] || fail "status does not count local reason $k"
done
rm -f inc/util.h.gch
CLUSTCC_VERBOSE=1 $CC gcc --version 2>&1 >/dev/null | grep -q "local (info_query)" \
	|| fail "CLUSTCC_VERBOSE does not say why"

note "CLUSTCC_RETRY_LOCAL: a failed remote compile is retried here"
lrc=0; CLUSTCC_LOG="$T/retry.log" CLUSTCC_RETRY_LOCAL=1 $CC gcc -c bad.c -o x.o 2> retry.err || lrc=$?
[ "$lrc" = 1 ] || fail "retry exit $lrc"
grep -q "missing" retry.err || fail "retry lost gcc's error"
[ "$(reasons | jq .retry_local)" = 1 ] || fail "retry not counted"
! grep -q discrepancy "$T/retry.log" || fail "a discrepancy was reported"
stop_server

note "shipped mode: -g and diagnostics compile locally, the rest remotely"
write_config 2 1 0 false
start_server 3
compare_compile "shipped, no warnings" -O2 -c plain.c
compare_compile "shipped, -g" -O2 -g -c plain.c
compare_compile "shipped, warnings" -Iinc -Wall -O2 -c warn.c
compare_compile "shipped, -S" -O2 -S plain.c
r=$(reasons)
echo "$r" >&2
[ "$(echo "$r" | jq .not_exact)" = 1 ] || fail "-g in shipped mode not counted as not_exact"
[ "$(echo "$r" | jq .shipped_diagnostics)" = 1 ] || fail "warnings in shipped mode not counted"
[ "$(remote_done)" = 3 ] || fail "expected 3 remote compiles in shipped mode (2 clean, 1 with warnings)"
[ "$(status_json | jq '[.ranks[].failed] | add')" = 0 ] || fail "a policy refusal counted as a failed job"
[ "$(status_json | jq '.refusals.not_exact')" = 1 ] || fail "not_exact refusal not counted"
stop_server
note "PASS"
