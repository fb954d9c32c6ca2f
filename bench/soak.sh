#!/usr/bin/env bash
# goloom's soak test (issue #11, not in CI): builds like bench/jmh.sh (same JDK search, GOLOOM_JMH_BUILD, MVN_FLAGS)
# and runs dev.goloom.report.Soak with every argument passed through. Exit status 0 PASS, 1 FAIL, 2 bad argument.
#
#   bench/soak.sh                       full size: 10^9 channel operations, 10^7 goroutines (see bench/README.md)
#   bench/soak.sh --scale 0.01          a quick run (1% of the targets)
#   bench/soak.sh --help                the options
#
# The JVM gets -Xmx1g unless GOLOOM_JAVA_OPTS says otherwise (a leak then ends in an OutOfMemoryError, not swap);
# GOLOOM_JAVA_OPTS="-Xmx1g -ea" also turns on goloom's assertions.
set -euo pipefail
export GOLOOM_JAVA_OPTS="${GOLOOM_JAVA_OPTS:--Xmx1g}"
GOLOOM_JMH_MAIN=dev.goloom.report.Soak exec "$(dirname "$0")/jmh.sh" "$@"
