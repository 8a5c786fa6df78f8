package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/radosswift/radosswift/bench"
	"github.com/radosswift/radosswift/radosconn"
)

func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	targets := fs.String("targets", "object-server,proxy,raw-librados,swift-py", "targets, comma-separated: object-server, proxy, raw-librados, swift-py (the harness ceiling, harness-ceiling, is always measured unless --no-ceiling)")
	workloads := fs.String("workloads", "PUT,GET", "workloads, comma-separated: PUT, GET (MD5-verified), HEAD, DELETE, MIXED")
	sizes := fs.String("sizes", "4KiB,1MiB", "object sizes, comma-separated (B, KiB, MiB, GiB)")
	concurrency := fs.String("concurrency", "1,16,64", "requests in flight, comma-separated (the sweep)")
	duration := fs.Duration("duration", 4*time.Second, "length of each cell")
	count := fs.Int("count", 0, "requests per cell instead of --duration")
	readPct := fs.Int("read-percent", 90, "MIXED: percentage of GETs (the rest PUT new objects)")
	noCeiling := fs.Bool("no-ceiling", false, "do not measure the harness against its trivial in-process server")

	objURL := fs.String("object-server", "http://127.0.0.1:6200", "object-server target: radosswift's object server")
	device := fs.String("device", "d1", "device in the backend paths")
	partition := fs.Int("partition", 0, "partition in the backend paths")
	pidFile := fs.String("object-server-pid-file", "", "pid file of the object server, whose resident memory is sampled during its cells of 1 MiB and more (run-stack: RUN/run/object-server.pid)")

	proxyURL := fs.String("proxy-url", "http://127.0.0.1:8080/auth/v1.0", "proxy target: tempauth v1.0 URL")
	user := fs.String("user", "test:tester", "proxy target: tempauth user")
	key := fs.String("key", "testing", "proxy target: tempauth key")

	conf := fs.String("ceph-conf", envOr("RADOSSWIFT_CEPH_CONF", "/etc/ceph/ceph.conf"), "raw-librados target: ceph.conf of the cluster")
	radosUser := fs.String("rados-user", envOr("RADOSSWIFT_RADOS_USER", "radosswift"), "raw-librados target: cephx user (without client.)")
	pool := fs.String("pool", envOr("RADOSSWIFT_POOL", "radosswift"), "raw-librados target: pool (the object server's policy-0 pool); a fresh namespace, emptied at the end")
	timeout := fs.Duration("timeout", radosconn.DefaultOpTimeout, "raw-librados target: librados op and mon timeout")

	swiftLaunch := fs.String("swift-launch", "scripts/swift-launch", "swift-py target: path of scripts/swift-launch")
	swiftWorkers := fs.Int("swift-workers", 2, "swift-py target: worker processes of Swift's object server")

	out := fs.String("out", "", "write report.md, results.json and chart.png into this directory")
	jsonFile := fs.String("json", "", "also write the results as JSON to this file")
	title := fs.String("title", "", "title of report.md (default: radosswift benchmark, DATE)")
	preamble := fs.String("preamble", "", "text after the title of report.md (the machine, the stack)")
	cpuProfile := fs.String("cpuprofile", "", "write the harness process's CPU profile to this file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: radosswift bench [options]")
		fmt.Fprintln(fs.Output(), "\nPUT, GET, HEAD, DELETE and mixed loads against radosswift's object server (Swift's backend")
		fmt.Fprintln(fs.Output(), "protocol), the Swift API through the proxy (tempauth), raw librados on the same pool, and stock")
		fmt.Fprintln(fs.Output(), "Swift's Python object server on local disk (started here), over a size and concurrency sweep;")
		fmt.Fprintln(fs.Output(), "a markdown table on stdout, and with --out a report, JSON and a chart.")
		fmt.Fprintln(fs.Output(), "\nOptions:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err // main treats flag.ErrHelp as success
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg := bench.Config{Duration: *duration, Count: *count, ReadPercent: *readPct}
	for _, s := range split(*sizes) {
		size, err := bench.ParseSize(s)
		if err != nil {
			return fmt.Errorf("--sizes: %w", err)
		}
		cfg.Sizes = append(cfg.Sizes, size)
	}
	for _, s := range split(*concurrency) {
		c, err := strconv.Atoi(s)
		if err != nil || c <= 0 {
			return fmt.Errorf("--concurrency: %q is not a positive integer", s)
		}
		cfg.Concurrency = append(cfg.Concurrency, c)
	}
	for _, s := range split(*workloads) {
		cfg.Workloads = append(cfg.Workloads, strings.ToUpper(s))
	}
	if bench.IsTerminal(os.Stderr) {
		cfg.Progress = os.Stderr
	}

	var closers []io.Closer
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i].Close(); err != nil {
				fmt.Fprintf(os.Stderr, "radosswift bench: cleaning up: %v\n", err)
			}
		}
	}()
	var notes []string
	for _, name := range split(*targets) {
		switch name {
		case bench.ObjectServerTargetName:
			t, err := bench.NewBackendTarget(name, *objURL, *device, *partition)
			if err != nil {
				return err
			}
			cfg.Targets = append(cfg.Targets, t)
			closers = append(closers, t)
			if *pidFile != "" {
				b, err := os.ReadFile(*pidFile)
				if err != nil {
					return err
				}
				pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
				if err != nil {
					return fmt.Errorf("%s: %w", *pidFile, err)
				}
				cfg.Memory = &bench.MemoryWatch{Target: name, Pid: pid}
			}
		case bench.ProxyTargetName:
			t, err := bench.NewProxyTarget(ctx, *proxyURL, *user, *key, fmt.Sprintf("bench-%d", time.Now().UnixNano()))
			if err != nil {
				return err
			}
			cfg.Targets = append(cfg.Targets, t)
			closers = append(closers, t)
		case bench.RawTargetName, "raw":
			cluster, err := radosconn.Connect(radosconn.Config{CephConf: *conf, User: *radosUser, OpTimeout: *timeout, MonTimeout: *timeout})
			if err != nil {
				return err
			}
			closers = append(closers, closerFunc(func() error { cluster.Shutdown(); return nil }))
			t, err := bench.NewRawTarget(cluster, *pool)
			if err != nil {
				return err
			}
			cfg.Targets = append(cfg.Targets, t)
			closers = append(closers, t)
		case bench.SwiftPyTargetName:
			dir, err := os.MkdirTemp("", "radosswift-bench-swift.")
			if err != nil {
				return err
			}
			closers = append(closers, closerFunc(func() error { return os.RemoveAll(dir) }))
			sp, err := bench.StartSwiftPy(ctx, bench.SwiftPyConfig{Dir: dir, SwiftLaunch: *swiftLaunch, Workers: *swiftWorkers})
			if err != nil {
				return err
			}
			closers = append(closers, closerFunc(sp.Stop))
			t, err := bench.NewBackendTarget(name, sp.URL(), "d1", *partition)
			if err != nil {
				return err
			}
			cfg.Targets = append(cfg.Targets, t)
			closers = append(closers, t)
			disk := dir
			if abs, err := filepath.Abs(dir); err == nil {
				disk = abs
			}
			notes = append(notes, fmt.Sprintf("swift-py: Debian's Swift object server (python3-swift), workers = %d, mount_check = false, objects in %s (local disk), started and stopped by the harness.", sp.Workers, disk))
		default:
			return fmt.Errorf("--targets: unknown target %q", name)
		}
	}
	if !*noCeiling {
		lb, err := bench.NewLoopback(false)
		if err != nil {
			return err
		}
		closers = append(closers, lb)
		cfg.Targets = append(cfg.Targets, lb.Target())
		notes = append(notes, "harness-ceiling: the same harness against a trivial in-process fasthttp server (it keeps each object's size and stamp, regenerates GET bodies): the most this harness can drive on this machine; every other target must stay well under it for the harness not to be the bottleneck.")
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.Run(ctx, cfg)
	if res == nil {
		return err
	}
	res.Notes = append(res.Notes, notes...)
	res.Markdown(os.Stdout)
	if *out != "" {
		t := *title
		if t == "" {
			t = "radosswift benchmark, " + res.Started.Format("2006-01-02")
		}
		if werr := res.WriteReport(*out, t, *preamble); werr != nil && err == nil {
			err = werr
		}
	}
	if *jsonFile != "" {
		f, ferr := os.Create(*jsonFile)
		if ferr != nil {
			return ferr
		}
		if jerr := res.JSON(f); jerr != nil && err == nil {
			err = jerr
		}
		f.Close()
	}
	return err
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
