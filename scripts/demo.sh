#!/usr/bin/env bash
# `make demo`: the project's main job. Reproduces the poster's study on diff and SSH with the
# built sysfence and prints where the report is.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
sysfence="$root/$build/src/cli/sysfence"
out="$root/study-results"
mkdir -p "$out"
status=0
for study in diff ssh; do
  echo "== sysfence study $study"
  "$sysfence" study "$study" -o "$out/$study" --workloads "$root/study" || status=$?
done
echo
echo "Reports: $out/diff/index.html and $out/ssh/index.html"
exit $status
