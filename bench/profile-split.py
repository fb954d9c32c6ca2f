#!/usr/bin/env python3
"""Splits a CPU profile into where the time goes: goloom's scheduler, goloom's channels and select, the JDK's
virtual-thread mount and unmount (VirtualThread, Continuation), the JVM's stack freeze and thaw, parking in the
kernel, GC and JIT, and the benchmark itself. Not part of the build.

    bench/jmh.sh 'ChanBenchmark.(pingPong|fanIn)$' -p impl=goloom@goloom -f 1 -wi 3 -w 1s -i 3 -r 3s \\
        -prof 'async:libPath=<libasyncProfiler.so>;output=collapsed;dir=target/prof;interval=200000'
    bench/profile-split.py target/prof/*pingPong*/collapsed-cpu.csv [--top REGEX]

Input: async-profiler's collapsed stacks ("frame;frame;...;leaf count" per line; libasyncProfiler.so is in the
Maven artifact tools.profiler:async-profiler, see profile-servers.sh). Each sample goes to the category of the
frame nearest its leaf that belongs to one, so a channel operation's park counts as mount/unmount, not as channel
code. --top REGEX also lists the heaviest frames matching REGEX (each with the leaf under it).
"""
import collections
import re
import sys

CATEGORIES = [  # per frame, the first category that matches wins
    ("JVM stack freeze/thaw", r"[Ff]reeze|[Tt]haw|cont_thaw|cont_freeze|Continuation::|StackChunk|stackChunk"),
    ("kernel park/unpark (futex)", r"futex|pthread_cond|Parker::|Unsafe_Park|Unsafe_Unpark|PlatformEvent|"
                                   r"__schedule|Unsafe\.park|Unsafe\.unpark"),
    ("GC and JIT", r"^G1|GCTaskThread|CompileBroker|C2Compiler|Compilation::|ConcurrentGCThread"),
    ("goloom channels", r"dev[/.]goloom[/.]channels"),
    ("goloom select", r"dev[/.]goloom[/.]select"),
    ("goloom scheduler", r"dev[/.]goloom[/.](scheduler|loom)"),
    ("JDK mount/unmount (VirtualThread, Continuation, LockSupport)",
     r"java[/.]lang[/.]VirtualThread|LockSupport|jdk[/.]internal[/.]vm[/.]Continuation|VTMS|jvmti_vthread|"
     r"setScopedValueCache"),
    ("benchmark code", r"dev[/.]goloom[/.]jmh|dev[/.]goloom[/.]report|org[/.]openjdk[/.]jmh"),
]


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    path, top = argv[1], None
    if len(argv) == 4 and argv[2] == "--top":
        top = re.compile(argv[3])
    elif len(argv) != 2:
        print(f"profile-split.py: expected FILE [--top REGEX], got {' '.join(argv[1:])}", file=sys.stderr)
        return 2
    cats = [(name, re.compile(rx)) for name, rx in CATEGORIES]
    totals, frames_top, n = collections.Counter(), collections.Counter(), 0
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError as e:
        print(f"profile-split.py: cannot read profile '{path}': {e.strerror}", file=sys.stderr)
        return 2
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        k = int(count)
        n += k
        frames = stack.split(";")
        totals[next((name for f in reversed(frames) for name, rx in cats if rx.search(f)), "other")] += k
        if top:
            hit = next((f for f in reversed(frames) if top.search(f)), None)
            if hit:
                frames_top[f"{hit}  <leaf {frames[-1][:60]}>"] += k
    if n == 0:
        print(f"profile-split.py: no samples in '{path}' (expected collapsed stacks)", file=sys.stderr)
        return 1
    for name, k in totals.most_common():
        print(f"{100.0 * k / n:6.1f}%  {name}")
    print(f"        {n} samples")
    for name, k in frames_top.most_common(15):
        print(f"{100.0 * k / n:6.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
