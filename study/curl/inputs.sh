#!/bin/sh
# Makes the curl study's inputs in $1: files the server serves (a text file, a larger one for
# a download to a file and a resumed one) and a form body to upload. Fixed content.
set -eu
dir=$1
mkdir -p "$dir/site"
cd "$dir"
echo "hello from the study's server" > site/hello.txt
i=0
: > site/large.txt
while [ $i -lt 20000 ]; do
  echo "line $i of a download" >> site/large.txt
  i=$((i + 1))
done
printf 'name=sysfence&kind=study\n' > form.txt
