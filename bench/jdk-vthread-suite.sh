#!/usr/bin/env bash
# Runs the JDK's own virtual-thread tests (test/jdk/java/lang/Thread/virtual: main tier and stress/) on goloom, with
# the JDK's default scheduler as the control (issue #11; not in CI; about 75 minutes on a busy 2-core machine).
#
#   bench/jdk-vthread-suite.sh --mirror REPO [--tag jdk-25+27]   tests from a git repository of the JDK's sources
#   bench/jdk-vthread-suite.sh --jdk-src DIR                      tests from a JDK source checkout
#
# Options:
#   --work DIR            where sources, classes, logs and results.md go (default: target/jdk-vthread-suite)
#   --only REGEX          run only the actions whose "file variant" matches (e.g. 'ThreadAPI|stress/Skynet ')
#   --timeout-factor F    multiplies each action's jtreg timeout (120 s unless its @run says /timeout=N); default 2
#   --reruns N            reruns on goloom of an action that failed only there, to see flakiness; default 1
#   --no-build            reuse the goloom jars already in scheduler-core/target and loom-bridge/target
#   --help                this text
# Environment: JAVA=/path/to/bin/java (default: a JDK on this machine whose feature version is the sources'),
#   MVN_FLAGS="-o" (extra Maven flags).
#
# Each jtreg @run action (junit, main, main/othervm with its VM flags, /native with the test's C libraries built
# by cc) runs in its own JVM, once on the JDK's scheduler on a platform thread as jtreg runs it, once started in a
# goroutine of GoScheduler.defaultScheduler() so that the test's Thread.ofVirtual() threads inherit goloom.
# Prints a Markdown table and a summary (also in DIR/results.md). Exit status: 0 when nothing fails only on
# goloom except the differences README.md documents, 1 otherwise, 2 for a bad argument or setup.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
junit_platform=1.11.4   # the JUnit Platform of the project's JUnit 5.11.4 (root pom)
die() { echo "jdk-vthread-suite.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

jdk_src="" mirror="" tag="jdk-25+27" work="$root/target/jdk-vthread-suite" only="" factor="2" reruns="1" build=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --jdk-src|--mirror|--tag|--work|--only|--timeout-factor|--reruns)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
      case "$1" in
        --jdk-src) jdk_src="$2" ;; --mirror) mirror="$2" ;; --tag) tag="$2" ;; --work) work="$2" ;;
        --only) only="$2" ;; --timeout-factor) factor="$2" ;; --reruns) reruns="$2" ;;
      esac
      shift 2 ;;
    --no-build) build=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$jdk_src" ] || [ -n "$mirror" ] || die "give the tests' sources: --jdk-src DIR or --mirror REPO (see --help)"
[ -z "$jdk_src" ] || [ -z "$mirror" ] || die "--jdk-src '$jdk_src' and --mirror '$mirror': give only one"
[[ "$factor" =~ ^[0-9]+(\.[0-9]+)?$ ]] && [[ ! "$factor" =~ ^0+(\.0+)?$ ]] \
  || die "--timeout-factor must be a number above 0, got '$factor'"
[[ "$reruns" =~ ^[0-9]+$ ]] || die "--reruns must be a non-negative integer, got '$reruns'"
mkdir -p "$work" || die "--work '$work' cannot be created"
work="$(cd "$work" && pwd)"
suite_rel=test/jdk/java/lang/Thread/virtual

# 1. The sources: test/jdk/java/lang/Thread/virtual and test/lib.
if [ -n "$mirror" ]; then
  git -C "$mirror" rev-parse --git-dir >/dev/null 2>&1 || die "--mirror '$mirror' is not a git repository"
  git -C "$mirror" rev-parse --verify -q "$tag^{commit}" >/dev/null || die "--tag '$tag' is not in --mirror '$mirror'"
  src="$work/src"
  rm -rf "$src"; mkdir -p "$src"
  # git may print errors about objects outside these paths that a partial mirror lacks; only the status counts
  git -C "$mirror" archive "$tag" "$suite_rel" test/lib 2>"$work/git-archive.log" | tar -x -C "$src" \
    || die "git archive of $suite_rel and test/lib at '$tag' failed ($(tail -1 "$work/git-archive.log"))"
  feature="$(git -C "$mirror" show "$tag:make/conf/version-numbers.conf" 2>/dev/null \
    | sed -n 's/^DEFAULT_VERSION_FEATURE=\([0-9]*\).*/\1/p')"
  origin="$mirror at $tag"
else
  [ -d "$jdk_src" ] || die "--jdk-src '$jdk_src' is not a directory"
  src="$(cd "$jdk_src" && pwd)"
  feature="$(sed -n 's/^DEFAULT_VERSION_FEATURE=\([0-9]*\).*/\1/p' "$src/make/conf/version-numbers.conf" 2>/dev/null || true)"
  origin="$src"
fi
[ -d "$src/$suite_rel" ] || die "no $suite_rel in $origin"
[ -d "$src/test/lib" ] || die "no test/lib in $origin"

# 2. The JDK: JAVA, or one whose feature version is the sources' (a JDK's tests expect that JDK).
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1; }
java_bin="${JAVA:-}"
if [ -z "$java_bin" ]; then
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java; do
    [ -x "$c" ] || continue
    m="$(java_major "$c")"
    if [ -n "$feature" ] && [ "$m" = "$feature" ]; then java_bin="$c"; break; fi
    if [ -z "$feature" ] && [ -n "$m" ] && [ "$m" -ge 25 ]; then java_bin="$c"; fi
  done
  [ -n "$java_bin" ] || die "no JDK ${feature:-25 or newer} found in JAVA_HOME or /usr/lib/jvm; set JAVA=/path/to/bin/java"
fi
[ -x "$java_bin" ] || die "JAVA '$java_bin' is not an executable"
major="$(java_major "$java_bin")"
[ -n "$major" ] && [ "$major" -ge 25 ] || die "JAVA '$java_bin' is Java ${major:-unknown}; goloom needs 25 or newer"
[ -z "$feature" ] || [ "$major" = "$feature" ] \
  || echo "jdk-vthread-suite.sh: warning: the tests are JDK $feature's, the JDK is $major" >&2
javac_bin="$(dirname "$java_bin")/javac"
[ -x "$javac_bin" ] || die "no javac next to '$java_bin' (a JDK is needed, not a JRE)"

# 3. goloom (scheduler-core and loom-bridge jars, built into target/; never installed) and the JUnit Platform.
# shellcheck disable=SC2086
if [ "$build" = yes ]; then
  echo "building goloom (mvn -pl loom-bridge -am package -DskipTests) ..." >&2
  (cd "$root" && mvn -q -B -Dstyle.color=never ${MVN_FLAGS:-} -pl loom-bridge -am package -DskipTests) \
    || die "the goloom build failed"
fi
goloom_cp=""
for m in scheduler-core loom-bridge; do
  # the main artifact only, not a classifier jar (sources, javadoc, loom-bridge's test-support)
  jar="$(ls "$root/$m/target/$m"-*.jar 2>/dev/null | grep -E "/$m-[0-9][0-9A-Za-z.]*(-SNAPSHOT)?\.jar\$" | head -1 || true)"
  [ -n "$jar" ] || die "no $m jar in $root/$m/target (run without --no-build)"
  goloom_cp="$goloom_cp${goloom_cp:+:}$jar"
done
junit_jar="$work/lib/junit-platform-console-standalone-$junit_platform.jar"
if [ ! -f "$junit_jar" ]; then
  # shellcheck disable=SC2086
  (cd "$work" && mvn -q -B -Dstyle.color=never ${MVN_FLAGS:-} dependency:copy \
      -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_platform" -DoutputDirectory="$work/lib") \
    || die "could not fetch org.junit.platform:junit-platform-console-standalone:$junit_platform with Maven"
fi

# 4. The harness: TestLauncher (runs one action inside a test JVM) and VThreadSuite (the driver).
rm -rf "$work/launcher"
"$javac_bin" -nowarn -d "$work/launcher" -cp "$junit_jar:$goloom_cp" "$root"/bench/jdk-vthread-suite/*.java \
  || die "the harness in bench/jdk-vthread-suite does not compile"

echo "tests: $origin; JDK: $java_bin ($("$java_bin" -version 2>&1 | head -1)); logs: $work/logs" >&2
exec "$java_bin" -cp "$work/launcher" VThreadSuite --suite "$src/$suite_rel" --testlib "$src/test/lib" \
  --work "$work" --launcher "$work/launcher" --junit "$junit_jar" --goloom "$goloom_cp" \
  --timeout-factor "$factor" --reruns "$reruns" ${only:+--only "$only"}
