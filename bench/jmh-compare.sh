#!/usr/bin/env bash
# A/B of JMH benchmarks between a base revision and the working tree, for changes whose cost is a few percent on a
# noisy machine: builds both into their own temporary copies (reactor compile, nothing installed in ~/.m2), then runs
# the same JMH arguments ROUNDS times, alternating base and new, and prints per benchmark and parameters the median,
# min and max of the runs' scores and the median of the per-round new/base ratios.
#
#   bench/jmh-compare.sh <base-rev> <rounds> <jmh args...>
#   bench/jmh-compare.sh main 10 'ChanBenchmark.pingPong' -p impl=goloom@goloom -f 1 -wi 3 -w 1s -i 5 -r 1s
#
# Environment: WORK=/dir to keep the copies and results (default: a new directory under /tmp); JAVA and MVN_FLAGS
# as for bench/jmh.sh. Waits when another JMH run holds JMH's machine-wide lock (/tmp/jmh.lock).
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: bench/jmh-compare.sh <base-rev> <rounds> <jmh args...>" >&2
  exit 2
fi
base_rev="$1"; rounds="$2"; shift 2
case "$rounds" in ''|*[!0-9]*) echo "bench/jmh-compare.sh: rounds must be a positive integer, got '$rounds'" >&2; exit 2 ;; esac
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${WORK:-$(mktemp -d /tmp/goloom-jmh-compare.XXXXXX)}"
mkdir -p "$work/base" "$work/new" "$work/results"

git -C "$root" rev-parse --verify --quiet "$base_rev^{commit}" > /dev/null \
  || { echo "bench/jmh-compare.sh: '$base_rev' is not a commit" >&2; exit 2; }
git -C "$root" archive "$base_rev" | tar -x -C "$work/base"
(cd "$root" && tar --exclude='./*/target' --exclude='./.git' -cf - .) | tar -x -C "$work/new"
for side in base new; do
  echo "building $side in $work/$side" >&2
  (cd "$work/$side" && mvn -q -B -Dstyle.color=never ${MVN_FLAGS:-} -pl jmh -am compile dependency:build-classpath \
      -Dmdep.outputFile="$work/$side/jmh/target/jmh-classpath.txt" -DincludeScope=runtime)
done

run() { # side round
  local log="$work/results/$1-$2.log"
  for _ in $(seq 1 360); do
    GOLOOM_JMH_BUILD=none "$work/$1/bench/jmh.sh" "${jmh_args[@]}" -rf csv -rff "$work/results/$1-$2.csv" > "$log" 2>&1 \
      || { grep -q "Unable to acquire the JMH lock" "$log" || { cat "$log" >&2; exit 1; }; }
    grep -q "Unable to acquire the JMH lock" "$log" || return 0
    sleep 5 # another benchmark runs: wait for it rather than measure alongside it
  done
  echo "bench/jmh-compare.sh: JMH's lock stayed taken for 30 minutes" >&2
  exit 1
}
jmh_args=("$@")
for r in $(seq 1 "$rounds"); do
  run base "$r"
  run new "$r"
  echo "round $r of $rounds done" >&2
done

# One line per (side, round, benchmark+params): the score. Then the summary.
for f in "$work"/results/*.csv; do
  name="$(basename "$f" .csv)"; side="${name%-*}"; round="${name##*-}"
  awk -F',' -v side="$side" -v round="$round" 'NR > 1 {
      sub(/\r$/, "")  # JMH writes CRLF
      key = $1; for (i = 8; i <= NF; i++) if ($i != "") key = key " " $i; gsub(/"/, "", key)
      print side "\t" round "\t" key "\t" $5 }' "$f"
done > "$work/results/scores.tsv"
echo "results: $work/results" >&2
python3 - "$work/results/scores.tsv" <<'EOF'
import statistics as st, sys
rows = {}
for line in open(sys.argv[1]):
    side, rnd, key, score = line.rstrip("\n").split("\t")
    rows.setdefault(key, {}).setdefault(side, {})[int(rnd)] = float(score)
for key, sides in sorted(rows.items()):
    print(key)
    for side in ("base", "new"):
        v = list(sides.get(side, {}).values())
        if v:
            print(f"  {side:4}  median {st.median(v):10.1f}  min {min(v):10.1f}  max {max(v):10.1f}  ({len(v)} runs)")
    b, n = sides.get("base", {}), sides.get("new", {})
    ratios = [n[r] / b[r] for r in sorted(b) if r in n and b[r] > 0]
    if ratios:
        print(f"  new/base per round: median {st.median(ratios):.3f}  min {min(ratios):.3f}  max {max(ratios):.3f}")
EOF
