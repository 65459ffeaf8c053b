#!/bin/sh
# Prepares the SSH study's sshd in $work (the study's scratch directory, also $1): a host key,
# a user key it accepts, sshd_config from sshd_config.in with {work} and {port} filled in.
# Prints the placeholders the sessions use: {ssh} (and {scp}, which spells the port -P) point
# a client at this sshd with the user key, no agent, no known_hosts and no prompts; {dest}.
set -eu
here=$(dirname "$0")
ssh-keygen -q -t ed25519 -N '' -C sysfence-study -f "$work/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C sysfence-study -f "$work/user_ed25519"
cp "$work/user_ed25519.pub" "$work/authorized_keys"
sed -e "s|{work}|$work|g" -e "s|{port}|$port|g" "$here/sshd_config.in" > "$work/sshd_config"
# sshd refuses to start without its privilege separation directory.
mkdir -p /run/sshd
client="-F /dev/null -i $work/user_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes"
client="$client -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
echo "ssh=-p $port $client"
echo "scp=-P $port $client"
echo "dest=root@127.0.0.1"
