#!/bin/bash
# The whole test suite: unit + integration tests on an optimised build, then
# again on an ASan+UBSan build. Long runs (ctest label 'long') are not part
# of it: ctest --test-dir build -L long. The Slurm test (label 'slurm')
# runs once, on the optimised build.   usage: tests/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
run() {
	local dir=$1; shift
	cmake -S . -B "$dir" "$@" > /dev/null
	cmake --build "$dir" -j2
	ctest --test-dir "$dir" -L 'unit|integration' -j2 --output-on-failure
}
run build -DCMAKE_BUILD_TYPE=RelWithDebInfo
# The real single-node Slurm test (root only, else skipped); not under ASan.
ctest --test-dir build -L slurm --output-on-failure
run build-asan -DCMAKE_BUILD_TYPE=Debug -DCLUSTCC_SANITIZE=address,undefined
