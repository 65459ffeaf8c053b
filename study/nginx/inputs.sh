#!/bin/sh
# Makes the nginx study's content in $1: a small site (a page, a stylesheet, an image-sized
# binary, a directory with an index and one without), a larger file served with sendfile, and
# the files the loopback backend serves behind the proxy. Fixed content, so every run does the
# same.
set -eu
dir=$1
mkdir -p "$dir/www/docs" "$dir/www/files" "$dir/backend/api"
cd "$dir"
printf '<html><body><h1>sysfence</h1></body></html>\n' > www/index.html
printf 'body { color: #333; }\n' > www/style.css
printf '<html><body>docs</body></html>\n' > www/docs/index.html
printf '\000\001\002\003\177\200\376\377 binary content\n' > www/files/bytes.bin
i=0
: > www/files/large.txt
while [ $i -lt 40000 ]; do
  echo "line $i of a file large enough for sendfile and ranges" >> www/files/large.txt
  i=$((i + 1))
done
printf '{"status": "ok"}\n' > backend/api/status.json
printf 'from the backend\n' > backend/index.html
