#!/usr/bin/env bash
# Where a server's CPU per request goes, goloom against the JDK's default scheduler: runs bench/servers.sh once per
# side and run, each side in its own JVM under async-profiler (CPU samples every 1 ms, the whole JVM's life), then
# splits the samples per request into what the server's threads were doing. Not part of CI.
#
#   bench/profile-servers.sh                                  HttpServer, 2 runs per side, 2 rounds x 8 s after 5 s
#   RUNS=3 bench/profile-servers.sh --server jetty            another server (bench/servers.sh options pass through)
#
# async-profiler comes from Maven Central (tools.profiler:async-profiler, Linux x64 or arm64). JIT and GC samples
# are left out of the split: their cost is per JVM, not per request. Output: one table, plus the raw profiles
# (collapsed stacks, for flame graphs) and logs in the directory it prints.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs="${RUNS:-2}"
case "$runs" in ''|*[!0-9]*|0) echo "profile-servers.sh: RUNS must be a positive integer, got '$runs'" >&2; exit 2 ;; esac
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--server httpserver --seconds 8 --rounds 2 --warmup 5)
version=4.2
case "$(uname -m)" in
  x86_64) arch=linux-x64 ;;
  aarch64) arch=linux-arm64 ;;
  *) echo "profile-servers.sh: async-profiler's Maven artifact has no library for $(uname -s) $(uname -m)" >&2; exit 2 ;;
esac
out="$(mktemp -d /tmp/goloom-profile-servers.XXXXXX)"
echo "profiles and logs: $out"

jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
if [ ! -f "$jar" ]; then
  mvn -q -B dependency:get -Dartifact="tools.profiler:async-profiler:$version" -Dtransitive=false >&2
fi
(cd "$out" && unzip -q -o "$jar" "$arch/libasyncProfiler.so")
lib="$out/$arch/libasyncProfiler.so"

GOLOOM_JMH_BUILD="${GOLOOM_JMH_BUILD:-reactor}" "$here/servers.sh" --help > /dev/null # build once
for ((i = 1; i <= runs; i++)); do
  for side in goloom jdk; do
    GOLOOM_JMH_BUILD=none \
      GOLOOM_JAVA_OPTS="-agentpath:$lib=start,event=cpu,interval=1ms,collapsed,file=$out/$side-$i.collapsed ${GOLOOM_JAVA_OPTS:-}" \
      "$here/servers.sh" "${args[@]}" --sides "$side" > "$out/$side-$i.log" 2>&1
    grep '^RESULT' "$out/$side-$i.log" || { echo "profile-servers.sh: no result in $out/$side-$i.log" >&2; exit 1; }
  done
done

python3 - "$out" "$runs" <<'EOF'
import collections, re, sys
out, runs = sys.argv[1], int(sys.argv[2])

def requests(log):
    """Requests served over the JVM's life: warm-up and rounds, req/s times seconds, from the log's own lines."""
    text = open(log).read()
    warm = re.search(r'after an? (\d+) s warm-up', text)
    secs = re.search(r'(\d+) rounds x (\d+) s', text)
    total = 0.0
    for kind, rate in re.findall(r'^\s+(warm-up|round \d+)\s+\S+\s+([\d,]+) req/s', text, re.M):
        total += float(rate.replace(',', '')) * int(warm.group(1) if kind == 'warm-up' else secs.group(2))
    return total

def thread_of(s):
    if 'dev/goloom/scheduler/M.run' in s or 'ForkJoinWorkerThread.run' in s:
        return 'carrier'
    if 'CompileBroker' in s or 'C2Compiler' in s or 'C1Compiler' in s:
        return 'jit'
    if 'WorkerThread::run' in s or 'ConcurrentGCThread' in s or 'G1' in s:
        return 'gc'
    if 'Dispatcher.run' in s or 'ManagedSelector' in s or 'SelectorManager' in s:
        return 'selector'
    return 'other'

HANDLER = ('ServerImpl$Exchange', 'HttpChannel', 'ServletChannel', 'ReservedThreadExecutor', 'Http11Processor')
SCHED = ('dev/goloom/scheduler', 'java/util/concurrent/ForkJoin')

def split(path):
    c = collections.Counter()
    for line in open(path):
        stack, _, n = line.rstrip().rpartition(' ')
        n = int(n)
        t = thread_of(stack)
        if t in ('jit', 'gc'):
            continue
        frames = stack.split(';')
        kernel = frames[-1].endswith('_[k]')
        handler = next((h for h in HANDLER if h in stack), None)
        if t == 'carrier' and handler:
            tail = stack.split(handler)[-1]
            if 'implWrite' in tail or 'implRead' in tail:
                key = 'request: socket I/O'
            elif kernel:
                key = 'request: other kernel'
            else:
                key = 'request: Java'
        elif any(p in stack for p in SCHED) and 'SchedulerManagement' not in stack:
            key = 'scheduling (%s)' % t
        else:
            key = 'rest (%s)' % t
        c[key] += n
    return c

rows = collections.defaultdict(dict)
for side in ('goloom', 'jdk'):
    for i in range(1, runs + 1):
        name = '%s-%d' % (side, i)
        n = requests('%s/%s.log' % (out, name))
        for k, v in split('%s/%s.collapsed' % (out, name)).items():
            rows[k][name] = 1000.0 * v / n  # 1 sample = 1 ms of CPU; per request in us
names = ['%s-%d' % (s, i) for s in ('goloom', 'jdk') for i in range(1, runs + 1)]
print()
print('CPU per request in us (JIT and GC left out), one column per JVM:')
print('%-28s' % 'where' + ''.join('%10s' % n for n in names))
for k in sorted(rows):
    print('%-28s' % k + ''.join('%10.2f' % rows[k].get(n, 0.0) for n in names))
print('%-28s' % 'total' + ''.join('%10.2f' % sum(rows[k].get(n, 0.0) for k in rows) for n in names))
EOF
