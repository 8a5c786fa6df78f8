package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func loopback(t *testing.T, corrupt bool) *Loopback {
	t.Helper()
	lb, err := NewLoopback(corrupt)
	require.NoError(t, err)
	t.Cleanup(func() { lb.Close() })
	return lb
}

// Every workload against the trivial server, by count: every request counted, every GET
// body verified, HEAD and DELETE answered, nothing left on the server.
func TestHarnessCountsEveryWorkloadAgainstTheTrivialServer(t *testing.T) {
	lb := loopback(t, false)
	const count = 40
	sizes := []int64{4 * KiB, 5*MiB + 3} // the second is streamed (over streamOver)
	res, err := Run(context.Background(), Config{
		Targets: []Target{lb.Target()}, Workloads: Workloads, Sizes: sizes, Concurrency: []int{1, 4},
		Count: count, ReadPercent: 50,
	})
	require.NoError(t, err)
	require.Len(t, res.Results, len(Workloads)*len(sizes)*2)
	require.Zero(t, res.Errors())
	for _, x := range res.Results {
		s := x.Stats
		require.Equal(t, int64(count), s.Ops, "%s %d c%d", x.Workload, x.Size, x.Concurrency)
		require.Positive(t, s.OpsPerSec)
		require.InDelta(t, s.OpsPerSec*float64(x.Size)/MiB, s.MiBPerSec, 1e-6)
		require.LessOrEqual(t, s.P50ms, s.P90ms)
		require.LessOrEqual(t, s.P90ms, s.P99ms)
		require.LessOrEqual(t, s.P99ms, s.MaxMs)
		switch x.Workload {
		case GET:
			require.Equal(t, int64(count), s.Verified, "every GET MD5-verified")
		case MIXED:
			require.Positive(t, s.Verified, "the mixed load reads")
			require.Less(t, s.Verified, int64(count), "and writes")
		}
	}
	require.Zero(t, lb.Len(), "every object deleted")
}

// A server that corrupts one byte of every GET body: every GET fails on its MD5.
func TestHarnessCatchesACorruptedBody(t *testing.T) {
	lb := loopback(t, true)
	res, err := Run(context.Background(), Config{
		Targets: []Target{lb.Target()}, Workloads: []string{PUT, GET}, Sizes: []int64{64 * KiB},
		Concurrency: []int{2}, Count: 10,
	})
	require.NoError(t, err)
	get, ok := res.Find(LoopbackTargetName, GET, 64*KiB, 2)
	require.True(t, ok)
	require.Zero(t, get.Stats.Ops)
	require.Zero(t, get.Stats.Verified)
	require.Equal(t, int64(10), get.Stats.Errors)
	require.Contains(t, get.Stats.FirstError, "md5")
	put, _ := res.Find(LoopbackTargetName, PUT, 64*KiB, 2)
	require.Zero(t, put.Stats.Errors)
}

// A duration stops a cell by itself.
func TestHarnessStopsOnDuration(t *testing.T) {
	lb := loopback(t, false)
	start := time.Now()
	res, err := Run(context.Background(), Config{
		Targets: []Target{lb.Target()}, Workloads: []string{PUT, GET}, Sizes: []int64{4 * KiB},
		Concurrency: []int{2}, Duration: 200 * time.Millisecond,
	})
	require.NoError(t, err)
	require.Less(t, time.Since(start), 5*time.Second)
	for _, x := range res.Results {
		require.Positive(t, x.Stats.Ops)
		require.InDelta(t, 0.2, x.Stats.Seconds, 0.15)
	}
	require.Zero(t, lb.Len())
}

// Percentiles are nearest-rank on a known distribution: 1..100 ms.
func TestLatencyPercentiles(t *testing.T) {
	m := newMeasurement(MiB, nil, 3, nil)
	for i := 1; i <= 100; i++ {
		w := m.workers[i%3]
		w.lat = append(w.lat, time.Duration(101-i)*time.Millisecond)
	}
	m.elapsed = 2 * time.Second
	s := m.stats()
	require.Equal(t, int64(100), s.Ops)
	require.Equal(t, 50.0, s.P50ms)
	require.Equal(t, 90.0, s.P90ms)
	require.Equal(t, 99.0, s.P99ms)
	require.Equal(t, 100.0, s.MaxMs)
	require.Equal(t, 50.0, s.OpsPerSec)
	require.Equal(t, 50.0, s.MiBPerSec)
}

func fakeResults() *Results {
	st := func(ops float64, size int64) Stats {
		return Stats{Ops: int64(ops * 4), Seconds: 4, OpsPerSec: ops, MiBPerSec: ops * float64(size) / MiB,
			P50ms: 1, P90ms: 2, P99ms: 3, MaxMs: 4}
	}
	r := &Results{Started: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Machine: Machine{CPUs: 2, Go: "go"}, DurationSeconds: 4,
		MemoryTarget: ObjectServerTargetName, MemoryPid: 42,
		Memory: []Memory{{Size: MiB, IdleRSS: 40 * MiB, PeakRSS: 70 * MiB, Samples: 9}}}
	for _, c := range []int{1, 16} {
		for _, wl := range []string{PUT, GET} {
			r.Results = append(r.Results,
				Result{Target: ObjectServerTargetName, Workload: wl, Size: 4 * KiB, Concurrency: c, Stats: st(900, 4*KiB)},
				Result{Target: RawTargetName, Workload: wl, Size: 4 * KiB, Concurrency: c, Stats: st(1000, 4*KiB)},
				Result{Target: SwiftPyTargetName, Workload: wl, Size: 4 * KiB, Concurrency: c, Stats: st(250, 4*KiB)},
				Result{Target: ObjectServerTargetName, Workload: wl, Size: MiB, Concurrency: c, Stats: st(80, MiB)},
				Result{Target: RawTargetName, Workload: wl, Size: MiB, Concurrency: c, Stats: st(100, MiB)},
			)
		}
	}
	r.computeRatios()
	return r
}

// The markdown table, the targets and the JSON have their shape; the ratios are to raw.
func TestReportShape(t *testing.T) {
	r := fakeResults()
	var md bytes.Buffer
	r.Markdown(&md)
	s := md.String()
	require.Contains(t, s, "| workload | size | target | concurrency | ops/s | MiB/s | p50 ms | p90 ms | p99 ms | max ms | errors | ratio to raw |")
	require.Contains(t, s, "| PUT | 4KiB | object-server | 16 | 900 | 3.5 | 1.00 | 2.00 | 3.00 | 4.00 | 0 | 0.90 |")
	require.Contains(t, s, "| GET | 1MiB | raw-librados | 1 | 100 | 100.0 |")
	require.Contains(t, s, "| object server PUT 4KiB c16 ops/s / raw | 0.90 | ≥ 0.85 | met |")
	require.Contains(t, s, "| object server GET 1MiB c16 MiB/s / raw | 0.80 | ≥ 0.90 | **missed** |")
	require.Contains(t, s, "| object server GET 4KiB c1 ops/s / stock Swift's | 3.6x | ≥ 3x | met |")
	require.Contains(t, s, "| object server RSS above idle under the 1MiB load | 30.0 MiB | < 64 MiB | met |")
	require.Less(t, strings.Index(s, "| PUT | 4KiB | object-server | 1 |"), strings.Index(s, "| PUT | 4KiB | object-server | 16 |"))
	require.Less(t, strings.Index(s, "| PUT |"), strings.Index(s, "| GET |"))

	var js bytes.Buffer
	require.NoError(t, r.JSON(&js))
	var back struct {
		Results []Result `json:"results"`
		Targets []Check  `json:"targets"`
		Memory  []Memory `json:"memory"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	require.Len(t, back.Results, len(r.Results))
	require.InDelta(t, 0.9, back.Results[0].RawRatio, 1e-9)
	require.NotEmpty(t, back.Targets)
	require.Equal(t, int64(70*MiB), back.Memory[0].PeakRSS)
	require.Contains(t, js.String(), `"p90_ms"`)
	require.Contains(t, js.String(), `"ratio_to_raw"`)
}

// The report directory: report.md, results.json and a PNG chart, none empty.
func TestReportFilesAndChart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	require.NoError(t, fakeResults().WriteReport(dir, "test", "preamble"))
	for _, f := range []string{"report.md", "results.json", "chart.png"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.NotEmpty(t, b, f)
		if f == "chart.png" {
			require.True(t, bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")), "a PNG")
			require.Greater(t, len(b), 10000)
		}
	}
}

// The progress bar draws one line with carriage returns, and clears it.
func TestProgressBar(t *testing.T) {
	lb := loopback(t, false)
	var out bytes.Buffer
	_, err := Run(context.Background(), Config{
		Targets: []Target{lb.Target()}, Workloads: []string{PUT}, Sizes: []int64{4 * KiB},
		Concurrency: []int{1}, Count: 5, Progress: &out,
	})
	require.NoError(t, err)
	require.Contains(t, out.String(), "\r[")
	require.Contains(t, out.String(), "cell 1/1")
	require.NotContains(t, out.String(), "\n")
}
