#!/bin/bash
# Install everything clustcc needs to build and test on Debian 12 (as root,
# or with sudo). Idempotent: skips apt when every package is present.
set -euo pipefail
PKGS=(build-essential cmake pkg-config git jq procps bsdutils
      openmpi-bin libopenmpi-dev
      libnng-dev libprotobuf-c-dev protobuf-c-compiler
      libcjson-dev libcriterion-dev
      # generated launch scripts are checked with it (tests/unit/test_scripts.c)
      shellcheck
      # the real single-node Slurm of the 'slurm' test (deploy/slurm/)
      slurmctld slurmd slurm-client munge
      # third-party sources for tests/integration/third_party.sh (binutils'
      # tarball is .tar.xz; its bfd is configured --with-system-zlib)
      binutils-source googletest xz-utils zlib1g-dev
      # self-signed certificates for tests/integration/tls.sh
      openssl
      # libFuzzer targets (tests/fuzz): clang 14; libclang_rt.fuzzer is in
      # libclang-rt-14-dev, only a Recommends of clang-14
      clang libclang-rt-14-dev)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
		|| missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
