#!/bin/sh
# Writes the redis study's configuration to $work/redis.conf: redis-server in the foreground on
# 127.0.0.1:$port and a Unix socket, its data directory in $work, no automatic snapshots (the
# runs ask for one with BGSAVE) and an append-only file, so both ways of persisting run.
set -eu
mkdir -p "$work/redis-data"
cat > "$work/redis.conf" <<CONF
bind 127.0.0.1
port $port
unixsocket $work/redis.sock
unixsocketperm 700
daemonize no
supervised no
pidfile $work/redis.pid
logfile $work/redis.log
dir $work/redis-data
dbfilename dump.rdb
save ""
appendonly yes
appendfsync everysec
databases 4
CONF
