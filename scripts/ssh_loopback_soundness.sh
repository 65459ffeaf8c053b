#!/usr/bin/env bash
# Runs a real ssh connection over loopback under `sysfence trace` (sshd on 127.0.0.1:2222 with its own
# host key and configuration in a temporary directory, a client logging in with a fresh key
# and running `true`), then checks every traced image against `sysfence static`
# (scripts/check_static_soundness.py), with the separate debug files and without them. Needs
# root (sshd) and openssh-server.
#
#   scripts/ssh_loopback_soundness.sh build/src/cli/sysfence [PORT]
set -euo pipefail
sysfence=$(realpath "$1")
# A free loopback port unless one is given.
port=${2:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/sysfence-ssh-XXXXXX)
sshd_pid=""
cleanup() {
  if [ -n "$sshd_pid" ] && kill -0 "$sshd_pid" 2>/dev/null; then kill "$sshd_pid"; fi
  if [ -z "${KEEP_LOGS:-}" ]; then rm -rf "$dir"; else echo "logs kept in $dir" >&2; fi
}
trap cleanup EXIT

mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$dir/user_key"
cp "$dir/user_key.pub" "$dir/authorized_keys"
cat > "$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
UsePAM yes
Subsystem sftp /usr/lib/openssh/sftp-server
CONF

"$sysfence" trace -o "$dir/sshd.json" -- /usr/sbin/sshd -D -e -f "$dir/sshd_config" \
  2>"$dir/sshd.err" &
tracer_pid=$!
for _ in $(seq 100); do
  [ -s "$dir/sshd.pid" ] && break
  sleep 0.1
done
if [ ! -s "$dir/sshd.pid" ]; then
  echo "sshd did not start:" >&2
  cat "$dir/sshd.err" >&2
  exit 2
fi
sshd_pid=$(cat "$dir/sshd.pid")
# Client sessions: a command, a session on a pty, file copies both ways with scp and sftp,
# and a TCP forward (ssh -W as the ProxyCommand of another ssh: the server's direct-tcpip
# channel); all in one traced shell so every client image is covered.
head -c 100000 /dev/urandom > "$dir/payload"
opts=(-i "$dir/user_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
  -o BatchMode=yes -o LogLevel=ERROR)
"$sysfence" trace -o "$dir/ssh.json" -- bash -c '
  set -e
  ssh -p "$1" "${@:3}" root@127.0.0.1 true
  ssh -tt -p "$1" "${@:3}" root@127.0.0.1 "echo on a pty" </dev/null >/dev/null
  scp -q -P "$1" "${@:3}" "$2/payload" root@127.0.0.1:"$2/copied"
  scp -q -P "$1" "${@:3}" root@127.0.0.1:"$2/copied" "$2/back"
  cmp "$2/payload" "$2/back"
  printf "put %s %s\nget %s %s\n" "$2/payload" "$2/sftp" "$2/sftp" "$2/sftp-back" |
    sftp -q -b - -P "$1" "${@:3}" root@127.0.0.1 >/dev/null
  ssh -p "$1" "${@:3}" -o ProxyCommand="ssh -p $1 ${*:3} -W %h:%p root@127.0.0.1" \
    root@127.0.0.1 true
' traced-ssh "$port" "$dir" "${opts[@]}" || { echo "the ssh sessions failed" >&2; exit 2; }
kill "$sshd_pid"
wait "$tracer_pid" || true

# Each side is checked with the separate debug files and without them (--no-debug-info).
status=0
for debug in with without; do
  extra=()
  [ "$debug" = without ] && extra=(--static-arg=--no-debug-info)
  echo "client ($debug debug files):"
  python3 "$here/check_static_soundness.py" --sysfence "$sysfence" "${extra[@]}" \
    --profile "$dir/ssh.json" || status=1
  echo "server ($debug debug files):"
  python3 "$here/check_static_soundness.py" --sysfence "$sysfence" "${extra[@]}" \
    --profile "$dir/sshd.json" || status=1
done
exit $status
