#!/bin/sh
# Makes the diff study's inputs in $1: text files that are equal and that differ, large files,
# binary files and two directory trees. The content is fixed, so every run sees the same data.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"

i=1
: > a.txt
while [ $i -le 200 ]; do
  echo "line $i of the first file: the quick brown fox jumps over the lazy dog" >> a.txt
  i=$((i + 1))
done
cp a.txt a_copy.txt
sed -e 's/line 17 /LINE 17 /' -e '/line 50 /d' -e 's/lazy dog$/lazy  dog/' a.txt > b.txt
echo "an appended line" >> b.txt

seq 1 300000 > big1.txt
sed -e 's/^150000$/changed/' -e '/^250000$/d' big1.txt > big2.txt

printf 'ELF\000\001\002binary\000data\377\376' > bin1.bin
printf 'ELF\000\001\003binary\000data\377\375' > bin2.bin

mkdir -p dir1/sub dir2/sub dir1/only-left dir2/only-right
cp a.txt dir1/same.txt
cp a.txt dir2/same.txt
cp a.txt dir1/sub/changed.txt
cp b.txt dir2/sub/changed.txt
echo "left only" > dir1/only-left/file.txt
echo "right only" > dir2/only-right/file.txt
echo "new file" > dir2/sub/new.txt
