// Anchor workloads in Go, the reference the Java scheduler is measured against.
// Each workload prints one JSON line: {"workload": ..., "value": ..., "unit": ...}.
// The Java side (jmh module) measures the same work with the same parameters.
//
// goloom's copy of the anchor (shared/anchors/go/main.go). Two additions: -n overrides workload sizes
// (e.g. -n pingpong=100000,sieve=500) so that the main job's --quick run compares the same work; and each line of
// a workload timed in ns/... or ms also carries the process CPU time (getrusage user+sys) around each round in the
// same unit ("cpu": the median, "cpu_unit"), and every round's figures ("rounds", "cpu_rounds"), so the main job
// can put CPU per operation beside wall time. Without -n the values are the anchor's as they were.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type result struct {
	Workload   string  `json:"workload"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	N          int     `json:"n"`
	GoMaxProcs int     `json:"gomaxprocs"`
	GoVersion  string  `json:"go"`
	// Only for the workloads whose unit is a time (see cpuIn): the median of cpu_rounds, its unit, and the
	// figures of every round, sorted (wall and CPU sorted separately).
	CPU       *float64  `json:"cpu,omitempty"`
	CPUUnit   string    `json:"cpu_unit,omitempty"`
	Rounds    []float64 `json:"rounds,omitempty"`
	CPURounds []float64 `json:"cpu_rounds,omitempty"`
}

func emit(name string, value float64, unit string, n int) {
	writeLine(result{Workload: name, Value: value, Unit: unit, N: n})
}

// emitRounds prints the median of vals with every round's value and, when cpus is not nil, the same for the CPU
// figures. Both slices are sorted here.
func emitRounds(name string, vals, cpus []float64, unit string, n int) {
	sort.Float64s(vals)
	r := result{Workload: name, Value: vals[len(vals)/2], Unit: unit, N: n, Rounds: vals}
	if cpus != nil {
		sort.Float64s(cpus)
		median := cpus[len(cpus)/2]
		r.CPU, r.CPUUnit, r.CPURounds = &median, unit, cpus
	}
	writeLine(r)
}

func writeLine(r result) {
	r.GoMaxProcs, r.GoVersion = runtime.GOMAXPROCS(0), runtime.Version()
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
}

// cpuIn converts the process CPU time of one round into the workload's unit: per operation (cpu / n) for "ns/..."
// units, the round's total for "ms". ok is false for units that are not a time (bytes/goroutine).
func cpuIn(unit string, cpuNanos int64, n int) (v float64, ok bool) {
	switch {
	case strings.HasPrefix(unit, "ns/"):
		return float64(cpuNanos) / float64(n), true
	case unit == "ms":
		return float64(cpuNanos) / 1e6, true
	}
	return 0, false
}

// pingpong: two goroutines exchange a value over two unbuffered channels.
func pingpong(n int) float64 {
	a, b := make(chan int), make(chan int)
	go func() {
		for i := 0; i < n; i++ {
			b <- <-a
		}
	}()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		a <- i
		<-b
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(n)
}

// selectpingpong: as pingpong, but the echo side waits in a two-case select.
func selectpingpong(n int) float64 {
	a, b, quit := make(chan int), make(chan int), make(chan int)
	go func() {
		for i := 0; i < n; i++ {
			select {
			case v := <-a:
				b <- v
			case <-quit:
				return
			}
		}
	}()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		a <- i
		<-b
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(n)
}

// buffered: one producer, one consumer, capacity 1024.
func buffered(n int) float64 {
	c := make(chan int, 1024)
	t0 := time.Now()
	go func() {
		for i := 0; i < n; i++ {
			c <- i
		}
		close(c)
	}()
	for range c {
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(n)
}

// fanin: 4*GOMAXPROCS producers send n messages in total into one channel of capacity 128.
func fanin(n int) float64 {
	producers := 4 * runtime.GOMAXPROCS(0)
	c := make(chan int, 128)
	per := n / producers
	t0 := time.Now()
	for p := 0; p < producers; p++ {
		go func() {
			for i := 0; i < per; i++ {
				c <- i
			}
		}()
	}
	for i := 0; i < per*producers; i++ {
		<-c
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(per*producers)
}

// spawn: start n goroutines that do nothing and wait for all of them.
func spawn(n int) float64 {
	var wg sync.WaitGroup
	wg.Add(n)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		go wg.Done()
	}
	wg.Wait()
	return float64(time.Since(t0).Nanoseconds()) / float64(n)
}

func skynetNode(c chan int, num, size, div int) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int, div)
	for i := 0; i < div; i++ {
		go skynetNode(rc, num+i*(size/div), size/div, div)
	}
	sum := 0
	for i := 0; i < div; i++ {
		sum += <-rc
	}
	c <- sum
}

// skynet: a tree of n leaf goroutines (fan-out 10) summing their ids; result in milliseconds.
func skynet(n int) float64 {
	c := make(chan int, 1)
	t0 := time.Now()
	skynetNode(c, 0, n, 10)
	sum := <-c
	if sum != n*(n-1)/2 {
		panic("skynet: wrong sum")
	}
	return float64(time.Since(t0).Microseconds()) / 1000
}

// sieve: the classic concurrent prime sieve, one goroutine per prime found; n primes, milliseconds.
func sieve(n int) float64 {
	t0 := time.Now()
	ch := make(chan int)
	go func(out chan<- int) { // ch is passed, not captured: the loop below reassigns ch
		for i := 2; ; i++ {
			out <- i
		}
	}(ch)
	last := 0
	for i := 0; i < n; i++ {
		prime := <-ch
		last = prime
		next := make(chan int)
		go func(in <-chan int, out chan<- int, p int) {
			for {
				if v := <-in; v%p != 0 {
					out <- v
				}
			}
		}(ch, next, prime)
		ch = next
	}
	if n == 2000 && last != 17389 {
		panic(fmt.Sprint("sieve: wrong 2000th prime ", last))
	}
	return float64(time.Since(t0).Microseconds()) / 1000
}

// parked: bytes of memory per goroutine blocked in a channel receive, n goroutines.
func parked(n int) float64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	inUse := func(m *runtime.MemStats) float64 { return float64(m.StackInuse + m.HeapAlloc) }
	block := make(chan int)
	var started sync.WaitGroup
	started.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-block
		}()
	}
	started.Wait()
	runtime.GC()
	runtime.ReadMemStats(&after)
	perG := (inUse(&after) - inUse(&before)) / float64(n)
	close(block)
	return perG
}

// latencyHistogram counts nanosecond values in log-linear buckets (HdrHistogram's layout with 128 sub-buckets:
// every value is kept to within 1/64 of itself), shared by all goroutines and updated with atomic adds, as the
// Java side records into one HdrHistogram AtomicHistogram.
type latencyHistogram struct {
	counts [64 * 64]uint64
}

func (h *latencyHistogram) record(v int64) {
	if v < 0 {
		v = 0
	}
	shift := bits.Len64(uint64(v)) - 7
	if shift < 0 {
		shift = 0
	}
	atomic.AddUint64(&h.counts[shift*64+int(uint64(v)>>uint(shift))], 1)
}

func (h *latencyHistogram) total() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i]
	}
	return n
}

// percentile returns the highest value of the bucket holding the p-th percentile (HdrHistogram's
// getValueAtPercentile reports a bucket's highest equivalent value too).
func (h *latencyHistogram) percentile(p float64) int64 {
	total := h.total()
	want := uint64(p / 100 * float64(total))
	if want < 1 {
		want = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= want {
			shift, sub := i/64-1, i%64+64
			if i < 128 {
				shift, sub = 0, i
			}
			return int64(sub+1)<<uint(shift) - 1
		}
	}
	return 0
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// timersRound: n goroutines each wait period in a loop until seconds have passed, in one of three ways (time.Sleep,
// <-time.After, a time.Ticker), recording each wake-up's lateness (wake time minus intended deadline). A goroutine's
// first wait is a stagger of i/n periods, not recorded, so the timers are spread over the period. For sleep and
// after the deadline is the call's time plus period; for the ticker it is the latest tick time (ticker start plus a
// multiple of period) at or before the wake-up, so a late tick reads at most one period late and dropped ticks show
// as fewer wake-ups. Returns p50 and p99 lateness in microseconds, process CPU (getrusage) per wake-up in ns, and
// wake-ups per second.
func timersRound(mode string, n int, period, run time.Duration) (p50, p99, cpuPerWake, perSec float64) {
	var h latencyHistogram
	var wg sync.WaitGroup
	wg.Add(n)
	start := make(chan struct{})
	var end time.Time
	for i := 0; i < n; i++ {
		stagger := period * time.Duration(i) / time.Duration(n)
		go func() {
			defer wg.Done()
			<-start
			switch mode {
			case "sleep":
				time.Sleep(stagger)
				for time.Now().Before(end) {
					t := time.Now()
					time.Sleep(period)
					h.record(int64(time.Since(t) - period))
				}
			case "after":
				<-time.After(stagger)
				for time.Now().Before(end) {
					t := time.Now()
					<-time.After(period)
					h.record(int64(time.Since(t) - period))
				}
			case "tick":
				time.Sleep(stagger)
				t0 := time.Now()
				tk := time.NewTicker(period)
				for time.Now().Before(end) {
					<-tk.C
					since := time.Since(t0)
					h.record(int64(since % period))
				}
				tk.Stop()
			}
		}()
	}
	runtime.GC()
	cpu0 := cpuNanos()
	t0 := time.Now()
	end = t0.Add(run)
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	cpu := cpuNanos() - cpu0
	wakes := h.total()
	if wakes == 0 {
		panic("timers: no wake-up recorded")
	}
	return float64(h.percentile(50)) / 1000, float64(h.percentile(99)) / 1000, float64(cpu) / float64(wakes),
		float64(wakes) / elapsed.Seconds()
}

// timers: the wake-up lateness workload; n goroutines, 1 ms period, -timers-seconds per round. Prints four lines per
// mode, each the median over rounds: timers.MODE.p50 and .p99 (us late), .cpu (ns of process CPU per wake-up) and
// .rate (wake-ups per second).
func timers(n, rounds int, seconds float64) {
	run := time.Duration(seconds * float64(time.Second))
	for _, mode := range []string{"sleep", "after", "tick"} {
		vals := make([][]float64, 4)
		for r := 0; r < rounds; r++ {
			p50, p99, cpu, rate := timersRound(mode, n, time.Millisecond, run)
			for i, v := range []float64{p50, p99, cpu, rate} {
				vals[i] = append(vals[i], v)
			}
		}
		for i, metric := range []struct{ name, unit string }{{"p50", "us"}, {"p99", "us"}, {"cpu", "ns/wake"},
			{"rate", "wakes/s"}} {
			sort.Float64s(vals[i])
			emit("timers."+mode+"."+metric.name, vals[i][len(vals[i])/2], metric.unit, n)
		}
	}
}

var workloads = map[string]struct {
	fn   func(int) float64
	n    int
	unit string
}{
	"pingpong":       {pingpong, 1_000_000, "ns/roundtrip"},
	"selectpingpong": {selectpingpong, 1_000_000, "ns/roundtrip"},
	"buffered":       {buffered, 10_000_000, "ns/msg"},
	"fanin":          {fanin, 5_000_000, "ns/msg"},
	"spawn":          {spawn, 1_000_000, "ns/goroutine"},
	"skynet":         {skynet, 1_000_000, "ms"},
	"sieve":          {sieve, 2_000, "ms"},
	"parked":         {parked, 100_000, "bytes/goroutine"},
	"timers":         {nil, 10_000, "us"}, // several values per run: see timers
}

func main() {
	only := flag.String("only", "", "comma-separated workloads to run (default: all)")
	rounds := flag.Int("rounds", 5, "rounds per workload; the median is reported")
	sizes := flag.String("n", "", "size overrides, comma-separated name=n (default: the anchor's sizes)")
	timerSeconds := flag.Float64("timers-seconds", 3, "seconds each timers round runs")
	flag.Parse()
	if *sizes != "" {
		for _, kv := range strings.Split(*sizes, ",") {
			parts := strings.SplitN(kv, "=", 2)
			w, ok := workloads[parts[0]]
			if !ok || len(parts) != 2 {
				fmt.Fprintln(os.Stderr, "-n: expected name=n with a known workload, got", kv)
				os.Exit(2)
			}
			v, err := strconv.Atoi(parts[1])
			if err != nil || v < 1 {
				fmt.Fprintln(os.Stderr, "-n: size must be an integer >= 1, got", kv)
				os.Exit(2)
			}
			w.n = v
			workloads[parts[0]] = w
		}
	}
	if *rounds < 1 {
		fmt.Fprintln(os.Stderr, "-rounds must be >= 1, got", *rounds)
		os.Exit(2)
	}
	names := make([]string, 0, len(workloads))
	for k := range workloads {
		if *only == "" || strings.Contains(","+*only+",", ","+k+",") {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprintln(os.Stderr, "no such workload:", *only)
		os.Exit(2)
	}
	for _, name := range names {
		w := workloads[name]
		if name == "timers" {
			timers(w.n, *rounds, *timerSeconds)
			continue
		}
		vals := make([]float64, *rounds)
		var cpus []float64
		for r := range vals {
			cpu0 := cpuNanos()
			vals[r] = w.fn(w.n)
			if c, ok := cpuIn(w.unit, cpuNanos()-cpu0, w.n); ok {
				cpus = append(cpus, c)
			}
		}
		emitRounds(name, vals, cpus, w.unit, w.n)
	}
}
