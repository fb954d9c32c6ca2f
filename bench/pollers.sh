#!/usr/bin/env bash
# Where should the JDK's socket pollers run? -Dgoloom.pollers is JVM-wide, so each side runs in its own JVM as it
# would be deployed: goloom with the pollers on goloom's default scheduler, the JDK's scheduler with its own pollers
# (and, for reference, goloom with the JDK's pollers). Runs alternate; bench/servers.sh options pass through.
#
#   bench/pollers.sh                                 the 'blocking' server, 3 runs x (2 rounds x 5 s) per setting
#   RUNS=5 bench/pollers.sh --server httpserver      another server, more runs
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs="${RUNS:-3}"
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--server blocking --seconds 5 --rounds 2 --warmup 5)
out="$(mktemp)"
echo "log: $out"
GOLOOM_JMH_BUILD="${GOLOOM_JMH_BUILD:-reactor}" "$here/servers.sh" --help >/dev/null # build once
for ((i = 1; i <= runs; i++)); do
  for setting in "goloom goloom" "jdk JDK" "goloom jdk"; do
    read -r side pollers <<<"$setting"
    [ "$pollers" = JDK ] && pollers=jdk
    GOLOOM_JMH_BUILD=none GOLOOM_JAVA_OPTS="-Dgoloom.pollers=$pollers ${GOLOOM_JAVA_OPTS:-}" \
      "$here/servers.sh" "${args[@]}" --sides "$side" | tee -a "$out" | grep -E '^RESULT' || true
  done
done
echo
echo "median over runs and rounds, each side in its own JVM:"
grep '^RESULT' "$out" | awk '
  { key = $2 " " $3 " " $4
    for (f = 5; f <= NF; f++) { split($f, kv, "="); v[key, kv[1], ++n[key, kv[1]]] = kv[2]; names[kv[1]] = 1 }
    keys[key] = 1 }
  function med(key, name,    m, i, j, t, a) {
    m = n[key, name]; for (i = 1; i <= m; i++) a[i] = v[key, name, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int(m / 2) + 1] }
  END {
    printf "%-40s %10s %9s %9s %10s %10s\n", "server side pollers", "req/s", "p50 us", "p99 us", "ctx/s", "CPU us/req"
    for (k in keys) printf "%-40s %10.0f %9.0f %9.0f %10.0f %10.1f\n", k, med(k, "req/s"), med(k, "p50us"),
      med(k, "p99us"), med(k, "ctx/s"), med(k, "cpuus/req") }' | sort
