#!/bin/sh
# Workloads of Debian's Go programs for the static soundness test (tests/go_static_test.cc):
# umoci and skopeo (Go 1.19, cgo, stripped) on OCI image layouts built in the scratch
# directory given as $1; offline and deterministic. With $2 = PROGRAM, only that program's
# commands run (so each can run under its own profile's filter: $3... is put in front of
# every command, e.g. `sysfence run --profile umoci.json --action kill --`).
set -e
cd "$1"
only=${2:-all}
[ $# -ge 2 ] && shift 2 || shift $#
# The remaining arguments go in front of every command (they hold no spaces).
prefix="$*"
umoci_() { $prefix umoci "$@"; }
skopeo_() { $prefix skopeo "$@"; }

if [ "$only" = all ] || [ "$only" = umoci ]; then
  umoci_ init --layout image
  umoci_ new --image image:base
  umoci_ config --image image:base --config.cmd /bin/true --config.env LANG=C.UTF-8 \
    --author sysfence
  umoci_ unpack --image image:base bundle
  mkdir bundle/rootfs/etc bundle/rootfs/data
  printf 'hello\n' > bundle/rootfs/etc/motd
  ln -s ../etc/motd bundle/rootfs/data/link
  umoci_ repack --image image:layered bundle
  rm -rf bundle
  umoci_ unpack --image image:layered bundle
  umoci_ tag --image image:layered latest
  umoci_ ls --layout image > /dev/null
  umoci_ stat --image image:layered > /dev/null
  umoci_ rm --image image:base
  umoci_ gc --layout image
fi
if [ "$only" = all ] || [ "$only" = skopeo ]; then
  [ -d image ] || { echo "go_oci.sh: run umoci's part first" >&2; exit 2; }
  skopeo_ copy --quiet oci:image:latest oci:copy:latest
  skopeo_ inspect oci:copy:latest > /dev/null
  skopeo_ inspect --raw oci:image:layered > /dev/null
  skopeo_ inspect --config oci:copy:latest > /dev/null
fi
