#!/bin/bash
# CPU use of an idle head and an idle worker rank over 10 s (default),
# from utime+stime in /proc/PID/stat.   usage: bench/idle_cpu.sh [SECONDS]
set -euo pipefail
. "$(dirname "$0")/common.sh"
S=${1:-10}
start_server 1
sleep 2   # let start-up settle
mapfile -t pids < <(rank_pids)
[ ${#pids[@]} = 2 ] || { echo "expected 2 ranks, found ${#pids[@]}"; exit 1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
h0=$(ticks "${pids[0]}"); w0=$(ticks "${pids[1]}")
sleep "$S"
h1=$(ticks "${pids[0]}"); w1=$(ticks "${pids[1]}")
pct() { awk -v t="$1" -v hz="$hz" -v s="$S" 'BEGIN {printf "%.2f%%", 100 * t / hz / s}'; }
echo "idle over ${S} s: head (pid ${pids[0]}) $(pct $((h1 - h0))) of a core, worker (pid ${pids[1]}) $(pct $((w1 - w0))) of a core"
