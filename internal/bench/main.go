// Command bench runs `make bench`: whole warehouses applied, planned
// (refreshed) and destroyed with the real Terraform CLI and the provider
// built from this repository, against the emulator with a fixed latency on
// every API call and cloud-like asynchrony (transient states that last a
// while). It prints, per cloud and number of warehouses, the wall time of
// each phase, its ratio to the critical path's lower bound (the longest
// chain of dependent calls times the latency, see model.go), the API calls
// per action and per object kind, and the provider's peak RSS.
//
//	go run ./internal/bench [-sizes 1,10,50] [-latency 50ms] [-async 2s] [-out bench/latest.md]
//
// It never runs in `make test`: it takes minutes and measures time.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/pace"
	"github.com/sovhealth/terraform-provider-health/internal/reliability"
)

type options struct {
	clouds      []string
	sizes       []int
	latency     time.Duration
	async       time.Duration
	rate        float64
	parallelism int
	baseline    bool
	out         string
}

func main() {
	var o options
	clouds := flag.String("clouds", "outscale,ovh", "clouds to measure")
	sizes := flag.String("sizes", "1,10,50", "numbers of warehouses in one configuration")
	skip50 := flag.Bool("skip50", false, "leave out 50 warehouses (minutes on 2 cores)")
	flag.DurationVar(&o.latency, "latency", 50*time.Millisecond, "latency the emulator adds to every API call")
	flag.DurationVar(&o.async, "async", 2*time.Second, "how long every transient state lasts (a VM pending, a network building, …)")
	flag.Float64Var(&o.rate, "rate", 1000, "the provider's api_rate_limit (calls per second per cloud client)")
	flag.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism")
	flag.BoolVar(&o.baseline, "baseline", true, "also time each phase without latency nor asynchrony (the CLI's and the emulator's own cost)")
	flag.StringVar(&o.out, "out", "", "also write the report to this file")
	flag.Parse()
	o.clouds = strings.Split(*clouds, ",")
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bench: bad size %q\n", s)
			os.Exit(2)
		}
		if n == 50 && *skip50 {
			continue
		}
		o.sizes = append(o.sizes, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// phase is one CLI command measured.
type phase struct {
	name  string
	args  []string
	wall  time.Duration
	calls map[string]int
	rss   int64         // peak resident set of the provider's processes, in KiB
	cpu   time.Duration // CPU time the provider's processes used
	bound bounds
}

// result is one cloud and number of warehouses.
type result struct {
	cloud    string
	size     int
	phases   []phase
	baseline map[string]time.Duration // phase → wall time without latency nor asynchrony
	objects  int
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "health-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(os.Stderr, "building the provider…")
	h, err := reliability.NewHarness(ctx, dir)
	if err != nil {
		return err
	}
	var results []result
	for _, cloudName := range o.clouds {
		for _, n := range o.sizes {
			fmt.Fprintf(os.Stderr, "%s, %d warehouse(s)…\n", cloudName, n)
			r, err := measure(ctx, h, filepath.Join(dir, fmt.Sprintf("%s-%d", cloudName, n)), o, cloudName, n, true)
			if err != nil {
				return fmt.Errorf("%s, %d warehouses: %w", cloudName, n, err)
			}
			if o.baseline {
				floor, err := measure(ctx, h, filepath.Join(dir, fmt.Sprintf("%s-%d-floor", cloudName, n)), o, cloudName, n, false)
				if err != nil {
					return fmt.Errorf("%s, baseline: %w", cloudName, err)
				}
				r.baseline = map[string]time.Duration{}
				for _, p := range floor.phases {
					r.baseline[p.name] = p.wall
				}
			}
			results = append(results, r)
		}
	}
	var report bytes.Buffer
	writeReport(&report, o, h, results)
	fmt.Print(report.String())
	if o.out != "" {
		return os.WriteFile(o.out, report.Bytes(), 0o644)
	}
	return nil
}

// measure applies, plans and destroys n warehouses on a fresh emulator;
// slow adds the latency and the asynchrony.
func measure(ctx context.Context, h *reliability.Harness, dir string, o options, cloudName string, n int, slow bool) (result, error) {
	cfg := emulator.DefaultConfig()
	if slow {
		cfg.Pace = &pace.Pace{Reads: 1, Delay: o.async}
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		return result{}, err
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		return result{}, err
	}
	defer emu.Close()
	if slow {
		if _, err := emu.Faults().Add(faults.Rule{Action: "*", LatencyMS: int(o.latency / time.Millisecond)}); err != nil {
			return result{}, err
		}
	}
	w, err := h.Workspace(dir, emu)
	if err != nil {
		return result{}, err
	}
	config, err := reliability.WarehouseConfig(reliability.WarehouseOptions{Cloud: cloudName,
		Names: reliability.WarehouseNames("b", n), RateLimit: o.rate})
	if err != nil {
		return result{}, err
	}
	if err := w.Write(config); err != nil {
		return result{}, err
	}
	if err := w.Init(ctx); err != nil {
		return result{}, err
	}
	par := "-parallelism=" + strconv.Itoa(o.parallelism)
	r := result{cloud: cloudName, size: n}
	m := model(cloudName)
	for _, p := range []phase{
		{name: "apply", args: []string{"apply", "-no-color", "-input=false", "-auto-approve", par}},
		{name: "plan", args: []string{"plan", "-no-color", "-input=false", par}},
		{name: "destroy", args: []string{"destroy", "-no-color", "-input=false", "-auto-approve", par}},
	} {
		emu.Faults().ResetCounts()
		if p.wall, p.rss, p.cpu, err = timed(ctx, w, p.args); err != nil {
			return r, fmt.Errorf("%s: %w", p.name, err)
		}
		p.calls = emu.Faults().Counts()
		p.bound = m.bound(p.name, n, o.parallelism, o.latency, o.async)
		if p.name == "apply" {
			objs, err := emu.Control().Objects(ctx, "")
			if err != nil {
				return r, err
			}
			r.objects = len(objs)
		}
		r.phases = append(r.phases, p)
	}
	return r, nil
}

// timed runs one CLI command and samples, from /proc while it runs, the
// provider processes' peak RSS and CPU time (each process's last sample:
// what it used up to at most 20 ms before it exited).
func timed(ctx context.Context, w *reliability.Workspace, args []string) (time.Duration, int64, time.Duration, error) {
	var out bytes.Buffer
	cmd := w.Command(ctx, &out, args...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	done := make(chan struct{})
	var peak int64
	cpu := map[int]time.Duration{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			pids, _ := reliability.ProviderProcesses(cmd.Process.Pid)
			for _, pid := range pids {
				peak = max(peak, peakRSS(pid))
				if used, ok := cpuTime(pid); ok {
					cpu[pid] = used
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	wg.Wait()
	var used time.Duration
	for _, d := range cpu {
		used += d
	}
	if err != nil {
		return wall, peak, used, fmt.Errorf("%w\n%s", err, tail(out.String(), 4000))
	}
	return wall, peak, used, nil
}

// cpuTime reads a process's user and system CPU time from /proc/<pid>/stat
// (clock ticks of 1/100 s, Linux's USER_HZ on every common platform).
func cpuTime(pid int) (time.Duration, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	// After "pid (comm)": state is field 0, utime field 11, stime field 12.
	if len(fields) < 13 {
		return 0, false
	}
	user, err1 := strconv.ParseInt(fields[11], 10, 64)
	system, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(user+system) * 10 * time.Millisecond, true
}

// peakRSS reads a process's high-water resident set (VmHWM) in KiB.
func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// kindOf names the object kind an action is about, such as "ovh subnet".
func kindOf(action string) string {
	service, rest, _ := strings.Cut(action, ":")
	switch service {
	case "outscale":
		for _, verb := range []string{"Create", "Read", "Delete", "Update", "Unlink", "Link", "Start", "Stop"} {
			if noun, ok := strings.CutPrefix(rest, verb); ok {
				return "outscale " + singular(noun)
			}
		}
		return "outscale " + rest
	case "ovh":
		_, path, _ := strings.Cut(rest, " ")
		last := ""
		for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
			if !strings.HasPrefix(seg, "{") {
				last = seg
			}
		}
		if renamed, ok := ovhKinds[last]; ok {
			last = renamed
		}
		return "ovh " + last
	case "s3":
		return "s3 bucket"
	case "openbao":
		return "openbao transit key"
	}
	return action
}

// ovhKinds names the kind a route's last literal segment stands for.
var ovhKinds = map[string]string{
	"private": "network", "interface": "gateway interface", "secret": "s3Credentials", "policy": "user policy",
	"time": "auth (clock)", "details": "auth", "resource": "okms", "project": "project",
}

func singular(noun string) string {
	switch {
	case strings.HasSuffix(noun, "ices"):
		return strings.TrimSuffix(noun, "s")
	case strings.HasSuffix(noun, "s") && !strings.HasSuffix(noun, "ss"):
		return strings.TrimSuffix(noun, "s")
	}
	return noun
}

func total(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}

func writeReport(w io.Writer, o options, h *reliability.Harness, results []result) {
	fmt.Fprintf(w, "## Run of %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "- Machine: %s/%s, %d CPUs; %s; %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), h.CLI)
	fmt.Fprintf(w, "- Emulator: %s latency on every API call; every transient state lasts %s from the first read that shows it\n", o.latency, o.async)
	fmt.Fprintf(w, "- Provider: api_rate_limit = %g; terraform -parallelism=%d\n\n", o.rate, o.parallelism)
	fmt.Fprintln(w, "| cloud | warehouses | phase | wall | critical path | throughput bound | ratio to the bound | CLI floor | API calls | provider CPU | peak provider RSS |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		for _, p := range r.phases {
			floor := "—"
			if d, ok := r.baseline[p.name]; ok {
				floor = d.Round(10 * time.Millisecond).String()
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %.1f× | %s | %d | %s | %d MiB |\n", r.cloud, r.size, p.name,
				p.wall.Round(10*time.Millisecond), p.bound.critical.Round(10*time.Millisecond),
				p.bound.throughput.Round(10*time.Millisecond), float64(p.wall)/float64(p.bound.max()),
				floor, total(p.calls), p.cpu.Round(10*time.Millisecond), p.rss/1024)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The critical path is the longest chain of dependent calls (the same for any number of warehouses,")
	fmt.Fprintln(w, "which are independent); the throughput bound is the work of every resource, each its own chain,")
	fmt.Fprintln(w, "spread over Terraform's -parallelism slots. A call costs the latency, a wait for a transient state")
	fmt.Fprintln(w, "two reads and its duration. The ratio is to the larger of the two; neither counts the CLI's own")
	fmt.Fprintln(w, "work (the floor column: the same phase without latency nor asynchrony). See internal/bench/model.go.")
	fmt.Fprintln(w)
	for _, r := range results {
		if r.size != 1 {
			continue
		}
		fmt.Fprintf(w, "### %s, one warehouse: API calls per object kind\n\n", r.cloud)
		fmt.Fprintln(w, "| object kind | apply | plan | destroy |")
		fmt.Fprintln(w, "|---|---|---|---|")
		byKind := map[string][3]int{}
		for i, p := range r.phases {
			for action, n := range p.calls {
				k := byKind[kindOf(action)]
				k[i] += n
				byKind[kindOf(action)] = k
			}
		}
		for _, kind := range slices.Sorted(maps.Keys(byKind)) {
			k := byKind[kind]
			fmt.Fprintf(w, "| %s | %d | %d | %d |\n", kind, k[0], k[1], k[2])
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "<details><summary>%s, one warehouse: API calls per action</summary>\n\n", r.cloud)
		fmt.Fprintln(w, "| action | apply | plan | destroy |")
		fmt.Fprintln(w, "|---|---|---|---|")
		actions := map[string]bool{}
		for _, p := range r.phases {
			for a := range p.calls {
				actions[a] = true
			}
		}
		for _, a := range slices.Sorted(maps.Keys(actions)) {
			fmt.Fprintf(w, "| `%s` | %d | %d | %d |\n", a, r.phases[0].calls[a], r.phases[1].calls[a], r.phases[2].calls[a])
		}
		fmt.Fprintln(w, "\n</details>")
		fmt.Fprintln(w)
	}
}
