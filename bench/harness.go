package bench

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Workloads of Run.
const (
	PUT    = "PUT"
	GET    = "GET"
	HEAD   = "HEAD"
	DELETE = "DELETE"
	MIXED  = "MIXED" // GETs of written objects and PUTs of new ones, Config.ReadPercent GETs
)

// Workloads lists every workload in the order a group runs them.
var Workloads = []string{PUT, GET, HEAD, MIXED, DELETE}

// Target is one system under test. Every request of a worker goes through the same
// worker, so a target may keep per-worker scratch space there.
type Target interface {
	Name() string
	// MaxSize is the largest object the target takes (0: any).
	MaxSize() int64
	Put(ctx context.Context, w *worker, key string, obj *object) error
	// Get reads key, which must hold obj (size and MD5), and verifies the body's MD5.
	Get(ctx context.Context, w *worker, key string, obj *object) error
	Head(ctx context.Context, w *worker, key string, obj *object) error
	Delete(ctx context.Context, w *worker, key string) error
	Close() error
}

// Config is one run of the harness: every target under every workload, size and
// concurrency.
type Config struct {
	Targets     []Target
	Workloads   []string      // PUT, GET, HEAD, DELETE, MIXED; a group always writes its objects first
	Sizes       []int64       // bytes, at least 8
	Concurrency []int         // requests in flight
	Duration    time.Duration // per cell, unless Count is set
	Count       int           // requests per cell; when set, Duration is ignored
	ReadPercent int           // MIXED: percentage of GETs (default 90)
	Prefix      string        // object names start with it (default: a fresh run id)
	Progress    io.Writer     // a one-line progress bar (carriage returns); nil for none
	// Memory samples the resident memory of Memory.Pid while Memory.Target runs cells of
	// at least Memory.MinSize bytes.
	Memory *MemoryWatch
}

// MemoryWatch names a server process whose resident memory the run reports.
type MemoryWatch struct {
	Target  string // the target whose cells load that process
	Pid     int
	MinSize int64         // sample during cells of at least this size (default 1 MiB)
	Every   time.Duration // default 100 ms
}

// Result is one cell: one target, workload, size and concurrency.
type Result struct {
	Target      string  `json:"target"`
	Workload    string  `json:"workload"`
	Size        int64   `json:"size"`
	Concurrency int     `json:"concurrency"`
	Stats       Stats   `json:"stats"`
	RawRatio    float64 `json:"ratio_to_raw,omitempty"` // ops/s over raw librados' ops/s in the same cell
}

// Memory is the watched server's resident memory around one size's cells.
type Memory struct {
	Size    int64 `json:"size"`
	IdleRSS int64 `json:"idle_rss"` // bytes, just before the first cell of the size
	PeakRSS int64 `json:"peak_rss"` // bytes, highest sampled during the size's cells
	Samples int   `json:"samples"`
}

// Results is one run of Run.
type Results struct {
	Started         time.Time `json:"started"`
	Machine         Machine   `json:"machine"`
	DurationSeconds float64   `json:"duration_seconds,omitempty"`
	Count           int       `json:"count,omitempty"`
	ReadPercent     int       `json:"read_percent,omitempty"`
	Results         []Result  `json:"results"`
	MemoryTarget    string    `json:"memory_target,omitempty"`
	MemoryPid       int       `json:"memory_pid,omitempty"`
	Memory          []Memory  `json:"memory,omitempty"`
	Notes           []string  `json:"notes,omitempty"`
}

// Run measures every target. For each size and concurrency, each target in turn writes
// new objects (PUT), reads them (GET, MD5-verified), heads them, runs the mixed load,
// deletes them (DELETE); the objects left are then deleted untimed, so every cell starts
// from the same state. A PUT cell is always run first (its objects are what the other
// workloads use); it is reported only when PUT is one of the workloads.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	if len(cfg.Targets) == 0 || len(cfg.Sizes) == 0 || len(cfg.Concurrency) == 0 || len(cfg.Workloads) == 0 {
		return nil, errors.New("bench: no targets, sizes, concurrency levels or workloads")
	}
	want := map[string]bool{}
	for _, wl := range cfg.Workloads {
		if !contains(Workloads, wl) {
			return nil, fmt.Errorf("bench: unknown workload %q (want PUT, GET, HEAD, DELETE, MIXED)", wl)
		}
		want[wl] = true
	}
	for _, s := range cfg.Sizes {
		if s < 8 {
			return nil, fmt.Errorf("bench: size %d: at least 8 bytes", s)
		}
	}
	for _, c := range cfg.Concurrency {
		if c <= 0 {
			return nil, fmt.Errorf("bench: concurrency %d: want at least 1", c)
		}
	}
	if cfg.Count <= 0 && cfg.Duration <= 0 {
		return nil, errors.New("bench: want a duration or a count per cell")
	}
	if cfg.Count > 0 {
		cfg.Duration = 0
	}
	if cfg.ReadPercent <= 0 || cfg.ReadPercent > 100 {
		cfg.ReadPercent = 90
	}
	if cfg.Prefix == "" {
		cfg.Prefix = fmt.Sprintf("bench-%s-%04x", time.Now().UTC().Format("20060102T150405"), rand.Uint32()&0xffff)
	}
	res := &Results{Started: time.Now().UTC(), Machine: machine(), DurationSeconds: cfg.Duration.Seconds(), Count: cfg.Count}
	if want[MIXED] {
		res.ReadPercent = cfg.ReadPercent
	}
	var watch *rssWatch
	if m := cfg.Memory; m != nil && m.Pid > 0 {
		res.MemoryTarget, res.MemoryPid = m.Target, m.Pid
		if m.MinSize <= 0 {
			m.MinSize = MiB
		}
		if m.Every <= 0 {
			m.Every = 100 * time.Millisecond
		}
		watch = &rssWatch{pid: m.Pid, every: m.Every}
	}

	cells := 0
	for _, size := range cfg.Sizes {
		for range cfg.Concurrency {
			for _, t := range cfg.Targets {
				if t.MaxSize() == 0 || size <= t.MaxSize() {
					cells += len(cfg.Workloads)
				}
			}
		}
	}
	bar := newProgressBar(cfg.Progress, cells)
	defer bar.finish()

	for _, size := range cfg.Sizes {
		base := baseFor(size)
		var mem *Memory
		for _, conc := range cfg.Concurrency {
			for _, t := range cfg.Targets {
				if t.MaxSize() > 0 && size > t.MaxSize() {
					res.Notes = append(res.Notes, fmt.Sprintf("%s: %s is over its largest object size (%s), not measured", t.Name(), SizeLabel(size), SizeLabel(t.MaxSize())))
					continue
				}
				if err := ctx.Err(); err != nil {
					return res, err
				}
				watching := watch != nil && t.Name() == cfg.Memory.Target && size >= cfg.Memory.MinSize
				if watching && mem == nil {
					mem = &Memory{Size: size}
					idle, err := readPidRSS(watch.pid)
					if err != nil {
						return res, fmt.Errorf("bench: memory of pid %d: %w", watch.pid, err)
					}
					mem.IdleRSS = idle
				}
				g := &group{cfg: &cfg, target: t, size: size, conc: conc, base: base, bar: bar,
					prefix: fmt.Sprintf("%s/%s/%s.c%d", cfg.Prefix, t.Name(), SizeLabel(size), conc)}
				if watching {
					watch.start(mem)
				}
				rs := g.run(ctx, want)
				if watching {
					watch.stop()
				}
				res.Results = append(res.Results, rs...)
			}
		}
		if mem != nil {
			res.Memory = append(res.Memory, *mem)
		}
	}
	res.computeRatios()
	return res, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// RawTargetName is the raw librados target, the one every ratio is against.
const RawTargetName = "raw-librados"

func (r *Results) computeRatios() {
	type key struct {
		wl   string
		size int64
		conc int
	}
	raw := map[key]float64{}
	for _, x := range r.Results {
		if x.Target == RawTargetName {
			raw[key{x.Workload, x.Size, x.Concurrency}] = x.Stats.OpsPerSec
		}
	}
	for i, x := range r.Results {
		if v := raw[key{x.Workload, x.Size, x.Concurrency}]; v > 0 && x.Target != RawTargetName {
			r.Results[i].RawRatio = x.Stats.OpsPerSec / v
		}
	}
}

// Find returns the result of one cell.
func (r *Results) Find(target, workload string, size int64, conc int) (Result, bool) {
	for _, x := range r.Results {
		if x.Target == target && x.Workload == workload && x.Size == size && x.Concurrency == conc {
			return x, true
		}
	}
	return Result{}, false
}

// Errors is the number of failed requests over the whole run.
func (r *Results) Errors() int64 {
	var n int64
	for _, x := range r.Results {
		n += x.Stats.Errors
	}
	return n
}

// object is one object's content: the size's base bytes with the last 8 replaced by the
// object's index (so that a GET of the wrong object fails its MD5), and its MD5.
type object struct {
	base  []byte
	stamp [8]byte
	sum   [md5.Size]byte
}

func (o *object) size() int64 { return int64(len(o.base)) }

// reader streams the object's content.
func (o *object) reader() io.Reader {
	return io.MultiReader(bytes.NewReader(o.base[:len(o.base)-8]), bytes.NewReader(o.stamp[:]))
}

// fill writes the object's content into buf (len(buf) == size).
func (o *object) fill(buf []byte) {
	if &buf[0] != &o.base[0] {
		copy(buf, o.base)
	}
	copy(buf[len(buf)-8:], o.stamp[:])
}

// base is one size's content and the MD5 state after its whole 64-byte blocks before the
// stamp, so that an object's MD5 costs at most two blocks to compute.
type base struct {
	data  []byte
	state []byte // md5 digest state (encoding.BinaryMarshaler) after data[:blocks]
	cut   int
}

var (
	basesMu sync.Mutex
	bases   = map[int64]*base{}
)

// baseFor is the deterministic content of the given size (the same in every process,
// so that an in-process server can regenerate an object from its size and stamp).
func baseFor(size int64) *base {
	basesMu.Lock()
	defer basesMu.Unlock()
	if b, ok := bases[size]; ok {
		return b
	}
	b := &base{data: make([]byte, size)}
	rand.NewChaCha8(seed(size)).Read(b.data)
	b.cut = int(size-8) / 64 * 64
	h := md5.New()
	h.Write(b.data[:b.cut])
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic(err)
	}
	b.state = state
	bases[size] = b
	return b
}

// object i of this size.
func (b *base) object(i int64) *object {
	o := &object{base: b.data}
	binary.LittleEndian.PutUint64(o.stamp[:], uint64(i)^stampMask)
	h := md5.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(b.state); err != nil {
		panic(err)
	}
	h.Write(b.data[b.cut : len(b.data)-8])
	h.Write(o.stamp[:])
	h.Sum(o.sum[:0])
	return o
}

const stampMask = 0x5a5a_0000_0000_0000

// stampIndex is the index of the object whose stamp this is.
func stampIndex(stamp [8]byte) int64 { return int64(binary.LittleEndian.Uint64(stamp[:]) ^ stampMask) }

// group runs one target's workloads at one size and concurrency.
type group struct {
	cfg    *Config
	target Target
	size   int64
	conc   int
	base   *base
	prefix string
	bar    *progressBar

	mu      sync.Mutex
	written map[int64]*object // objects stored, by index
	order   []int64           // their indexes, in the order written
}

func (g *group) key(i int64) string { return g.prefix + "/" + strconv.FormatInt(i, 10) }

func (g *group) put(ctx context.Context, w *worker, i int64) error {
	obj := g.base.object(i)
	if err := g.target.Put(ctx, w, g.key(i), obj); err != nil {
		return err
	}
	g.mu.Lock()
	g.written[i] = obj
	g.order = append(g.order, i)
	g.mu.Unlock()
	return nil
}

// pick is the j-th stored object (modulo their number), from the PUT cell's.
func (g *group) pick(j int64, n int) (int64, *object, error) {
	if n == 0 {
		return 0, nil, errors.New("no objects were written")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	i := g.order[j%int64(n)]
	return i, g.written[i], nil
}

func (g *group) run(ctx context.Context, want map[string]bool) []Result {
	g.written = map[int64]*object{}
	var out []Result
	cell := func(wl string, limit int64, d time.Duration, op func(w *worker, i int64) error) {
		m := newMeasurement(g.size, nil, g.conc, op)
		for _, w := range m.workers {
			w.read = nil // targets allocate what they need
		}
		if want[wl] {
			g.bar.begin(fmt.Sprintf("%s %s %s c%d", g.target.Name(), wl, SizeLabel(g.size), g.conc), m, limit, d)
		}
		m.slice(ctx, limit, d)
		if want[wl] {
			g.bar.end()
			out = append(out, Result{Target: g.target.Name(), Workload: wl, Size: g.size, Concurrency: g.conc, Stats: m.stats()})
		}
	}
	count := int64(g.cfg.Count)

	// PUT: new objects 0, 1, 2...; without PUT among the workloads, a few objects untimed.
	if want[PUT] {
		cell(PUT, count, g.cfg.Duration, func(w *worker, i int64) error { return g.put(ctx, w, i) })
	} else {
		cell(PUT, int64(max(16, 2*g.conc)), 0, func(w *worker, i int64) error { return g.put(ctx, w, i) })
	}
	g.mu.Lock()
	n := len(g.order) // the reads use the PUT cell's objects
	g.mu.Unlock()
	if want[GET] {
		cell(GET, count, g.cfg.Duration, func(w *worker, j int64) error {
			i, obj, err := g.pick(j, n)
			if err != nil {
				return err
			}
			if err := g.target.Get(ctx, w, g.key(i), obj); err != nil {
				return err
			}
			w.verified++
			return nil
		})
	}
	if want[HEAD] {
		cell(HEAD, count, g.cfg.Duration, func(w *worker, j int64) error {
			i, obj, err := g.pick(j, n)
			if err != nil {
				return err
			}
			return g.target.Head(ctx, w, g.key(i), obj)
		})
	}
	if want[MIXED] {
		const fresh = 1 << 40 // the mixed load's new objects
		cell(MIXED, count, g.cfg.Duration, func(w *worker, j int64) error {
			if mix(j)%100 < uint64(g.cfg.ReadPercent) {
				i, obj, err := g.pick(j*7919, n)
				if err != nil {
					return err
				}
				if err := g.target.Get(ctx, w, g.key(i), obj); err != nil {
					return err
				}
				w.verified++
				return nil
			}
			return g.put(ctx, w, fresh+j)
		})
	}

	// DELETE the objects in the order written, then the rest untimed.
	g.mu.Lock()
	all := append([]int64(nil), g.order...)
	g.mu.Unlock()
	del := func(w *worker, j int64) error {
		if j >= int64(len(all)) {
			return nil
		}
		return g.target.Delete(ctx, w, g.key(all[j]))
	}
	var deleted int64
	if want[DELETE] {
		limit := int64(len(all))
		if count > 0 {
			limit = min(limit, count)
		}
		if limit > 0 {
			cell(DELETE, limit, g.cfg.Duration, del)
			deleted = out[len(out)-1].Stats.Ops + out[len(out)-1].Stats.Errors
		} else {
			out = append(out, Result{Target: g.target.Name(), Workload: DELETE, Size: g.size, Concurrency: g.conc,
				Stats: Stats{Errors: 1, FirstError: "no objects were written"}})
		}
	}
	if rest := all[deleted:]; len(rest) > 0 {
		m := newMeasurement(g.size, nil, min(g.conc, 16), func(w *worker, j int64) error {
			if j >= int64(len(rest)) {
				return nil
			}
			return g.target.Delete(ctx, w, g.key(rest[j]))
		})
		m.slice(context.WithoutCancel(ctx), int64(len(rest)), 0)
	}
	return out
}

// mix scrambles a request index (splitmix64), for the mixed load's choice of GET or PUT.
func mix(x int64) uint64 {
	z := uint64(x) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// rssWatch samples a process's VmRSS while cells run.
type rssWatch struct {
	pid   int
	every time.Duration
	stopc chan struct{}
	done  chan struct{}
}

func (r *rssWatch) start(m *Memory) {
	r.stopc, r.done = make(chan struct{}), make(chan struct{})
	sample := func() {
		if rss, err := readPidRSS(r.pid); err == nil {
			m.PeakRSS = max(m.PeakRSS, rss)
			m.Samples++
		}
	}
	go func() {
		defer close(r.done)
		t := time.NewTicker(r.every)
		defer t.Stop()
		for {
			select {
			case <-r.stopc:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
}

func (r *rssWatch) stop() {
	close(r.stopc)
	<-r.done
}

// sortResults orders results by workload, size, target and concurrency (the table's
// order).
func sortResults(rs []Result, targets []string) {
	rank := func(list []string, s string) int {
		for i, v := range list {
			if v == s {
				return i
			}
		}
		return len(list)
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Workload != b.Workload {
			return rank(Workloads, a.Workload) < rank(Workloads, b.Workload)
		}
		if a.Size != b.Size {
			return a.Size < b.Size
		}
		if a.Target != b.Target {
			return rank(targets, a.Target) < rank(targets, b.Target)
		}
		return a.Concurrency < b.Concurrency
	})
}
