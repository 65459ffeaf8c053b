#!/bin/sh
# Makes the SSH study's inputs in $1: what the interactive session types, a payload to copy
# and an sftp batch. Fixed content, so every run does the same.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
printf 'echo hello from a pty\nls / > /dev/null\nexit\n' > interactive.txt
i=0
: > payload.bin
while [ $i -lt 2000 ]; do
  echo "payload line $i: 0123456789abcdefghijklmnopqrstuvwxyz" >> payload.bin
  i=$((i + 1))
done
cat > sftp-batch.txt <<BATCH
ls $dir
get $dir/payload.bin $dir/sftp-download.bin
put $dir/payload.bin $dir/sftp-upload.bin
rm $dir/sftp-upload.bin
BATCH
