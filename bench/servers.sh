#!/usr/bin/env bash
# Real servers on goloom vs the JDK's default virtual-thread scheduler: builds like bench/jmh.sh (same JDK search,
# same GOLOOM_JMH_BUILD and MVN_FLAGS) and runs dev.goloom.jmh.server.ServerBench with every argument passed through.
#
#   bench/servers.sh                                         HttpServer then Jetty, 3 rounds x 8 s after an 8 s warm-up
#   bench/servers.sh --server jetty --seconds 10 --rounds 3  one server
#   bench/servers.sh --load java                             the bounded Java client even if wrk is installed
#   bench/servers.sh --help                                  the options
#
# Load comes from Debian's wrk (apt-get install -y wrk) on 127.0.0.1, or from the bounded Java client without it.
set -euo pipefail
GOLOOM_JMH_MAIN=dev.goloom.jmh.server.ServerBench exec "$(dirname "$0")/jmh.sh" "$@"
