#!/usr/bin/env bash
# Runs the README's test command (mvn -B verify) N times in a row while other processes keep every core busy, the
# way it is run on a busy laptop or a shared CI machine, and prints one line per run and a summary. Not part of CI.
#
#   bench/loaded-tests.sh                 20 runs, one CPU burner per core
#   bench/loaded-tests.sh 5               5 runs
#   BURNERS=0 bench/loaded-tests.sh 3     3 runs on an idle machine (the same loop, no load)
#
# Logs of failed runs stay in target/loaded-tests/ (the newest run's surefire reports are in each module's target/).
# Exit status: 0 if every run passed, 1 otherwise.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-20}"
burners="${BURNERS:-$(nproc)}"
logdir="$root/target/loaded-tests"
mkdir -p "$logdir"
case "$runs" in ''|*[!0-9]*) echo "loaded-tests.sh: runs must be a positive integer, got '$runs'" >&2; exit 2 ;; esac
case "$burners" in ''|*[!0-9]*) echo "loaded-tests.sh: BURNERS must be a non-negative integer, got '$burners'" >&2; exit 2 ;; esac

pids=()
stop_burners() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap stop_burners EXIT
for _ in $(seq 1 "$burners"); do
  ( while :; do :; done ) &   # a plain shell busy loop: one core's worth of competing work
  pids+=("$!")
done

passed=0; failed=0
echo "loaded-tests: $runs runs of 'mvn -B verify' with $burners CPU burners on $(nproc) cores"
for i in $(seq 1 "$runs"); do
  log="$logdir/run-$i.log"
  start=$(date +%s)
  if (cd "$root" && mvn -B verify > "$log" 2>&1); then
    passed=$((passed + 1)); verdict=pass
  else
    failed=$((failed + 1)); verdict="FAIL (log: $log)"
  fi
  total=$(grep -h "Tests run:" "$log" | grep -v " -- in " | sed -n 's/.*Tests run: \([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}')
  echo "run $i: $verdict in $(( $(date +%s) - start )) s, ${total:-0} tests (all modules, both surefire runs)"
  if [ "$verdict" != pass ]; then
    grep -hE "<<< FAIL|Tests run:.*Fail" "$log" | grep -v "Failures: 0, Errors: 0" | head -5 | sed 's/^/    /'
  else
    rm -f "$log"
  fi
done
echo "loaded-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
