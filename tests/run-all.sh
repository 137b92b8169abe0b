#!/bin/bash
# The whole test suite: unit + integration tests on an optimised build, then
# again on an ASan+UBSan build, then the head's threaded modules under TSan
# (build-tsan, tests/tsan) and the libFuzzer targets for a bounded time
# each (clang, build-fuzz; tests/fuzz/CMakeLists.txt). The Slurm test
# (label 'slurm') runs once, on the optimised build. Long runs (ctest
# label 'long') are not part of it: ctest --test-dir build -L long.
# usage: tests/run-all.sh
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
# TSan: only the jobq and frontend tests exist in this build.
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DCLUSTCC_SANITIZE=thread > /dev/null
cmake --build build-tsan -j2 --target tsan
ctest --test-dir build-tsan -L tsan --output-on-failure
# libFuzzer: clang only; builds just the fuzz targets and their libraries.
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCLUSTCC_FUZZ=ON -DCLUSTCC_SANITIZE=address,undefined > /dev/null
cmake --build build-fuzz -j2 --target fuzz
ctest --test-dir build-fuzz -L fuzz -j2 --output-on-failure
