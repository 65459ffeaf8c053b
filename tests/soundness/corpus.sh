#!/bin/sh
# Workloads of real programs for the static soundness test (tests/static_analysis_test.cc):
# traced with `sysfence trace`, every image they run is then checked against
# `sysfence static`. Runs in the scratch directory given as $1; deterministic, offline.
# A workload that fails still counts: its calls are real calls the program made.
cd "$1" || exit 2
seq 1 20000 > numbers
printf 'alpha\nbeta\ngamma\n' > words
printf 'alpha\nBETA\ngamma\ndelta\n' > words2
mkdir -p tree/sub && cp words tree/ && cp words2 tree/sub/

# coreutils and friends
ls -la tree > /dev/null
ls -R --color=always tree > /dev/null
cp -r tree tree-copy && mv tree-copy tree-moved && rm -r tree-moved
sort -r numbers | uniq | wc -l > /dev/null
sort --parallel=2 -S 1M -n numbers > sorted
head -n 3 numbers | tail -n 1 > /dev/null
cut -c1-2 words | tr a-z A-Z > /dev/null
md5sum numbers words > /dev/null
sha256sum numbers > /dev/null
base64 words | base64 -d > /dev/null
date -u +%s > /dev/null
stat -c '%n %s' numbers words > /dev/null
du -s tree > /dev/null
df -h . > /dev/null
id > /dev/null
touch -d '2020-01-01' words && chmod 600 words && ln -sf words link && readlink -f link > /dev/null
split -l 5000 numbers part_ && cat part_* | tee joined > /dev/null
mktemp -p . > /dev/null
env -i PATH=/usr/bin printenv > /dev/null
nproc > /dev/null
uname -a > /dev/null
timeout 5 sleep 0.01
find tree -name '*words*' -exec wc -c {} + > /dev/null
xargs echo < words > /dev/null

# text tools
grep -rn gamma tree > /dev/null
grep -E -c '^1[0-9]+$' numbers > /dev/null
sed -i 's/alpha/ALPHA/' words2
mawk '{ s += $1 } END { print s }' numbers > /dev/null
diff -u words words2 > /dev/null
diff -r tree tree > /dev/null
cmp words words2 > /dev/null
sdiff words words2 > /dev/null
echo '2^64 + 1' | bc > /dev/null

# compressors and archives
gzip -k -9 numbers && gunzip -c numbers.gz > /dev/null
xz -k -T2 numbers && xz -d -c numbers.xz > /dev/null
bzip2 -k numbers && bzip2 -d -c numbers.bz2 > /dev/null
zstd -q -T2 numbers -o numbers.zst && zstd -q -d -c numbers.zst > /dev/null
tar czf tree.tgz tree && tar tzf tree.tgz > /dev/null && tar xzf tree.tgz -C tree/sub
tar cJf tree.txz tree

# interpreters and tools
python3 -c 'import json, threading, subprocess, socket
t = threading.Thread(target=lambda: json.dumps({"a": [1, 2]})); t.start(); t.join()
subprocess.run(["true"])
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); s.close()'
# Extension modules the interpreter dlopens by a computed name.
python3 -c 'import ssl, sqlite3, ctypes, asyncio, select, mmap, hashlib
ssl.create_default_context()
sqlite3.connect(":memory:").execute("select 1")
async def nap(): await asyncio.sleep(0)
asyncio.run(nap())
mmap.mmap(-1, 4096).close()
select.epoll().close()
ctypes.CDLL(None).getpid()'
perl -e 'opendir(my $d, "."); my @f = readdir($d); open(my $fh, "<", "words"); my @l = <$fh>; print scalar(@l), "\n";' > /dev/null
jq -n '[range(10)] | add' > /dev/null
sqlite3 :memory: 'create table t(x); insert into t values (1), (2); select sum(x) from t;' > /dev/null
openssl dgst -sha256 numbers > /dev/null
openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -in words -out words.enc && \
  openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:x -in words.enc > /dev/null
file numbers words.enc /usr/bin/sh > /dev/null
curl -s file://"$1"/words > /dev/null
curl -s --max-time 2 http://127.0.0.1:9/ > /dev/null
printf 'all:\n\t@echo made > made\n' > Makefile && make -s > /dev/null
git init -q repo && git -C repo -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m x
git -C repo log --oneline > /dev/null

# Programs that load libcap (directly, or through libsystemd or the systemd NSS module): its
# exported constructor runs prctl(PR_CAPBSET_READ) in every one of them.
free -h > /dev/null
pgrep -c -x init > /dev/null
ps -o pid=,comm= -p $$ > /dev/null
busctl --version > /dev/null
loginctl --version > /dev/null
systemctl --version > /dev/null
ip -br addr > /dev/null
ip -j link show lo > /dev/null
/usr/sbin/capsh --print > /dev/null
/usr/sbin/getpcaps $$ > /dev/null 2>&1
bwrap --version > /dev/null
crun --version > /dev/null
# Functions found with dlsym by name: node (V8) looks up pkey_alloc and friends with
# dlsym(RTLD_DEFAULT, ...) and calls them through the pointer.
node -e 'const fs = require("fs"); fs.writeFileSync("node.txt", "x"); fs.readdirSync(".");
require("child_process").execFileSync("true"); setTimeout(() => {}, 5)'
# A program that sandboxes itself with libseccomp only when prctl(PR_GET_SECCOMP) says it is
# not under seccomp yet (man-db): the tracer must not show it its own filter.
MANPAGER=cat man -P cat ls > /dev/null 2>&1
exit 0
