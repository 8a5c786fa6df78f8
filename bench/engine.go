package bench

// #include <malloc.h>
import "C"

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/radosconn"
)

// Binary size units, as the flags spell them.
const (
	KiB = 1 << 10
	MiB = 1 << 20
	GiB = 1 << 30
)

// engineNamespaces are the suffixes the engine appends to Config.Namespace: its data,
// its collector index and its quarantine (diskfile/radosengine/naming.go). A run owns
// all three and leaves them empty.
var engineNamespaces = []string{"", ".gc", ".quarantine"}

// maxErrors stops a measurement that only fails (a full or unreachable pool), so a
// cell never spins through its whole duration on errors.
const maxErrors = 100

// EngineConfig is one run of the small-object benchmark.
type EngineConfig struct {
	Cluster     *radosconn.Cluster
	Pool        string
	Namespace   string        // "" picks a fresh one; a given one must be empty
	Sizes       []int64       // object sizes, bytes
	Concurrency []int         // requests in flight
	Duration    time.Duration // per measurement, unless Count is set
	Count       int           // requests per measurement; when set, Duration is ignored
	Progress    io.Writer     // one line per cell as it completes; nil for none
}

// Stats is one measurement: one workload, one size, one concurrency, one side.
type Stats struct {
	Ops         int64   `json:"ops"` // requests that succeeded
	Errors      int64   `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	Verified    int64   `json:"verified"` // GETs whose data matched the stored MD5
	Seconds     float64 `json:"seconds"`
	OpsPerSec   float64 `json:"ops_per_sec"`
	MiBPerSec   float64 `json:"mib_per_sec"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	RadosReads  int64   `json:"rados_reads"` // RADOS operations issued
	RadosWrites int64   `json:"rados_writes"`
}

// RadosOpsPerRequest is the RADOS operations one request cost on average.
func (s Stats) RadosOpsPerRequest() float64 {
	if s.Ops+s.Errors == 0 {
		return 0
	}
	return float64(s.RadosReads+s.RadosWrites) / float64(s.Ops+s.Errors)
}

// Cell is one row of the table: the engine and the raw baseline under the same load.
type Cell struct {
	Workload    string `json:"workload"` // PUT or GET
	Size        int64  `json:"size"`
	Concurrency int    `json:"concurrency"`
	Engine      Stats  `json:"engine"`
	Raw         Stats  `json:"raw"`
}

// Ratio is engine ops/s over raw ops/s.
func (c Cell) Ratio() float64 {
	if c.Raw.OpsPerSec == 0 {
		return 0
	}
	return c.Engine.OpsPerSec / c.Raw.OpsPerSec
}

// EngineResults is one run of RunEngine.
type EngineResults struct {
	Pool            string    `json:"pool"`
	Namespace       string    `json:"namespace"`
	Started         time.Time `json:"started"`
	Machine         Machine   `json:"machine"`
	DurationSeconds float64   `json:"duration_seconds,omitempty"` // per measurement
	Count           int       `json:"count,omitempty"`            // requests per measurement
	Cells           []Cell    `json:"cells"`
	Removed         int       `json:"removed"` // objects removed after the measurements
}

// Errors is the number of failed requests over the whole run.
func (r *EngineResults) Errors() int64 {
	var n int64
	for _, c := range r.Cells {
		n += c.Engine.Errors + c.Raw.Errors
	}
	return n
}

// RunEngine measures small-object PUT and GET through the engine and through raw
// go-ceph: for each size and concurrency, PUT on both sides, then GET on both sides (the
// GETs read the objects the PUTs wrote), then the objects are removed. Each measurement
// stops by itself, after Count requests or Duration.
func RunEngine(ctx context.Context, cfg EngineConfig) (res *EngineResults, err error) {
	if len(cfg.Sizes) == 0 || len(cfg.Concurrency) == 0 {
		return nil, errors.New("bench: no sizes or no concurrency levels")
	}
	for _, s := range cfg.Sizes {
		if s <= 0 || s > 64*MiB {
			return nil, fmt.Errorf("bench: size %d: small objects are 1 byte to 64 MiB", s)
		}
	}
	for _, c := range cfg.Concurrency {
		if c <= 0 {
			return nil, fmt.Errorf("bench: concurrency %d: want at least 1", c)
		}
	}
	if cfg.Count <= 0 && cfg.Duration <= 0 {
		return nil, errors.New("bench: want a duration or a count per measurement")
	}
	if cfg.Count > 0 {
		cfg.Duration = 0
	}
	ns, err := claimNamespace(cfg.Cluster, cfg.Pool, cfg.Namespace)
	if err != nil {
		return nil, err
	}
	res = &EngineResults{Pool: cfg.Pool, Namespace: ns, Started: time.Now().UTC(), Machine: machine(),
		DurationSeconds: cfg.Duration.Seconds(), Count: cfg.Count}
	defer func() {
		// Whatever happened, leave the namespace empty (also after an interrupt: ctx is
		// not used here).
		n, cerr := sweep(cfg.Cluster, cfg.Pool, ns, engineNamespaces...)
		res.Removed += n
		if err == nil && cerr != nil {
			err = fmt.Errorf("bench: cleaning up namespace %q: %w", ns, cerr)
		}
	}()

	ecfg := radosengine.DefaultConfig(cfg.Pool)
	ecfg.Namespace = ns
	engine, err := radosengine.New(cfg.Cluster, ecfg)
	if err != nil {
		return res, err
	}
	defer engine.Close()
	raw, err := cfg.Cluster.OpenPool(cfg.Pool)
	if err != nil {
		return res, err
	}
	defer raw.Destroy()
	raw.SetNamespace(ns)
	b := &smallBench{cfg: cfg, engine: engine, raw: rawStore{raw}}

	// Warm up connections, PGs and caches before the first measurement counts.
	warm := cfg
	warm.Count, warm.Duration = 32, 0
	wb := &smallBench{cfg: warm, engine: engine, raw: rawStore{raw}}
	wb.group(ctx, "warmup", cfg.Sizes[0], cfg.Concurrency[len(cfg.Concurrency)-1])
	if _, err := sweep(cfg.Cluster, cfg.Pool, ns, ""); err != nil {
		return res, err
	}

	for _, size := range cfg.Sizes {
		for _, conc := range cfg.Concurrency {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			put, get := b.group(ctx, fmt.Sprintf("%s.c%d", SizeLabel(size), conc), size, conc)
			res.Cells = append(res.Cells, put, get)
			b.progress(put)
			b.progress(get)
			n, err := sweep(cfg.Cluster, cfg.Pool, ns, "")
			res.Removed += n
			if err != nil {
				return res, err
			}
		}
	}
	sort.SliceStable(res.Cells, func(i, j int) bool {
		return res.Cells[i].Workload == "PUT" && res.Cells[j].Workload != "PUT"
	})
	return res, nil
}

type smallBench struct {
	cfg    EngineConfig
	engine *radosengine.Engine
	raw    rawStore
}

func (b *smallBench) progress(c Cell) {
	if b.cfg.Progress == nil {
		return
	}
	fmt.Fprintf(b.cfg.Progress, "%-3s %6s c%-3d engine %8.1f ops/s  raw %8.1f ops/s  ratio %.2f  errors %d/%d\n",
		c.Workload, SizeLabel(c.Size), c.Concurrency, c.Engine.OpsPerSec, c.Raw.OpsPerSec, c.Ratio(),
		c.Engine.Errors, c.Raw.Errors)
}

// group measures one size and concurrency: PUT on both sides, then GET on both sides
// (each side reads the objects it wrote). Each pair runs in the order engine, raw, raw,
// engine, half of the requests or of the duration at a time, so that a drift of the
// cluster or the machine during the pair (the store filling up, other load) falls on
// both sides alike.
func (b *smallBench) group(ctx context.Context, prefix string, size int64, conc int) (put, get Cell) {
	base := make([]byte, size)
	rand.NewChaCha8(seed(size)).Read(base)
	ref := func(i int64) diskfile.ObjectRef {
		return diskfile.ObjectRef{Account: "AUTH_bench", Container: "bench", Object: prefix + "/" + strconv.FormatInt(i, 10)}
	}
	rawName := func(i int64) string { return "raw." + prefix + "." + strconv.FormatInt(i, 10) }
	meta := map[string]string{"Content-Type": "application/octet-stream"}

	put = Cell{Workload: "PUT", Size: size, Concurrency: conc}
	get = Cell{Workload: "GET", Size: size, Concurrency: conc}

	enginePut := newMeasurement(size, base, conc, func(w *worker, i int64) error {
		w.stamp(i)
		wr, err := b.engine.Create(ctx, ref(i), size)
		if err != nil {
			return err
		}
		if _, err := wr.Write(w.payload); err != nil {
			wr.Abort()
			return err
		}
		return wr.Commit(ctx, swift.Now(), "", meta)
	})
	rawPut := newMeasurement(size, base, conc, func(w *worker, i int64) error {
		w.stamp(i)
		return b.raw.put(rawName(i), w.payload, w.md5)
	})
	r0, w0 := b.engine.Ops.Reads.Load(), b.engine.Ops.Writes.Load()
	b.pair(ctx, enginePut, rawPut)
	put.Engine, put.Raw = enginePut.stats(), rawPut.stats()
	put.Engine.RadosReads, put.Engine.RadosWrites = b.engine.Ops.Reads.Load()-r0, b.engine.Ops.Writes.Load()-w0
	put.Raw.RadosWrites = put.Raw.Ops + put.Raw.Errors

	// Requests 0..n-1 of a PUT measurement were all tried: the GETs read them in turn.
	objects, rawObjects := enginePut.next.Load(), rawPut.next.Load()
	engineGet := newMeasurement(size, nil, conc, func(w *worker, i int64) error {
		if objects == 0 {
			return errors.New("no objects were written")
		}
		obj, err := b.engine.Open(ctx, ref(i%objects))
		if err != nil {
			return err
		}
		if obj.ContentLength() != size {
			return fmt.Errorf("object has %d bytes, want %d", obj.ContentLength(), size)
		}
		r, err := obj.Reader(ctx, 0, size)
		if err != nil {
			return err
		}
		defer r.Close()
		// A whole-object reader checks length and MD5 against the stored ETag before
		// it answers io.EOF.
		n, err := readToEOF(r, w.read)
		if err != nil {
			return err
		}
		if n != size {
			return fmt.Errorf("read %d bytes, want %d", n, size)
		}
		w.verified++
		return nil
	})
	rawGet := newMeasurement(size, nil, conc, func(w *worker, i int64) error {
		if rawObjects == 0 {
			return errors.New("no objects were written")
		}
		if _, err := b.raw.get(rawName(i%rawObjects), size, w.read, w.md5); err != nil {
			return err
		}
		w.verified++
		return nil
	})
	r0, w0 = b.engine.Ops.Reads.Load(), b.engine.Ops.Writes.Load()
	b.pair(ctx, engineGet, rawGet)
	get.Engine, get.Raw = engineGet.stats(), rawGet.stats()
	get.Engine.RadosReads, get.Engine.RadosWrites = b.engine.Ops.Reads.Load()-r0, b.engine.Ops.Writes.Load()-w0
	get.Raw.RadosReads = get.Raw.Ops + get.Raw.Errors
	return put, get
}

// pair runs the engine's and the raw measurement as engine, raw, raw, engine: each
// half of the count or of the duration.
func (b *smallBench) pair(ctx context.Context, engine, raw *measurement) {
	count := int64(b.cfg.Count)
	limits := [2]int64{(count + 1) / 2, count} // request index each half stops at (count mode)
	for _, m := range []*measurement{engine, raw, raw, engine} {
		m.slice(ctx, limits[m.slices], b.cfg.Duration/2)
		m.slices++
	}
}

// worker is one request loop's own state, so requests share nothing but the target.
type worker struct {
	payload  []byte // PUT data: the size's base bytes, the first 8 made unique per object
	read     []byte // GET destination, one byte longer than the object
	md5      hash.Hash
	lat      []time.Duration
	verified int64
}

// stamp makes the payload unique to object i, so that a GET reading the wrong object
// fails its MD5 check.
func (w *worker) stamp(i int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	copy(w.payload, b[:])
}

// readToEOF reads r until io.EOF into buf; more than len(buf) bytes is an error.
func readToEOF(r io.Reader, buf []byte) (int64, error) {
	n := 0
	for {
		if n == len(buf) {
			return int64(n), errors.New("object longer than expected")
		}
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return int64(n), nil
		}
		if err != nil {
			return int64(n), err
		}
	}
}

// measurement is one side of one workload, accumulated over its slices.
type measurement struct {
	size     int64
	op       func(w *worker, i int64) error
	workers  []*worker
	next     atomic.Int64 // index of the next request; every index below it was tried
	errors   atomic.Int64
	errOnce  sync.Once
	firstErr error
	elapsed  time.Duration
	slices   int
}

func newMeasurement(size int64, base []byte, conc int, op func(w *worker, i int64) error) *measurement {
	m := &measurement{size: size, op: op, workers: make([]*worker, conc)}
	for k := range m.workers {
		m.workers[k] = &worker{payload: bytes.Clone(base), md5: md5.New()}
		if base == nil {
			m.workers[k].read = make([]byte, size+1)
		}
	}
	return m
}

// slice runs requests on every worker until the request index reaches limit (limit >
// 0) or d has passed (d > 0), whichever comes first.
func (m *measurement) slice(ctx context.Context, limit int64, d time.Duration) {
	claim := func() (int64, bool) {
		for {
			i := m.next.Load()
			if limit > 0 && i >= limit {
				return 0, false
			}
			if m.next.CompareAndSwap(i, i+1) {
				return i, true
			}
		}
	}
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for _, w := range m.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && m.errors.Load() < maxErrors && (d <= 0 && limit > 0 || time.Now().Before(deadline)) {
				i, ok := claim()
				if !ok {
					return
				}
				t0 := time.Now()
				if err := m.op(w, i); err != nil {
					m.errors.Add(1)
					m.errOnce.Do(func() { m.firstErr = err })
					continue
				}
				w.lat = append(w.lat, time.Since(t0))
			}
		}()
	}
	wg.Wait()
	m.elapsed += time.Since(start)
}

// stats reports throughput and latency of the requests that succeeded.
func (m *measurement) stats() Stats {
	var s Stats
	var lat []time.Duration
	for _, w := range m.workers {
		lat = append(lat, w.lat...)
		s.Verified += w.verified
	}
	s.Ops = int64(len(lat))
	s.Errors = m.errors.Load()
	if m.firstErr != nil {
		s.FirstError = m.firstErr.Error()
	}
	s.Seconds = m.elapsed.Seconds()
	if s.Seconds > 0 {
		s.OpsPerSec = float64(s.Ops) / s.Seconds
		s.MiBPerSec = s.OpsPerSec * float64(m.size) / MiB
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s.P50ms, s.P90ms, s.P99ms = percentileMs(lat, 0.50), percentileMs(lat, 0.90), percentileMs(lat, 0.99)
	s.MaxMs = percentileMs(lat, 1)
	return s
}

// percentileMs is the nearest-rank percentile of sorted durations, in milliseconds.
func percentileMs(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*q+0.999999) - 1
	rank = min(max(rank, 0), len(sorted)-1)
	return float64(sorted[rank].Microseconds()) / 1000
}

func seed(n int64) [32]byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], uint64(n))
	copy(s[8:], "radosswift bench")
	return s
}

// Markdown writes the results as a markdown section: the table, then what it means.
func (r *EngineResults) Markdown(w io.Writer) {
	fmt.Fprintf(w, "## Small objects: diskfile RADOS engine vs raw go-ceph\n\n")
	fmt.Fprintf(w, "%s; pool `%s`, namespace `%s`, started %s; ", r.Machine, r.Pool, r.Namespace, r.Started.Format(time.RFC3339))
	if r.Count > 0 {
		fmt.Fprintf(w, "%d requests per measurement.\n\n", r.Count)
	} else {
		fmt.Fprintf(w, "%s per measurement.\n\n", time.Duration(r.DurationSeconds*float64(time.Second)))
	}
	fmt.Fprintln(w, "| workload | size | concurrency | engine ops/s | raw ops/s | ratio | engine p50/p99 ms | raw p50/p99 ms | engine MiB/s | raw MiB/s | engine RADOS ops/req |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, c := range r.Cells {
		fmt.Fprintf(w, "| %s | %s | %d | %.0f | %.0f | %.2f | %.2f / %.2f | %.2f / %.2f | %.1f | %.1f | %.2f |\n",
			c.Workload, SizeLabel(c.Size), c.Concurrency, c.Engine.OpsPerSec, c.Raw.OpsPerSec, c.Ratio(),
			c.Engine.P50ms, c.Engine.P99ms, c.Raw.P50ms, c.Raw.P99ms,
			c.Engine.MiBPerSec, c.Raw.MiBPerSec, c.Engine.RadosOpsPerRequest())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "PUT: engine = Create + Write + Commit (guard, data and metadata in one write op);")
	fmt.Fprintln(w, "raw = one write op with WriteFull + SetOmap (the MD5 as the metadata key).")
	fmt.Fprintln(w, "GET: engine = Open + whole read, MD5-verified by the engine; raw = one read op with")
	fmt.Fprintln(w, "Read + GetOmapValuesByKeys, MD5-verified against that key. Each PUT writes a new object;")
	fmt.Fprintln(w, "the GETs read those objects in turn. Engine and raw run in the order engine, raw, raw, engine,")
	fmt.Fprintln(w, "half the measurement at a time, so a drift during the pair falls on both alike; the objects")
	fmt.Fprintln(w, "are removed after each size and concurrency. ratio = engine ops/s / raw ops/s.")
	fmt.Fprintln(w)
	var verified, ops int64
	for _, c := range r.Cells {
		if c.Workload == "GET" {
			verified += c.Engine.Verified + c.Raw.Verified
			ops += c.Engine.Ops + c.Raw.Ops
		}
	}
	fmt.Fprintf(w, "Errors: %d. GETs MD5-verified: %d of %d. Objects removed afterwards: %d.\n", r.Errors(), verified, ops, r.Removed)
	for _, c := range r.Cells {
		for _, side := range []struct {
			name string
			s    Stats
		}{{"engine", c.Engine}, {"raw", c.Raw}} {
			if side.s.Errors > 0 {
				fmt.Fprintf(w, "- %s %s c%d %s: %d errors, first: %s\n", c.Workload, SizeLabel(c.Size), c.Concurrency, side.name, side.s.Errors, side.s.FirstError)
			}
		}
	}
}

// LargeConfig is one run of the memory benchmark.
type LargeConfig struct {
	Cluster     *radosconn.Cluster
	Pool        string
	Namespace   string // "" picks a fresh one; a given one must be empty
	Size        int64
	Chunk       int           // bytes per Write and per Read, as a server streams; default 64 KiB
	SampleEvery time.Duration // resident memory sampling; default 100 ms
	Progress    io.Writer
}

// Phase is the write or the read of the large object.
type Phase struct {
	Seconds     float64 `json:"seconds"`
	MiBPerSec   float64 `json:"mib_per_sec"`
	PeakRSS     int64   `json:"peak_rss"`     // bytes, highest VmRSS sampled
	PeakGoHeap  int64   `json:"peak_go_heap"` // bytes in Go heap objects, highest sampled
	PeakGoHeld  int64   `json:"peak_go_held"` // bytes the Go runtime holds from the OS, highest sampled
	PeakCHeld   int64   `json:"peak_c_held"`  // bytes C malloc (librados) holds from the OS, highest sampled
	Samples     int     `json:"samples"`
	RadosReads  int64   `json:"rados_reads"`
	RadosWrites int64   `json:"rados_writes"`
}

// LargeResults is one run of RunLarge.
type LargeResults struct {
	Pool        string            `json:"pool"`
	Namespace   string            `json:"namespace"`
	Started     time.Time         `json:"started"`
	Machine     Machine           `json:"machine"`
	Size        int64             `json:"size"`
	StripeSize  int64             `json:"stripe_size"`
	Parallel    int               `json:"parallel"`
	IdleRSS     int64             `json:"idle_rss"` // bytes, before the write
	IdleGoHeap  int64             `json:"idle_go_heap"`
	IdleGoHeld  int64             `json:"idle_go_held"`
	IdleCHeld   int64             `json:"idle_c_held"`
	Write       Phase             `json:"write"`
	Read        Phase             `json:"read"`
	ETag        string            `json:"etag"`
	Verified    bool              `json:"verified"` // the read ended in io.EOF: length and MD5 matched
	GC          diskfile.GCReport `json:"gc"`
	GCSeconds   float64           `json:"gc_seconds"`
	ObjectsHeld int               `json:"objects_before_gc"` // RADOS objects in the data namespace after the delete, before the pass
	ObjectsLeft int               `json:"objects_after_gc"`  // and after it
	Removed     int               `json:"removed"`           // objects removed at the end (collector index)
}

// MemoryTarget is the most a large transfer may add to the idle resident memory.
const MemoryTarget = 64 * MiB

// RunLarge writes one object of cfg.Size bytes through the engine from a generated
// stream, reads it back (the engine verifies the MD5), sampling VmRSS throughout; then
// deletes it and runs one collector pass with gc_grace 0 (and reclaim_age 0, so the
// tombstone goes too).
func RunLarge(ctx context.Context, cfg LargeConfig) (res *LargeResults, err error) {
	if cfg.Size <= 0 {
		return nil, errors.New("bench: large object size must be positive")
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = 64 * KiB
	}
	if cfg.SampleEvery <= 0 {
		cfg.SampleEvery = 100 * time.Millisecond
	}
	ns, err := claimNamespace(cfg.Cluster, cfg.Pool, cfg.Namespace)
	if err != nil {
		return nil, err
	}
	res = &LargeResults{Pool: cfg.Pool, Namespace: ns, Started: time.Now().UTC(), Machine: machine(), Size: cfg.Size}
	defer func() {
		n, cerr := sweep(cfg.Cluster, cfg.Pool, ns, engineNamespaces...)
		res.Removed += n
		if err == nil && cerr != nil {
			err = fmt.Errorf("bench: cleaning up namespace %q: %w", ns, cerr)
		}
	}()
	say := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}

	ecfg := radosengine.DefaultConfig(cfg.Pool)
	ecfg.Namespace = ns
	ecfg.GCGrace, ecfg.ReclaimAge = 0, 0
	engine, err := radosengine.New(cfg.Cluster, ecfg)
	if err != nil {
		return res, err
	}
	defer engine.Close()
	res.StripeSize, res.Parallel = engine.Config().StripeSize, engine.Config().Parallel
	ref := diskfile.ObjectRef{Account: "AUTH_bench", Container: "bench", Object: "large/" + SizeLabel(cfg.Size)}
	buf := make([]byte, cfg.Chunk)

	// Idle: connected, engine open, buffers allocated, free memory returned to the OS
	// by Go and by C malloc; the same between the phases, so that each phase's peak is
	// its own.
	settle := func() {
		runtime.GC()
		debug.FreeOSMemory()
		C.malloc_trim(0)
		time.Sleep(2 * cfg.SampleEvery)
	}
	settle()
	if res.IdleRSS, err = readRSS(); err != nil {
		return res, err
	}
	res.IdleGoHeap, res.IdleGoHeld = goMemory()
	res.IdleCHeld = cHeld()
	say("idle RSS %.1f MiB", float64(res.IdleRSS)/MiB)

	// Write from a generated stream: cfg.Chunk bytes at a time, never the whole object.
	gen := rand.NewChaCha8(seed(cfg.Size))
	var etag string
	res.Write, err = phase(engine, cfg.SampleEvery, cfg.Size, func() error {
		w, err := engine.Create(ctx, ref, cfg.Size)
		if err != nil {
			return err
		}
		for left := cfg.Size; left > 0; {
			n := min(int64(len(buf)), left)
			gen.Read(buf[:n])
			if _, err := w.Write(buf[:n]); err != nil {
				w.Abort()
				return err
			}
			left -= n
		}
		etag = w.ETag()
		return w.Commit(ctx, swift.Now(), "", nil)
	})
	if err != nil {
		return res, fmt.Errorf("bench: writing %s: %w", SizeLabel(cfg.Size), err)
	}
	res.ETag = etag
	say("write: %.1f MiB/s, peak RSS %.1f MiB", res.Write.MiBPerSec, float64(res.Write.PeakRSS)/MiB)

	settle()
	res.Read, err = phase(engine, cfg.SampleEvery, cfg.Size, func() error {
		obj, err := engine.Open(ctx, ref)
		if err != nil {
			return err
		}
		if obj.ContentLength() != cfg.Size || obj.ETag() != etag {
			return fmt.Errorf("stored %d bytes, etag %s; wrote %d bytes, etag %s", obj.ContentLength(), obj.ETag(), cfg.Size, etag)
		}
		r, err := obj.Reader(ctx, 0, cfg.Size)
		if err != nil {
			return err
		}
		defer r.Close()
		var got int64
		for {
			n, err := r.Read(buf)
			got += int64(n)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		if got != cfg.Size {
			return fmt.Errorf("read %d bytes, want %d", got, cfg.Size)
		}
		res.Verified = true
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("bench: reading %s back: %w", SizeLabel(cfg.Size), err)
	}
	say("read: %.1f MiB/s, peak RSS %.1f MiB", res.Read.MiBPerSec, float64(res.Read.PeakRSS)/MiB)

	if err := engine.Delete(ctx, ref, swift.Now()); err != nil {
		return res, fmt.Errorf("bench: deleting: %w", err)
	}
	if res.ObjectsHeld, err = countObjects(cfg.Cluster, cfg.Pool, ns, ""); err != nil {
		return res, err
	}
	t0 := time.Now()
	res.GC, err = engine.CollectGarbage(ctx)
	res.GCSeconds = time.Since(t0).Seconds()
	if err != nil {
		return res, fmt.Errorf("bench: collector pass: %w", err)
	}
	if res.ObjectsLeft, err = countObjects(cfg.Cluster, cfg.Pool, ns, ""); err != nil {
		return res, err
	}
	say("collector: %s in %.2fs; objects %d before, %d after", res.GC, res.GCSeconds, res.ObjectsHeld, res.ObjectsLeft)
	return res, nil
}

// phase runs fn while sampling resident memory and the Go heap every interval.
func phase(e *radosengine.Engine, every time.Duration, size int64, fn func() error) (Phase, error) {
	var p Phase
	sample := func() {
		if rss, err := readRSS(); err == nil {
			p.PeakRSS = max(p.PeakRSS, rss)
		}
		heap, held := goMemory()
		p.PeakGoHeap, p.PeakGoHeld = max(p.PeakGoHeap, heap), max(p.PeakGoHeld, held)
		p.PeakCHeld = max(p.PeakCHeld, cHeld())
		p.Samples++
	}
	stop, done := make(chan struct{}), make(chan struct{})
	sample()
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	r0, w0 := e.Ops.Reads.Load(), e.Ops.Writes.Load()
	start := time.Now()
	err := fn()
	elapsed := time.Since(start)
	close(stop)
	<-done
	sample()
	p.RadosReads, p.RadosWrites = e.Ops.Reads.Load()-r0, e.Ops.Writes.Load()-w0
	p.Seconds = elapsed.Seconds()
	p.MiBPerSec = float64(size) / MiB / p.Seconds
	return p, err
}

// readRSS is the process's resident set (VmRSS of /proc/self/status), in bytes.
func readRSS() (int64, error) { return readStatusRSS("/proc/self/status") }

// readPidRSS is another process's resident set, in bytes.
func readPidRSS(pid int) (int64, error) {
	return readStatusRSS("/proc/" + strconv.Itoa(pid) + "/status")
}

func readStatusRSS(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS %q: %w", rest, err)
			}
			return kb * KiB, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS in %s", path)
}

// goMemory reads the bytes in Go heap objects (live or not yet swept) and the memory
// the Go runtime holds from the OS (mapped and not released); the rest of the resident
// set is librados' (C) memory, the binary and the stacks of C threads.
func goMemory() (heap, held int64) {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(s)
	v := func(i int) int64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(s[i].Value.Uint64())
	}
	return v(0), v(1) - v(2)
}

// cHeld is what glibc's malloc holds from the OS over all its arenas (heap and mmapped
// chunks, in use or free): librados' message buffers live there.
func cHeld() int64 {
	mi := C.mallinfo2()
	return int64(mi.arena) + int64(mi.hblkhd)
}

// Markdown writes the memory results as a markdown section.
func (r *LargeResults) Markdown(w io.Writer) {
	mib := func(b int64) float64 { return float64(b) / MiB }
	fmt.Fprintf(w, "## Memory: one %s object streamed through the engine\n\n", SizeLabel(r.Size))
	fmt.Fprintf(w, "%s; pool `%s`, namespace `%s`, started %s; stripe %s, %d stripes in flight; "+
		"written from a generated stream and read back in 64 KiB pieces; VmRSS sampled every 100 ms.\n\n",
		r.Machine, r.Pool, r.Namespace, r.Started.Format(time.RFC3339), SizeLabel(r.StripeSize), r.Parallel)
	fmt.Fprintln(w, "| phase | MiB/s | seconds | peak RSS MiB | above idle MiB | Go heap objects MiB | Go runtime held MiB | C malloc held MiB | RADOS ops |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	fmt.Fprintf(w, "| idle, before | | | %.1f | | %.1f | %.1f | %.1f | |\n", mib(r.IdleRSS), mib(r.IdleGoHeap), mib(r.IdleGoHeld), mib(r.IdleCHeld))
	for _, p := range []struct {
		name string
		ph   Phase
	}{{"write", r.Write}, {"read, MD5-verified", r.Read}} {
		fmt.Fprintf(w, "| %s | %.1f | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f | %d |\n", p.name, p.ph.MiBPerSec, p.ph.Seconds,
			mib(p.ph.PeakRSS), mib(p.ph.PeakRSS-r.IdleRSS), mib(p.ph.PeakGoHeap), mib(p.ph.PeakGoHeld), mib(p.ph.PeakCHeld),
			p.ph.RadosReads+p.ph.RadosWrites)
	}
	fmt.Fprintln(w)
	worst := max(r.Write.PeakRSS, r.Read.PeakRSS) - r.IdleRSS
	verdict := "met"
	if worst >= MemoryTarget {
		verdict = "MISSED"
	}
	fmt.Fprintln(w, "Go heap objects, Go runtime held and C malloc held are the peaks of the bytes in Go heap objects, of what")
	fmt.Fprintln(w, "the Go runtime holds from the OS, and of what glibc malloc holds from the OS over all its arenas (librados'")
	fmt.Fprintln(w, "message buffers live there). Before each phase, Go and C malloc return their free memory to the OS")
	fmt.Fprintln(w, "(debug.FreeOSMemory, malloc_trim), so each phase's peak is its own.")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Peak above idle: %.1f MiB (target under %d MiB: %s). Read verified (length and MD5 = ETag %s): %v.\n",
		mib(worst), MemoryTarget/MiB, verdict, r.ETag, r.Verified)
	fmt.Fprintf(w, "Deleted, then one collector pass (gc_grace 0, reclaim_age 0) in %.2f s: %s; "+
		"RADOS objects left in the data namespace (tails and tombstone): %d before the pass, %d after.\n",
		r.GCSeconds, r.GC, r.ObjectsHeld, r.ObjectsLeft)
}

// Machine describes where the numbers were measured.
type Machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model,omitempty"`
	OS       string `json:"os,omitempty"`
	Kernel   string `json:"kernel,omitempty"`
	Go       string `json:"go"`
	Librados string `json:"librados"`
}

func (m Machine) String() string {
	s := fmt.Sprintf("%d CPUs", m.CPUs)
	if m.CPUModel != "" {
		s += " (" + m.CPUModel + ")"
	}
	if m.OS != "" {
		s += ", " + m.OS
	}
	if m.Kernel != "" {
		s += ", Linux " + m.Kernel
	}
	return s + ", " + m.Go + ", librados API " + m.Librados
}

func machine() Machine {
	major, minor, patch := rados.Version()
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Librados: fmt.Sprintf("%d.%d.%d", major, minor, patch)}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME="); ok {
				m.OS = strings.Trim(v, `"`)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// claimNamespace returns ns, or a fresh name when ns is empty, after checking that
// the namespace and the engine's namespaces under it hold nothing: the run removes
// everything in them at the end.
func claimNamespace(cluster *radosconn.Cluster, pool, ns string) (string, error) {
	if cluster == nil {
		return "", errors.New("bench: no cluster connection")
	}
	if ns == "" {
		ns = fmt.Sprintf("bench-%s-%04x", time.Now().UTC().Format("20060102T150405"), rand.Uint32()&0xffff)
	}
	n, err := countObjects(cluster, pool, ns, engineNamespaces...)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "", fmt.Errorf("bench: namespace %q of pool %s holds %d objects; a run removes everything in its namespace, so give an empty one (or none)", ns, pool, n)
	}
	return ns, nil
}

// countObjects counts the objects in ns+suffix for each suffix.
func countObjects(cluster *radosconn.Cluster, pool, ns string, suffixes ...string) (int, error) {
	ioctx, err := cluster.OpenPool(pool)
	if err != nil {
		return 0, err
	}
	defer ioctx.Destroy()
	total := 0
	for _, suffix := range suffixes {
		names, err := list(ioctx, ns+suffix)
		if err != nil {
			return 0, err
		}
		total += len(names)
	}
	return total, nil
}

// CountObjects is the number of RADOS objects a run's namespace holds (with the
// engine's index and quarantine namespaces): zero after every run.
func CountObjects(cluster *radosconn.Cluster, pool, ns string) (int, error) {
	return countObjects(cluster, pool, ns, engineNamespaces...)
}

func list(ioctx *rados.IOContext, ns string) ([]string, error) {
	ioctx.SetNamespace(ns)
	iter, err := ioctx.Iter()
	if err != nil {
		return nil, fmt.Errorf("listing namespace %q: %w", ns, err)
	}
	defer iter.Close()
	var names []string
	for iter.Next() {
		names = append(names, iter.Value())
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("listing namespace %q: %w", ns, err)
	}
	return names, nil
}

// sweep removes every object in ns+suffix for each suffix, 16 at a time.
func sweep(cluster *radosconn.Cluster, pool, ns string, suffixes ...string) (int, error) {
	ioctx, err := cluster.OpenPool(pool)
	if err != nil {
		return 0, err
	}
	defer ioctx.Destroy()
	removed := 0
	for _, suffix := range suffixes {
		names, err := list(ioctx, ns+suffix)
		if err != nil {
			return removed, err
		}
		work := make(chan string)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			firstErr error
			n        atomic.Int64
		)
		for range min(16, len(names)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for name := range work {
					err := ioctx.Delete(name)
					if err != nil && !errors.Is(err, rados.ErrNotFound) {
						mu.Lock()
						if firstErr == nil {
							firstErr = fmt.Errorf("removing %s: %w", name, err)
						}
						mu.Unlock()
						continue
					}
					n.Add(1)
				}
			}()
		}
		for _, name := range names {
			work <- name
		}
		close(work)
		wg.Wait()
		removed += int(n.Load())
		if firstErr != nil {
			return removed, firstErr
		}
	}
	return removed, nil
}

// ParseSize reads a byte count: a number with an optional unit B, K/KiB, M/MiB, G/GiB
// (binary multiples).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	mult := map[string]float64{"": 1, "b": 1, "k": KiB, "kib": KiB, "m": MiB, "mib": MiB, "g": GiB, "gib": GiB}[strings.ToLower(unit)]
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || f <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number of bytes, KiB, MiB or GiB", s)
	}
	return int64(f * mult), nil
}

// SizeLabel prints a byte count in the largest binary unit that divides it.
func SizeLabel(n int64) string {
	switch {
	case n >= GiB && n%GiB == 0:
		return fmt.Sprintf("%dGiB", n/GiB)
	case n >= MiB && n%MiB == 0:
		return fmt.Sprintf("%dMiB", n/MiB)
	case n >= KiB && n%KiB == 0:
		return fmt.Sprintf("%dKiB", n/KiB)
	}
	return fmt.Sprintf("%dB", n)
}
