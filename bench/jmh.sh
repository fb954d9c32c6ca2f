#!/usr/bin/env bash
# Compiles the jmh module and runs goloom's JMH benchmarks with the JVM flags goloom needs; every argument goes
# to JMH unchanged. Run from anywhere in the repository.
#
#   bench/jmh.sh -l                                              list the benchmarks
#   bench/jmh.sh ParkPingPong -f 1 -wi 3 -w 1s -i 5 -r 1s        one benchmark, short run
#   bench/jmh.sh ParkPingPong -p scheduler=goloom -prof gc       allocation per operation
#   bench/jmh.sh -h                                              JMH's own options
#
# Environment:
#   GOLOOM_JMH_BUILD=reactor  (default) compile jmh and the goloom modules it uses in one reactor build
#   GOLOOM_JMH_BUILD=module   compile only the jmh module, taking the other goloom modules from ~/.m2
#                             (for a work tree where other people are compiling their modules)
#   GOLOOM_JMH_BUILD=none     reuse the last build
#   JAVA=/path/to/bin/java    the JDK (>= 25) to run; default: the newest JDK >= 25 found on this machine
#   MVN_FLAGS="-o"            extra Maven flags (e.g. offline)
#   GOLOOM_JMH_MAIN=class     run another main class of the jmh module with the same JDK, flag and class path
#                             instead of JMH (bench/servers.sh runs dev.goloom.jmh.server.ServerBench this way)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
min_major=25

# The feature version of a java binary (25 for "25.0.3"), or nothing if it cannot be run.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}

find_java() {
  local candidates=() c best="" best_major=0 major
  [ -n "${JAVA:-}" ] && { echo "$JAVA"; return; }
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for c in /usr/lib/jvm/*/bin/java /usr/java/*/bin/java /opt/java/*/bin/java /opt/*/bin/java \
           "$HOME"/.sdkman/candidates/java/*/bin/java "$(command -v java 2>/dev/null || true)"; do
    [ -x "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    major="$(java_major "$c")"
    if [ -n "$major" ] && [ "$major" -ge "$min_major" ] && [ "$major" -gt "$best_major" ]; then
      best="$c"; best_major="$major"
    fi
  done
  echo "$best"
}

java_bin="$(find_java)"
if [ -z "$java_bin" ] || [ ! -x "$java_bin" ]; then
  echo "bench/jmh.sh: no JDK >= $min_major found (looked in JAVA, JAVA_HOME, /usr/lib/jvm, /usr/java, /opt, ~/.sdkman, PATH); install one, e.g. Temurin 25, or set JAVA=/path/to/bin/java" >&2
  exit 2
fi
major="$(java_major "$java_bin")"
if [ -z "$major" ] || [ "$major" -lt "$min_major" ]; then
  echo "bench/jmh.sh: $java_bin is Java ${major:-unknown}; goloom needs a JDK >= $min_major" >&2
  exit 2
fi

cpfile="$root/jmh/target/jmh-classpath.txt"
# shellcheck disable=SC2086
case "${GOLOOM_JMH_BUILD:-reactor}" in
  reactor)
    # One reactor build: jmh's goloom dependencies resolve to their target/classes. dependency:build-classpath
    # runs in every module of the reactor; jmh is built last, so the file ends up holding jmh's class path.
    (cd "$root" && mvn -q -B -Dstyle.color=never ${MVN_FLAGS:-} -pl jmh -am compile dependency:build-classpath \
        -Dmdep.outputFile="$cpfile" -DincludeScope=runtime) ;;
  module)
    (cd "$root" && mvn -q -B -Dstyle.color=never ${MVN_FLAGS:-} -pl jmh compile dependency:build-classpath \
        -Dmdep.outputFile="$cpfile" -DincludeScope=runtime) ;;
  none)
    [ -f "$cpfile" ] || { echo "bench/jmh.sh: GOLOOM_JMH_BUILD=none but $cpfile does not exist; build first" >&2; exit 2; } ;;
  *)
    echo "bench/jmh.sh: GOLOOM_JMH_BUILD must be reactor, module or none, got '${GOLOOM_JMH_BUILD}'" >&2
    exit 2 ;;
esac

# JMH forks its benchmark JVMs with this JVM's java and class path; the benchmarks add the --add-opens flag to
# their forks themselves (@Fork jvmArgsAppend), and this JVM gets it too for -f 0 runs.
# GOLOOM_JAVA_OPTS adds JVM options to this JVM (a profiler agent, -Xlog, a heap size).
# shellcheck disable=SC2086
exec "$java_bin" --add-opens java.base/java.lang=ALL-UNNAMED ${GOLOOM_JAVA_OPTS:-} \
  -cp "$root/jmh/target/classes:$(cat "$cpfile")" "${GOLOOM_JMH_MAIN:-org.openjdk.jmh.Main}" "$@"
