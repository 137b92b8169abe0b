#!/bin/bash
# third_party_cc.sh - the CC that third_party.sh gives a third-party build
# (make CC="third_party_cc.sh gcc") to learn its real compile commands.
#   usage: third_party_cc.sh REAL_CC ARGS...   (TP_RECORD=FILE must be set)
# A compile of one C source with -c is recorded as one line,
#   DIR <TAB> SOURCE <TAB> FLAGS (shell-quoted, printf %q)
# and its object (and -MF file) is faked (an empty file): the build only
# has to get far enough to generate its headers, and skipping the real
# compile keeps the one-time preparation fast. Anything else runs the real
# compiler. FLAGS keep what makes the translation unit what it is (-D, -U,
# -I, -include, -std, ...) and drop what the test's flag sets choose (-O,
# -g, warnings, -fPIC, -pedantic) and the build's own output and
# dependency options (automake's -MT/-MD/-MP/-MF, -o).
set -euo pipefail
cc=$1
shift
src= out= depfile= compile=false nsrc=0
flags=()
args=("$@")
while [ $# -gt 0 ]; do
	a=$1
	shift
	case $a in
	-c) compile=true ;;
	-o) out=$1; shift ;;
	-MF) depfile=$1; shift ;;
	-MT | -MQ) shift ;;
	-MD | -MMD | -MP) ;;
	-Wa,* | -Wp,* | -Wl,*) flags+=("$a") ;;
	-O* | -g* | -W* | -w | -pedantic* | -fPIC | -fpic | -fno-PIC | -DPIC) ;;
	*.c) src=$a; nsrc=$((nsrc + 1)) ;;
	*) flags+=("$a") ;;
	esac
done
# Links, probes and the like are not translation units to compare.
$compile && [ "$nsrc" = 1 ] || exec "$cc" "${args[@]}"
[ -n "$out" ] || out=$(basename "${src%.c}").o
{
	printf '%s\t%s\t' "$PWD" "$src"
	printf '%q ' "${flags[@]}"
	printf '\n'
} >> "$TP_RECORD"
: > "$out"
# automake's depcomp moves the dependency file into place afterwards.
[ -z "$depfile" ] || : > "$depfile"
