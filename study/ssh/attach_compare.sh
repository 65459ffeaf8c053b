#!/bin/bash
# Does `sysfence trace --pid` on a running sshd record what a launch-traced sshd records once
# it listens? Runs the SSH study's client sessions (study/ssh/sessions.txt) three times against
# a loopback sshd (study/ssh/sshd_config.in):
#   launch   sshd started under `sysfence trace --phase serving=mark`, marked `serving` once it
#            listens: the serving phase is everything after the listener's start-up;
#   ptrace   sshd started alone, then `sysfence trace --backend ptrace --pid`, ended by SIGINT;
#   ebpf     the same with --backend ebpf.
# and prints, per image, the calls each attached recording has and the serving phase lacks and
# the reverse. Exit status 1 when any image differs in a way docs/ATTACH.md does not explain
# (see the `explained` list below).
#
#   study/ssh/attach_compare.sh BUILD_DIR [WORK_DIR]
set -euo pipefail
build=$(cd "$1" && pwd)
work=${2:-$(mktemp -d /tmp/sysfence-attach-XXXXXX)}
here=$(cd "$(dirname "$0")" && pwd)
sysfence=$build/src/cli/sysfence
[ "$(id -u)" = 0 ] || { echo "attach_compare: sshd needs root" >&2; exit 2; }
mkdir -p "$work" /run/sshd
sh "$here/inputs.sh" "$work/in" >/dev/null
rm -f "$work"/host_ed25519* "$work"/user_ed25519*
ssh-keygen -q -t ed25519 -N '' -C sysfence-attach -f "$work/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C sysfence-attach -f "$work/user_ed25519"
cp "$work/user_ed25519.pub" "$work/authorized_keys"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {  # wait_for FILE TEXT
  for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "attach_compare: timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}
wait_listening() {
  for _ in $(seq 600); do listening "$1" && return 0; sleep 0.1; done
  echo "attach_compare: sshd did not listen on $1" >&2; exit 1
}

run_sessions() {  # run_sessions PORT
  local port=$1 forward opts
  forward=$(free_port)
  opts="-F /dev/null -i $work/user_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
  mkdir -p "$work/out"
  grep -v '^#' "$here/sessions.txt" | grep '|' | while IFS='|' read -r name command; do
    command=${command//\{ssh\}/-p $port $opts}
    command=${command//\{scp\}/-P $port $opts}
    command=${command//\{dest\}/root@127.0.0.1}
    command=${command//\{in\}/$work/in}
    command=${command//\{work\}/$work/out}
    command=${command//\{port\}/$port}
    command=${command//\{forward_port\}/$forward}
    if ! sh -c "$command" </dev/null >"$work/session.out" 2>&1; then
      echo "attach_compare: session '${name% }' failed:" >&2; cat "$work/session.out" >&2; exit 1
    fi
  done
}

# The interactive session's shell keeps no history: whether bash rewrites ~/.bash_history
# through a temporary file (readlink, rename) depends on what earlier runs left there, which
# would differ between the three recordings.
config() {  # config PORT NAME
  sed -e "s|{work}|$work|g" -e "s|{port}|$1|g" -e "s|$work/sshd.pid|$work/$2.pid|" \
    "$here/sshd_config.in" > "$work/$2.config"
  echo "SetEnv HISTFILE=" >> "$work/$2.config"
}

# 1. Launch-traced, marked `serving` once it listens.
port=$(free_port)
config "$port" launch
"$sysfence" trace --backend ptrace --first-phase startup --phase serving=mark \
  -o "$work/launch.json" -- /usr/sbin/sshd -D -e -f "$work/launch.config" 2>"$work/launch.err" &
tracer=$!
wait_listening "$port"
wait_for "$work/launch.err" "sysfence mark NAME --to"
address=$(sed -n 's/.*sysfence mark NAME --to \(.*\)$/\1/p' "$work/launch.err")
"$sysfence" mark serving --to "$address"
run_sessions "$port"
kill -TERM "$(cat "$work/launch.pid")"
wait "$tracer" || true

# 2 and 3. Started alone, attached to once it listens.
for backend in ptrace ebpf; do
  port=$(free_port)
  config "$port" "$backend"
  /usr/sbin/sshd -D -e -f "$work/$backend.config" 2>"$work/sshd-$backend.err" &
  sshd=$!
  wait_listening "$port"
  "$sysfence" trace --backend "$backend" --pid "$sshd" -o "$work/$backend.json" \
    2>"$work/$backend.err" &
  tracer=$!
  wait_for "$work/$backend.err" "sysfence: recording"
  run_sessions "$port"
  kill -INT "$tracer"
  wait "$tracer"
  kill -TERM "$sshd"
  wait "$sshd" || true
done

python3 - "$work" <<'PYTHON'
import json, sys
work = sys.argv[1]
launch = json.load(open(f"{work}/launch.json"))
serving = next(p for p in launch["phases"] if p["name"] == "serving")
# Calls the launch-traced sshd makes only because it is stopped at the end: SIGTERM makes the
# listener remove its pid file. The attached recordings end before sshd does.
explained = {"/usr/sbin/sshd": {"unlink"}}
unexplained = 0
for backend in ("ptrace", "ebpf"):
    attached = json.load(open(f"{work}/{backend}.json"))
    images = sorted(set(serving["images"]) | set(attached["images"]))
    same = True
    for image in images:
        a = set(attached["images"].get(image, []))
        s = set(serving["images"].get(image, []))
        extra, missing = sorted(a - s), sorted(s - a)
        if not extra and not missing:
            continue
        same = False
        print(f"{backend}: {image}: attached only {extra}, launch-traced only {missing}")
        if set(extra) or set(missing) - explained.get(image, set()):
            unexplained += 1
    total = len(attached["syscalls"])
    print(f"{backend}: {total} syscalls over {len(attached['images'])} images; "
          f"launch-traced serving phase {len(serving['syscalls'])} over "
          f"{len(serving['images'])} images: {'identical' if same else 'see above'}")
sys.exit(1 if unexplained else 0)
PYTHON
