#!/usr/bin/env bash
# Runs a real ssh connection over loopback under strace (sshd on 127.0.0.1:2222 with its own
# host key and configuration in a temporary directory, a client logging in with a fresh key
# and running `true`), then checks every traced image against `sysfence static`
# (scripts/check_static_soundness.py). Needs root (sshd), strace, openssh-server.
#
#   scripts/ssh_loopback_soundness.sh build/src/cli/sysfence [PORT]
set -euo pipefail
sysfence=$(realpath "$1")
port=${2:-2222}
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
CONF

strace -f -qq -o "$dir/sshd.log" /usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>"$dir/sshd.err" &
strace_pid=$!
for _ in $(seq 50); do
  [ -s "$dir/sshd.pid" ] && break
  sleep 0.1
done
sshd_pid=$(cat "$dir/sshd.pid")
strace -f -qq -o "$dir/ssh.log" ssh -p "$port" -i "$dir/user_key" -o StrictHostKeyChecking=no \
  -o UserKnownHostsFile=/dev/null -o BatchMode=yes root@127.0.0.1 true
kill "$sshd_pid"
wait "$strace_pid" || true

status=0
echo "client:"
python3 "$here/check_static_soundness.py" --sysfence "$sysfence" --log "$dir/ssh.log" \
  --image /usr/bin/ssh || status=1
echo "server:"
python3 "$here/check_static_soundness.py" --sysfence "$sysfence" --log "$dir/sshd.log" \
  --image /usr/sbin/sshd || status=1
exit $status
