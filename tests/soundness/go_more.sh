#!/bin/sh
# More of Debian's Go programs for the static soundness test (tests/go_static_test.cc): the
# Go toolchain building, vetting and formatting a module of its own (go, gofmt and the
# compile, asm, link and vet tools it runs; offline), restic backing up and restoring on a
# local repository, caddy formatting and adapting a Caddyfile. Runs in the scratch directory
# given as $1; deterministic, offline.
set -e
cd "$1"
export HOME="$1" GOCACHE="$1/go-cache" GOPATH="$1/go-path" GOPROXY=off GOFLAGS=-mod=mod \
  GO111MODULE=on GOENV=off GOTOOLCHAIN=local GOTELEMETRY=off
mkdir -p module && cd module
printf 'module example.com/module\n\ngo 1.19\n' > go.mod
printf 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() { fmt.Println(len(os.Args)) }\n' \
  > main.go
go version > /dev/null
go env GOOS > /dev/null
gofmt -l . > /dev/null
CGO_ENABLED=0 go build -buildvcs=false -o program .
./program > /dev/null
go vet .
cd ..
export RESTIC_PASSWORD=sysfence
restic init --repo repository --quiet
restic backup --repo repository --quiet module
restic snapshots --repo repository --quiet > /dev/null
restic restore latest --repo repository --target restored --quiet
restic check --repo repository --quiet
printf ':8080 {\n\trespond "hello"\n}\n' > Caddyfile
caddy version > /dev/null
caddy fmt Caddyfile > /dev/null
caddy adapt --config Caddyfile > /dev/null
