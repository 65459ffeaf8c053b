#!/usr/bin/env bash
# The client side of the static soundness test's SSH workload, run under `sysfence trace` in
# one shell so that every client image is covered: a command, a session on a pty, file copies
# both ways with scp and with sftp, and a TCP forward (ssh -W as the ProxyCommand of another
# ssh: the server's direct-tcpip channel).
#
#   ssh_client.sh PORT DIR "CLIENT OPTIONS"    # DIR holds `payload`; copies are made there
set -euo pipefail
port=$1
dir=$2
read -r -a opts <<<"$3"
ssh -p "$port" "${opts[@]}" root@127.0.0.1 true
ssh -tt -p "$port" "${opts[@]}" root@127.0.0.1 "echo on a pty" </dev/null >/dev/null
scp -q -P "$port" "${opts[@]}" "$dir/payload" root@127.0.0.1:"$dir/copied"
scp -q -P "$port" "${opts[@]}" root@127.0.0.1:"$dir/copied" "$dir/back"
cmp "$dir/payload" "$dir/back"
printf "put %s %s\nget %s %s\n" "$dir/payload" "$dir/sftp" "$dir/sftp" "$dir/sftp-back" |
  sftp -q -b - -P "$port" "${opts[@]}" root@127.0.0.1 >/dev/null
cmp "$dir/payload" "$dir/sftp-back"
ssh -p "$port" "${opts[@]}" -o ProxyCommand="ssh -p $port ${opts[*]} -W %h:%p root@127.0.0.1" \
  root@127.0.0.1 true
