#!/bin/bash
# third_party.sh - byte identity on code nobody here wrote. Compiles real
# third-party translation units (TUs) locally and through clustcc-gcc with a
# real mpirun server (head + 2 workers) under several flag sets, and
# compares every output byte for byte: object, .d file, stderr, exit code.
#   usage: third_party.sh exact|shipped short|full
# Sources: GNU binutils from Debian's binutils-source package (libiberty;
# for full also libsframe, bfd and opcodes configured for all targets),
# C++ from Debian's googletest package (googletest and googlemock).
# short: the first 25 libiberty TUs and 3 googletest TUs (default suite);
# full: every TU (ctest label 'long').
# shipped: the server runs with exact_mode false; flag sets with -g or
# warnings are skipped there (see SETS below): the server refuses -g in
# shipped mode (cfg shipped_debug, server/runner.c), as the objects would
# differ (DW_AT_producer records -fdirectives-only, docs/DESIGN.md), and
# the client recompiles locally whatever has diagnostics.
# Exit 0 only if every output is identical and every compile ran on a
# worker in MODE; the table of flag sets and any differing file go to stdout.
# Environment: CLUSTCC_TP_CACHE (extracted and configured sources, reused
# between runs; default $BIN/../third_party), TP_JOBS (parallel compiles,
# default 2: both workers busy).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
usage() { echo "usage: $0 exact|shipped short|full" >&2; exit 2; }
[ $# = 2 ] || usage
MODE=$1 SIZE=$2
case $MODE in exact | shipped) ;; *) usage ;; esac
case $SIZE in short | full) ;; *) usage ;; esac
CACHE=${CLUSTCC_TP_CACHE:-$BIN/../third_party}
JOBS=${TP_JOBS:-2}
GTEST=/usr/src/googletest
SHORT_C=25
SHORT_CXX="googletest/src/gtest-filepath.cc googletest/src/gtest-matchers.cc googletest/src/gtest-test-part.cc"
# Bump when the preparation below changes: the cache is then rebuilt (as
# it is when the tarball or third_party_cc.sh change).
PREP_VERSION=2

# ---------------------------------------------------------------------------
# Preparation: extract binutils once into the cache, configure each
# component, and record its real compile commands (third_party_cc.sh).

TARBALL=$(ls /usr/src/binutils/binutils-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$TARBALL" ] ||
	fail "no /usr/src/binutils/binutils-*.tar.xz: install binutils-source (deploy/debian12-deps.sh)"
[ -d "$GTEST/googletest/src" ] ||
	fail "no $GTEST/googletest/src: install googletest (deploy/debian12-deps.sh)"
VER=$(basename "$TARBALL" .tar.xz)

# extract_src : the parts of the tarball that libiberty, libsframe, bfd and
# opcodes need to configure and build (a tenth of the tarball).
extract_src() {
	local id
	id="$PREP_VERSION $TARBALL $(stat -c '%s %Y' "$TARBALL") $(cksum < "$HERE/third_party_cc.sh")"
	[ "$(cat "$CACHE/src.stamp" 2>/dev/null)" != "$id" ] || return 0
	note "extracting $TARBALL into $CACHE"
	rm -rf "$CACHE/src" "$CACHE/build" "$CACHE/src.stamp"
	mkdir -p "$CACHE/src"
	local parts=(libiberty include config libsframe bfd opcodes libctf/swap.h
		config.guess config.sub install-sh mkinstalldirs move-if-change
		ltmain.sh missing compile depcomp ar-lib test-driver ylwrap
		symlink-tree config-ml.in)
	tar -xJf "$TARBALL" -C "$CACHE/src" "${parts[@]/#/$VER/}" ||
		fail "cannot extract $TARBALL"
	echo "$id" > "$CACHE/src.stamp"
}

# prepare COMPONENT CONFIGURE_ARGS... : configure it in build/COMPONENT and
# run its make with third_party_cc.sh as CC, which records every compile
# and fakes the object. Leaves build/COMPONENT/tus: one line per distinct
# source, COMPONENT <TAB> SOURCE <TAB> FLAGS, in source order.
prepare() {
	local comp=$1 dir=$CACHE/build/$1 s=$SECONDS
	shift
	[ ! -e "$dir/stamp" ] || return 0
	note "configuring $VER/$comp (once; cached in $CACHE)"
	rm -rf "$dir"
	mkdir -p "$dir"
	# A relative srcdir, as a build usually has: sources are named
	# ../../src/binutils-X/COMPONENT/file.c in the commands and debug info.
	(cd "$dir" && "../../src/$VER/$comp/configure" "$@" > configure.log 2>&1) ||
		{ tail -n 30 "$dir/configure.log" >&2; fail "configure of $comp failed"; }
	(cd "$dir" && TP_RECORD=$dir/tus.raw \
		make -s CC="$HERE/third_party_cc.sh gcc" > make.log 2>&1) ||
		{ tail -n 30 "$dir/make.log" >&2; fail "make of $comp failed"; }
	# libiberty compiles some files twice (pic/, noasan/): keep the first.
	awk -F'\t' -v c="$comp" 'BEGIN { OFS = "\t" } !seen[$2]++ { print c, $2, $3 }' \
		"$dir/tus.raw" | LC_ALL=C sort -t $'\t' -k2,2 > "$dir/tus"
	[ -s "$dir/tus" ] || fail "no compile recorded for $comp"
	touch "$dir/stamp"
	note "$comp: $(wc -l < "$dir/tus") TUs recorded in $((SECONDS - s)) s"
}

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
# Two runs (ctest -j) must not prepare the cache at the same time; once it
# is ready they may share it (the lock turns shared).
exec 9> "$CACHE/.lock"
flock 9
extract_src
COMPONENTS=(libiberty)
[ "$SIZE" = short ] || COMPONENTS=(libiberty libsframe bfd opcodes)
COMMON=(--disable-nls --disable-shared)
ALL=(--enable-targets=all --enable-64-bit-bfd)
prepare libiberty "${COMMON[@]}"
if [ "$SIZE" = full ]; then
	# Order matters: bfd links libsframe, opcodes includes ../bfd/bfd.h.
	prepare libsframe "${COMMON[@]}"
	prepare bfd "${COMMON[@]}" "${ALL[@]}" --with-system-zlib
	prepare opcodes "${COMMON[@]}" "${ALL[@]}"
fi
flock -s 9

# ---------------------------------------------------------------------------
# The translation units: LANG <TAB> COMPONENT <TAB> SOURCE <TAB> FLAGS;
# the compile runs in $CACHE/build/COMPONENT (C) or $GTEST (C++).

TUS=$T/tus
if [ "$SIZE" = short ]; then
	head -n "$SHORT_C" "$CACHE/build/libiberty/tus"
else
	for comp in "${COMPONENTS[@]}"; do cat "$CACHE/build/$comp/tus"; done
fi | sed 's/^/c\t/' > "$TUS"
if [ "$SIZE" = short ]; then
	cxx=$SHORT_CXX
else
	cxx=$(cd "$GTEST" && ls googletest/src/*.cc googlemock/src/*.cc)
fi
for src in $cxx; do
	[ -f "$GTEST/$src" ] || fail "no $GTEST/$src"
	# As googletest's own CMake build has them: include/ and the root
	# (for "src/..."), and googlemock needs googletest's too.
	comp=${src%%/*}
	inc="-I$comp/include -I$comp"
	[ "$comp" = googletest ] || inc+=" -Igoogletest/include -Igoogletest"
	printf 'c++\t%s\t%s\t%s\n' "$comp" "$src" "$inc"
done >> "$TUS"
N_C=$(grep -c $'^c\t' "$TUS" || true)
N_CXX=$(grep -c $'^c++\t' "$TUS" || true)

# Flag sets: NAME|LANG|MODES|FLAGS; @D stands for the TU's .d file.
# MODES 'exact': not run in shipped mode, where -g is refused (cfg
# shipped_debug) and a compile with diagnostics is redone locally by design
# (fallback shipped_diagnostics: the worker cannot print source lines).
# 'warn' gives real diagnostics (kilobytes on most TUs), so the byte
# comparison of stderr is not only of empty files.
SETS=(
	"O2|c|all|-O2"
	"O0-g|c|exact|-O0 -g"
	"pic-deps|c|all|-fPIC -MD -MF @D"
	"warn|c|exact|-O1 -Wall -Wextra -Wconversion"
	"c++-O2-deps|c++|all|-std=c++17 -O2 -MD -MF @D"
	"c++-O0-g-pic|c++|exact|-std=c++17 -O0 -g -fPIC"
)

# make_jobs SET_LANG SET_FLAGS : one shell command per TU of that language, NUL
# terminated, in the order of $TUS. The same text runs locally and through
# the wrapper: $WRAP is empty or clustcc-gcc, $OUT the output directory
# (the same path in both passes, so .d targets match), and each TU gets
# its own CLUSTCC_LOG to tell which compile went where.
make_jobs() {
	local lang=$1 setflags=$2 comp src flags l dir cc base f
	while IFS=$'\t' read -r l comp src flags; do
		[ "$l" = "$lang" ] || continue
		if [ "$lang" = c ]; then dir=$CACHE/build/$comp cc=gcc; else dir=$GTEST cc=g++; fi
		base=$(basename "${src%.*}")
		f=${setflags//@D/\"\$OUT\"/$comp/$base.d}
		printf 'cd %q && CLUSTCC_LOG="$OUT"/%s/%s.log $WRAP %s %s %s -c %q -o "$OUT"/%s/%s.o 2> "$OUT"/%s/%s.err; echo $? > "$OUT"/%s/%s.rc\0' \
			"$dir" "$comp" "$base" "$cc" "$flags" "$f" "$src" \
			"$comp" "$base" "$comp" "$base" "$comp" "$base"
	done < "$TUS"
}

# run_pass JOBFILE OUTDIR WRAP : all compiles of one set, $JOBS at a time.
run_pass() {
	local comp
	mkdir -p "$2"
	for comp in $(cut -f2 "$TUS" | sort -u); do mkdir -p "$2/$comp"; done
	OUT=$2 WRAP=$3 xargs -0 -n 1 -P "$JOBS" bash -c < "$1"
}

# ---------------------------------------------------------------------------
# Compile and compare.

write_config 2 2 0 "$([ "$MODE" = exact ] && echo true || echo false)"
start_server 3
export OUT WRAP

W=$T/work
declare -a TABLE=()
DIFFS=() FALLBACKS=() REMOTE_TOTAL=0 TOTAL_COMPARED=0 T_LOCAL=0 T_REMOTE=0
N_DIAG=0
for set in "${SETS[@]}"; do
	IFS='|' read -r name lang modes flags <<< "$set"
	n=$([ "$lang" = c ] && echo "$N_C" || echo "$N_CXX")
	[ "$n" -gt 0 ] || continue
	if [ "$MODE" = shipped ] && [ "$modes" = exact ]; then
		note "$name: exact mode only (-g or diagnostics), skipped"
		continue
	fi
	make_jobs "$lang" "$flags" > "$T/jobs.$name"
	s=$SECONDS
	run_pass "$T/jobs.$name" "$W/$name" ""
	mv "$W/$name" "$T/local.$name"
	T_LOCAL=$((T_LOCAL + SECONDS - s)) s=$SECONDS
	run_pass "$T/jobs.$name" "$W/$name" "$BIN/clustcc-gcc"
	mv "$W/$name" "$T/remote.$name"
	T_REMOTE=$((T_REMOTE + SECONDS - s))
	REMOTE_TOTAL=$((REMOTE_TOTAL + n))

	same=0 differ=0 i=0
	while IFS=$'\t' read -r l comp src _; do
		[ "$l" = "$lang" ] || continue
		i=$((i + 1))
		b=$comp/$(basename "${src%.*}")
		L=$T/local.$name/$b R=$T/remote.$name/$b
		[ -s "$L.o" ] && [ "$(cat "$L.rc")" = 0 ] ||
			{ cat "$L.err" >&2; fail "$name: $src does not compile locally"; }
		[ ! -s "$L.err" ] || N_DIAG=$((N_DIAG + 1))
		# The compile must have gone remote, in the mode asked for.
		if ! grep -q "remote: .* $MODE mode, exit 0" "$R.log" 2>/dev/null; then
			FALLBACKS+=("$name $src: $(cat "$R.log" 2>/dev/null || echo 'no log')")
			# Once more, verbose, to show why (into a scratch directory);
			# the first few are enough to see a pattern.
			if [ ${#FALLBACKS[@]} -le 5 ]; then
				mkdir -p "$T/rerun/$comp"
				note "$name $src did not run remotely in $MODE mode; verbose rerun:"
				OUT=$T/rerun WRAP=$BIN/clustcc-gcc CLUSTCC_VERBOSE=1 \
					bash -c "$(tr '\0' '\n' < "$T/jobs.$name" | sed -n "${i}p")" || true
				cat "$T/rerun/$b.err" >&2 || true
			fi
		fi
		bad=
		for ext in o d err rc; do
			[ -e "$L.$ext" ] || [ -e "$R.$ext" ] || continue
			cmp -s "$L.$ext" "$R.$ext" 2>/dev/null || bad+=" .$ext"
		done
		if [ -n "$bad" ]; then
			differ=$((differ + 1))
			DIFFS+=("$name $src:$bad")
			for ext in $bad; do
				note "$name $src: $ext differs (cmp -l | head):"
				cmp -l "$L$ext" "$R$ext" 2>&1 | head -n 5 >&2 || true
			done
		else
			same=$((same + 1))
		fi
	done < "$TUS"
	TABLE+=("$(printf '%-14s %-4s %5d %9d %9d' "$name" "$lang" "$n" "$same" "$differ")")
	TOTAL_COMPARED=$((TOTAL_COMPARED + n))
	note "$name: $n TUs, $same identical, $differ differ"
done

# Every compile ran on a worker rank (none on the head: head_rank_tasks 0),
# both workers took part, and nothing was refused or compiled locally.
status_json > "$T/status.json"
stop_server
done_w=$(jq '[.ranks[] | select(.rank != 0) | .done] | add' "$T/status.json")
problems=()
[ "$done_w" = "$REMOTE_TOTAL" ] ||
	problems+=("worker ranks ran $done_w compiles, expected $REMOTE_TOTAL")
[ "$(jq '.ranks[0].done' "$T/status.json")" = 0 ] || problems+=("the head ran compiles")
for r in 1 2; do
	[ "$(jq ".ranks[] | select(.rank == $r) | .done" "$T/status.json")" -gt 0 ] ||
		problems+=("rank $r ran no compile")
done
[ "$(jq '[.ranks[].failed] | add' "$T/status.json")" = 0 ] || problems+=("failed jobs")
[ "$(jq '.refused' "$T/status.json")" = 0 ] || problems+=("refused requests")
[ "$(jq '.local_reasons | length' "$T/status.json")" = 0 ] || problems+=("local compiles")
[ ${#problems[@]} = 0 ] || cat "$T/status.json" >&2

echo
echo "third_party $MODE $SIZE: $VER + googletest, gcc $(gcc -dumpfullversion)"
printf '%-14s %-4s %5s %9s %9s\n' "flag set" lang TUs identical differing
printf '%s\n' "${TABLE[@]}"
echo "$N_C C TUs, $N_CXX C++ TUs; $TOTAL_COMPARED compiles compared (object, .d, stderr, exit code), ${#DIFFS[@]} differ, ${#FALLBACKS[@]} not remote in $MODE mode; $N_DIAG with diagnostics; local ${T_LOCAL} s, through clustcc ${T_REMOTE} s"
[ ${#DIFFS[@]} = 0 ] || { echo "differing:"; printf '  %s\n' "${DIFFS[@]}"; }
[ ${#FALLBACKS[@]} = 0 ] || { echo "not remote:"; printf '  %s\n' "${FALLBACKS[@]}"; }
[ ${#problems[@]} = 0 ] || { echo "server status:"; printf '  %s\n' "${problems[@]}"; }
[ ${#DIFFS[@]} = 0 ] && [ ${#FALLBACKS[@]} = 0 ] && [ ${#problems[@]} = 0 ] ||
	fail "third-party outputs differ or compiles did not go remote"
note "PASS: $TOTAL_COMPARED third-party compiles byte-identical in $MODE mode"
