#!/usr/bin/env bash
# `make demo`: the project's main job. Runs every checked-in study (study/*: the poster's diff
# and SSH, then nginx, redis, curl and python3) with the built sysfence, each with its report,
# and writes the overview across them.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
sysfence="$root/$build/src/cli/sysfence"
out="$root/study-results"
status=0
"$sysfence" study --all -o "$out" --workloads "$root/study" || status=$?
echo
echo "Overview: $out/index.html (each study's report: $out/NAME/index.html)"
exit $status
