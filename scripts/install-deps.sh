#!/usr/bin/env bash
# Installs the Debian 12 packages sysfence needs to build, test and run its study.
# Installs only what is missing, so a second run costs a few dpkg queries.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libzydis-dev libseccomp-dev seccomp nlohmann-json3-dev libcli11-dev libfmt-dev
  libarchive-dev libssl-dev libxxhash-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  strace diffutils openssh-client openssh-server
  crun busybox-static bubblewrap umoci
  libc6-dbg python3 curl nginx redis-server redis-tools
  procps iproute2 libcap2-bin nodejs man-db
  golang-go skopeo restic caddy
  clang libclang-rt-14-dev clang-format clang-tidy
  libbpf-dev bpftool
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or install them with sudo apt-get install)" >&2
  exit 2
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting services (sshd) on the host: the study starts its own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
