#!/usr/bin/env bash
# Runs the Go anchor workloads and prints one JSON line per workload (median of rounds).
# Usage: run.sh [-only pingpong,skynet] [-rounds 5] [-n pingpong=100000,sieve=500]
# Needs a Go toolchain: on Debian, `apt-get install -y golang-1.19-go` (or any newer Go on PATH).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
GO="$(command -v go || true)"
[ -z "$GO" ] && GO="$(dpkg -L golang-1.19-go 2>/dev/null | grep -m1 '/bin/go$' || true)"
if [ -z "$GO" ]; then
  echo "go toolchain not found; install it with: apt-get install -y golang-1.19-go" >&2
  exit 3
fi
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
cp "$here/main.go" "$build/main.go"
cd "$build"
[ -f go.mod ] || "$GO" mod init anchor >/dev/null 2>&1
GOCACHE="$build/cache" GOFLAGS=-mod=mod "$GO" build -o anchor . 
./anchor "$@"
