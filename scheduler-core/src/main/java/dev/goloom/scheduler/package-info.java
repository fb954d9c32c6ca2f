/**
 * goloom's M:P:G engine: Go's runtime scheduler as an {@link java.util.concurrent.Executor} for virtual-thread
 * continuations. Users start with {@link dev.goloom.scheduler.GoScheduler} and its
 * {@link dev.goloom.scheduler.SchedulerConfig.Builder}; {@link dev.goloom.scheduler.SchedulerStats} is its
 * snapshot.
 *
 * <h2>Implementation Overview</h2>
 * (For maintainers. The user-facing documentation is on the public classes.)
 *
 * <p>The JDK runs a virtual thread by submitting its continuation task ({@code runContinuation}) to the thread's
 * scheduler; goloom is that scheduler, built the way Go's {@code runtime/proc.go} builds Go's. The mapping:
 * <ul>
 *   <li><b>G</b> (goroutine) = a virtual thread; its submitted task is what sits in run queues.</li>
 *   <li><b>M</b> (machine) = a carrier: a platform thread that mounts continuations.</li>
 *   <li><b>P</b> (processor) = a slot an M must hold to run goroutines; {@code maxProcs} of them hold a run token
 *       at once (Go's GOMAXPROCS). Each P has a 256-slot lock-free local run queue and a LIFO {@code runnext}
 *       slot.</li>
 * </ul>
 *
 * <h3>Where each role lives</h3>
 * <table class="striped">
 *   <caption>Go's roles and goloom's files</caption>
 *   <thead><tr><th>Go</th><th>goloom</th></tr></thead>
 *   <tbody>
 *   <tr><td>{@code schedt} (runtime2.go) and its proc.go functions: idle P/M lists, run tokens
 *       ({@code npidle}), {@code nmspinning}, {@code sched.runq}, {@code wakep}, {@code startm},
 *       {@code globrunqget}, {@code handoffp}</td><td>{@code Sched}</td></tr>
 *   <tr><td>{@code allm}, {@code sched.midle}, {@code newm}, {@code stopm}, {@code mput}/{@code mget}</td>
 *       <td>{@code Carriers}</td></tr>
 *   <tr><td>{@code type m}, {@code mstart}, {@code schedule}, {@code findRunnable}, {@code stealWork},
 *       {@code execute}, {@code entersyscall}/{@code exitsyscall}</td><td>{@code M}</td></tr>
 *   <tr><td>{@code type p}, {@code runqput}</td><td>{@code P}</td></tr>
 *   <tr><td>{@code p.runq}/{@code runnext}, {@code runqget}, {@code runqputslow}, {@code runqgrab},
 *       {@code runqsteal}</td><td>{@code internal.LocalRunQueue} (owner handle),
 *       {@code internal.RunQueueStealer} (everyone else's view), {@code internal.StealResult}</td></tr>
 *   <tr><td>{@code sched.runq}, {@code globrunqput(batch)}</td><td>{@code internal.GlobalRunQueue}</td></tr>
 *   <tr><td>{@code sched.lock}</td><td>{@code internal.SpinLock}</td></tr>
 *   <tr><td>{@code sysmon}, {@code retake}, {@code p.sysmontick}</td><td>{@code Sysmon}</td></tr>
 *   <tr><td>(none: goloom's deviation) watching hand-off chains</td><td>{@code HandoffWatch}</td></tr>
 *   <tr><td>{@code p.timers} (time.go's {@code timers}: {@code addHeap}, {@code deleteMin}, {@code siftUp},
 *       {@code siftDown}, {@code timer0When})</td><td>{@code internal.TimerHeap}</td></tr>
 *   <tr><td>{@code addtimer}, {@code checkTimers}, {@code runtimer}, {@code timeSleepUntil},
 *       {@code wakeNetPoller}, the M blocked in {@code netpoll(delay)}</td><td>{@code SchedTimers}</td></tr>
 *   <tr><td>{@code GODEBUG=schedtrace}</td><td>{@code SchedulerStats}, fed by {@code Counter},
 *       {@code SingleWriterCounters}, {@code SharedCounters}; printed every interval by {@code Sysmon}
 *       ({@code -Dgoloom.schedtrace})</td></tr>
 *   <tr><td>{@code traceback.go}'s {@code tracebackothers} / {@code goroutineheader}, {@code g.waitreason},
 *       {@code g.waitsince}, {@code g.parentGoid}</td><td>{@code Goroutines} (dumps of every scheduler),
 *       {@code GoroutineDump} (reads a goroutine: carriers for running/syscall, the virtual thread for the rest),
 *       {@code DumpJson}, {@code G} (the registry's per-goroutine record), {@code spi.WaitClock} (the coarse clock
 *       sysmon keeps for wait starts), {@code spi.WaitDescriber} (channels' and select's waits, read from the park
 *       blocker)</td></tr>
 *   <tr><td>{@code checkdead} ({@code all goroutines are asleep - deadlock!})</td><td>{@code Checkdead}, run by
 *       {@code Sysmon} in its all-idle rounds ({@code -Dgoloom.deadlock}); {@code spi.WaitDescriber#abort} fails
 *       the blocked channel operations in {@code fail} mode</td></tr>
 *   <tr><td>{@code runtime/metrics}' {@code /sched/...} entries, {@code /sched/latencies} (Go times 1 in 8
 *       goroutines: {@code g.tracking})</td><td>{@code SchedulerMetrics}, {@code LatencyDistribution}; a sampled
 *       task travels through the queues in a {@code SampledTask} and is timed into its dispatching P's
 *       {@code SingleWriterHistogram}</td></tr>
 *   <tr><td>(none: Java's) JMX and JFR</td><td>{@code SchedulerManagement} (the {@code GoSchedulerMXBean}),
 *       {@code SchedulerEvents} (the {@code goloom.*} JFR events)</td></tr>
 *   <tr><td>{@code isSystemGoroutine} (here: the JDK's socket sub-pollers, {@code -Dgoloom.pollers=goloom})</td>
 *       <td>{@code spi.SystemGoroutines}, {@code GoScheduler.startSystem}</td></tr>
 *   <tr><td>{@code GOMAXPROCS} and {@code GODEBUG} parsing</td><td>{@code SchedulerConfig}</td></tr>
 *   <tr><td>{@code procresize}, {@code runtime.GOMAXPROCS(n)}, sysmon's {@code sysmonUpdateGOMAXPROCS}</td>
 *       <td>{@code Procresize} (the P-list primitives it uses are in {@code Sched})</td></tr>
 *   <tr><td>{@code defaultGOMAXPROCS}, {@code internal/runtime/cgroup}</td><td>{@code DefaultMaxProcs},
 *       {@code CgroupCpu}</td></tr>
 *   <tr><td>{@code newproc}/{@code ready}: where a submitted task goes</td><td>{@code GoScheduler.execute}</td></tr>
 *   <tr><td>the hooks loom-bridge calls on the current carrier</td><td>{@code spi.Carrier},
 *       {@code spi.TaskSupport}</td></tr>
 *   <tr><td>{@code time.NewTimer}/{@code time.Sleep}'s use of runtime timers, for channels</td>
 *       <td>{@code spi.Timers}</td></tr>
 *   </tbody>
 * </table>
 *
 * <h3>Placement</h3>
 * A task readied by code running on a P (unpark, {@code Thread.start}) goes to that P's {@code runnext}, so it runs
 * next on the same carrier, close to the data its waker just produced (Go: {@code ready}, {@code newproc}). The
 * displaced runnext goes to the local tail; a full local ring spills half of itself plus the new task to the
 * global queue (Go: {@code runqputslow}). Tasks from any other thread go to the global queue; a goroutine resumed
 * from there goes ahead of new work in it (docs/adr/0006-external-submissions.md). A carrier looks for
 * work in Go's order ({@code M.findRunnable}): the global queue first every 61st tick (fairness), its runnext and
 * local ring, the global queue, then steals half of a random victim's ring (up to four passes, a victim's runnext
 * only on the last pass and after a short back-off, skipped when the victim's carrier is blocked inside its
 * goroutine: docs/adr/0010), then gives up its P and parks.
 *
 * <p>A task taken from runnext inherits the current time slice (Go: {@code inheritTime}), so a pair of goroutines
 * ping-ponging through runnext shares one slice; once a chain has held its P for a whole slice (10 ms by default)
 * the next runnext task is sent to the global queue and the local ring gets the P (Go gets the same effect from
 * sysmon preempting the chain). {@code Thread.yield()} resubmits a goroutine from its own carrier; goloom
 * recognises it and puts it on the global queue (Go: {@code Gosched}), never in runnext; so does a yielded goroutine
 * that another goroutine resubmits (the JDK's {@code getStackTrace} does, after holding it back to look).
 *
 * <h3>Blocked carriers, hogs and sysmon</h3>
 * The JDK unmounts a virtual thread for most blocking, but not for file I/O, native calls, class initialisers or
 * pinned sections, and it never preempts a running one. {@code Sysmon} (Go's) sleeps 20 us to 10 ms (indefinitely
 * when every token is free) and takes a run token from a carrier stuck in one task while using almost no CPU, or
 * from one hogging the CPU while work waits (after setting its preempt flag, which {@code Go.checkpoint()} obeys).
 * Only the token moves, never the P object: see {@code P} and docs/adr/0001-run-token-moves-not-the-p.md.
 *
 * <h3>Resizing</h3>
 * {@code GoScheduler.setMaxProcs} and sysmon's once-a-second update of a default maxProcs (the container's CPU
 * limit, the CPU count) change the number of tokens without stopping the world: a P that goes away while a carrier
 * holds it loses its token at once (status RETIRING) and its carrier, at its next scheduling point, moves the P's
 * queue to the global queue and retires it; idle ones go at once; their timers move to a live P. The protocol and
 * its invariants: {@code Procresize}.
 *
 * <h3>Timers</h3>
 * Each P has a timer heap ({@code internal.TimerHeap}, its own spin lock). Carriers run due timers in
 * {@code M.findRunnable} (their own P's first, others' on the last steal pass and at the fairness tick); an idle
 * carrier becomes the one timer sleeper that parks until the earliest deadline (Go's netpoll M); sysmon starts a
 * carrier for a timer nobody got to. Details and the no-lost-wake-up recipe: {@code SchedTimers};
 * why: docs/adr/0005-timers-on-per-p-heaps.md.
 *
 * <h3>Thread parking and unparking</h3>
 * As in Go ("Worker thread parking/unparking" in proc.go): new work wakes one more carrier only if a token is free
 * and no carrier is spinning ({@code Sched.wakep}); a spinning carrier that finds work wakes a replacement
 * ({@code M.resetspinning}); at most half of the busy tokens have spinning carriers. Idle carriers park on the
 * idle-M list and exit after a keep-alive. One deliberate deviation: a spinning carrier that sees a hand-off chain
 * on another P keeps its P and watches it instead of parking ({@code HandoffWatch},
 * docs/adr/0002-hand-off-chain-watcher.md).
 *
 * <h3>Delicate dance: no lost wake-ups</h3>
 * Two mirrored recipes, each a Dekker-style store / full fence / load. Whichever side runs second sees the other.
 * <ol>
 *   <li><b>Submitter</b> ({@code GoScheduler.execute} then {@code Sched.wakep}): (1) publish the task (ring tail
 *       store-release, runnext exchange, or global offer); (2) full fence; (3) read the free tokens and
 *       {@code nmspinning}; wake a carrier if a token is free and nobody spins.</li>
 *   <li><b>Carrier giving up</b> ({@code M.findRunnable}, after {@code Sched.releasep}): (1) put its P on the
 *       idle list (a token freed) and, if it was spinning, decrement {@code nmspinning}; (2) full fence; (3)
 *       re-check the global queue and, if it was spinning, every P's local queue; take an idle P back if it finds
 *       work.</li>
 * </ol>
 *
 * <h3>Designs rejected</h3>
 * <ul>
 *   <li><b>One shared queue</b> (a {@code ThreadPoolExecutor} or a single MPMC queue): every submit and take
 *       contends on one cache line, and there is no place for runnext locality. Go's first scheduler was this.</li>
 *   <li><b>ForkJoinPool with LIFO mode</b>: FJP's local LIFO is a whole deque, not one slot, so a burst of starts
 *       runs newest-first and starves older local work; FJP also has no fairness tick and no time slice.</li>
 *   <li><b>Handing a readied task directly to a freshly woken carrier</b>: costs a thread wake-up per hand-off and
 *       loses locality (Go's proc.go rejects it for the same reasons).</li>
 *   <li><b>A {@code ReentrantLock} or {@code synchronized} anywhere {@code execute} can reach</b>: {@code execute}
 *       is called from pinned virtual threads, where parking on a lock parks the carrier itself; goloom uses a
 *       never-parking {@code SpinLock} around a handful of field writes, and CAS for the lifecycle state.</li>
 * </ul>
 *
 * <h3>Conventions</h3>
 * <ul>
 *   <li>Every method says who may call it: "owner only" (the M holding the P), "called by m only", "any thread",
 *       or "requires the sched lock" (asserted on its first line).</li>
 *   <li>Accessor prefixes name memory ordering (JCTools style): {@code lv} volatile load, {@code la} acquire load,
 *       {@code lo} opaque load, {@code sv} volatile store, {@code so} release store, {@code cas} compare-and-set,
 *       {@code xadd} atomic add. No class touches another class's VarHandles.</li>
 *   <li>Comments mirror Go's names ({@code // Go: runqputslow}) so the two can be read side by side.</li>
 *   <li>Go's {@code randomizeScheduler} exists as a test-only mode ({@code -Dgoloom.debug.randomizeScheduler=<seed>}):
 *       runnext puts ignored half the time, spilled batches shuffled, runnext steals on any pass.</li>
 * </ul>
 */
package dev.goloom.scheduler;
