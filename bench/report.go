package bench

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Targets of the issue (measured, never asserted).
const (
	SmallOpsTarget   = 0.85 // object server 4 KiB PUT and GET at concurrency 16: of raw ops/s
	LargeMiBTarget   = 0.90 // object server 1 MiB PUT and GET: of raw MiB/s
	SwiftPyTarget    = 3.0  // object server 4 KiB PUT and GET: times stock Swift's ops/s
	SmallTargetConc  = 16
	LargeTargetSize  = MiB
	SmallTargetSize  = 4 * KiB
	MemoryTargetSize = MiB
)

// targetOrder is the order of the table and of the charts' legends.
func (r *Results) targetOrder() []string {
	var names []string
	for _, x := range r.Results {
		if !contains(names, x.Target) {
			names = append(names, x.Target)
		}
	}
	return names
}

// Markdown writes the table (one row per cell), the harness ceiling, the memory and the
// issue's targets.
func (r *Results) Markdown(w io.Writer) {
	rs := append([]Result(nil), r.Results...)
	order := r.targetOrder()
	sortResults(rs, order)
	per := "requests per cell"
	if r.Count == 0 {
		per = fmt.Sprintf("%s per cell", time.Duration(r.DurationSeconds*float64(time.Second)))
	} else {
		per = fmt.Sprintf("%d %s", r.Count, per)
	}
	fmt.Fprintf(w, "%s; started %s; %s.\n\n", r.Machine, r.Started.Format(time.RFC3339), per)
	fmt.Fprintln(w, "| workload | size | target | concurrency | ops/s | MiB/s | p50 ms | p90 ms | p99 ms | max ms | errors | ratio to raw |")
	fmt.Fprintln(w, "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, x := range rs {
		ratio := ""
		if x.RawRatio > 0 {
			ratio = fmt.Sprintf("%.2f", x.RawRatio)
		} else if x.Target == RawTargetName {
			ratio = "1"
		}
		s := x.Stats
		mibs := fmt.Sprintf("%.1f", s.MiBPerSec)
		if x.Workload == HEAD || x.Workload == DELETE {
			mibs = "" // no body moves
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d | %.0f | %s | %.2f | %.2f | %.2f | %.2f | %d | %s |\n",
			x.Workload, SizeLabel(x.Size), x.Target, x.Concurrency, s.OpsPerSec, mibs,
			s.P50ms, s.P90ms, s.P99ms, s.MaxMs, s.Errors, ratio)
	}
	fmt.Fprintln(w)
	var verified, gets int64
	for _, x := range r.Results {
		if x.Workload == GET || x.Workload == MIXED {
			verified += x.Stats.Verified
		}
		if x.Workload == GET {
			gets += x.Stats.Ops
		}
	}
	fmt.Fprintf(w, "Errors: %d. GET bodies MD5-verified: %d (every successful GET", r.Errors(), verified)
	if r.ReadPercent > 0 {
		fmt.Fprintf(w, ", also those of the mixed load: %d%% GETs", r.ReadPercent)
	}
	fmt.Fprintln(w, ").")
	for _, x := range rs {
		if x.Stats.Errors > 0 {
			fmt.Fprintf(w, "- %s %s %s c%d: %d errors, first: %s\n", x.Target, x.Workload, SizeLabel(x.Size), x.Concurrency, x.Stats.Errors, x.Stats.FirstError)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	if len(r.Memory) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Resident memory of the %s (pid %d, VmRSS every 100 ms during its cells of that size):\n\n", r.MemoryTarget, r.MemoryPid)
		fmt.Fprintln(w, "| size | idle MiB | peak MiB | above idle MiB | samples |")
		fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: |")
		for _, m := range r.Memory {
			fmt.Fprintf(w, "| %s | %.1f | %.1f | %.1f | %d |\n", SizeLabel(m.Size), float64(m.IdleRSS)/MiB, float64(m.PeakRSS)/MiB,
				float64(m.PeakRSS-m.IdleRSS)/MiB, m.Samples)
		}
	}
	if checks := r.Targets(); len(checks) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| target (issue 5) | measured | goal | verdict |")
		fmt.Fprintln(w, "| --- | ---: | ---: | --- |")
		for _, c := range checks {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", c.What, c.Measured, c.Goal, c.Verdict())
		}
	}
}

// Check is one of the targets, measured.
type Check struct {
	What     string  `json:"what"`
	Measured string  `json:"measured"`
	Goal     string  `json:"goal"`
	Value    float64 `json:"value"`
	Met      bool    `json:"met"`
}

// Verdict is "met" or "missed".
func (c Check) Verdict() string {
	if c.Met {
		return "met"
	}
	return "**missed**"
}

// Targets evaluates the targets on the cells that were measured.
func (r *Results) Targets() []Check {
	var out []Check
	for _, wl := range []string{PUT, GET} {
		if x, ok := r.Find(ObjectServerTargetName, wl, SmallTargetSize, SmallTargetConc); ok && x.RawRatio > 0 {
			out = append(out, Check{What: fmt.Sprintf("object server %s 4KiB c16 ops/s / raw", wl),
				Measured: fmt.Sprintf("%.2f", x.RawRatio), Goal: fmt.Sprintf("≥ %.2f", SmallOpsTarget), Value: x.RawRatio, Met: x.RawRatio >= SmallOpsTarget})
		}
	}
	for _, wl := range []string{PUT, GET} {
		for _, conc := range r.concurrencies() {
			if x, ok := r.Find(ObjectServerTargetName, wl, LargeTargetSize, conc); ok && x.RawRatio > 0 {
				out = append(out, Check{What: fmt.Sprintf("object server %s 1MiB c%d MiB/s / raw", wl, conc),
					Measured: fmt.Sprintf("%.2f", x.RawRatio), Goal: fmt.Sprintf("≥ %.2f", LargeMiBTarget), Value: x.RawRatio, Met: x.RawRatio >= LargeMiBTarget})
			}
		}
	}
	for _, wl := range []string{PUT, GET} {
		for _, conc := range r.concurrencies() {
			o, ok1 := r.Find(ObjectServerTargetName, wl, SmallTargetSize, conc)
			p, ok2 := r.Find(SwiftPyTargetName, wl, SmallTargetSize, conc)
			if ok1 && ok2 && p.Stats.OpsPerSec > 0 {
				v := o.Stats.OpsPerSec / p.Stats.OpsPerSec
				out = append(out, Check{What: fmt.Sprintf("object server %s 4KiB c%d ops/s / stock Swift's", wl, conc),
					Measured: fmt.Sprintf("%.1fx", v), Goal: fmt.Sprintf("≥ %.0fx", SwiftPyTarget), Value: v, Met: v >= SwiftPyTarget})
			}
		}
	}
	for _, m := range r.Memory {
		if m.Size == MemoryTargetSize {
			v := float64(m.PeakRSS-m.IdleRSS) / MiB
			out = append(out, Check{What: "object server RSS above idle under the 1MiB load",
				Measured: fmt.Sprintf("%.1f MiB", v), Goal: fmt.Sprintf("< %d MiB", MemoryTarget/MiB), Value: v, Met: v < MemoryTarget/MiB})
		}
	}
	return out
}

func (r *Results) concurrencies() []int {
	var cs []int
	seen := map[int]bool{}
	for _, x := range r.Results {
		if !seen[x.Concurrency] {
			seen[x.Concurrency] = true
			cs = append(cs, x.Concurrency)
		}
	}
	return cs
}

// JSON writes the results, with the targets, as indented JSON.
func (r *Results) JSON(w io.Writer) error {
	out := struct {
		*Results
		Targets []Check `json:"targets,omitempty"`
	}{r, r.Targets()}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Chart draws, for every workload and size, throughput (ops/s under 1 MiB, MiB/s from
// 1 MiB) and p99 latency against concurrency, one line per target, as one PNG: a row per
// workload and size, throughput on the left, p99 on the right; every axis is logarithmic
// (the targets span three orders of magnitude).
func (r *Results) Chart(path string) error {
	type panel struct {
		wl   string
		size int64
	}
	var panels []panel
	rs := append([]Result(nil), r.Results...)
	order := r.targetOrder()
	sortResults(rs, order)
	for _, x := range rs {
		p := panel{x.Workload, x.Size}
		if len(panels) == 0 || panels[len(panels)-1] != p {
			panels = append(panels, p)
		}
	}
	if len(panels) == 0 {
		return fmt.Errorf("bench: nothing to chart")
	}
	rows := len(panels)
	plots := make([][]*plot.Plot, rows)
	for i, pn := range panels {
		thr, p99 := plot.New(), plot.New()
		unit, mib := "ops/s", pn.size >= MiB
		if mib {
			unit = "MiB/s"
		}
		thr.Title.Text = fmt.Sprintf("%s %s: throughput", pn.wl, SizeLabel(pn.size))
		thr.Y.Label.Text = unit + " (log)"
		thr.Y.Scale = plot.LogScale{}
		thr.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p99.Title.Text = fmt.Sprintf("%s %s: p99 latency", pn.wl, SizeLabel(pn.size))
		p99.Y.Label.Text = "p99 ms (log)"
		p99.Y.Scale = plot.LogScale{}
		p99.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		for _, p := range []*plot.Plot{thr, p99} {
			p.X.Label.Text = "concurrency (log)"
			p.X.Scale = plot.LogScale{}
			p.X.Tick.Marker = concTicks(r.concurrencies())
			p.Legend.Top = true
			p.Legend.Left = p == p99
			p.Add(plotter.NewGrid())
		}
		for ti, name := range order {
			var tp, lp plotter.XYs
			for _, x := range rs {
				if x.Target != name || x.Workload != pn.wl || x.Size != pn.size || x.Stats.Ops == 0 {
					continue
				}
				v := x.Stats.OpsPerSec
				if mib {
					v = x.Stats.MiBPerSec
				}
				tp = append(tp, plotter.XY{X: float64(x.Concurrency), Y: math.Max(v, 0.01)})
				lp = append(lp, plotter.XY{X: float64(x.Concurrency), Y: math.Max(x.Stats.P99ms, 0.01)})
			}
			if len(tp) == 0 {
				continue
			}
			for k, pts := range []plotter.XYs{tp, lp} {
				l, s, err := plotter.NewLinePoints(pts)
				if err != nil {
					return err
				}
				c := palette[ti%len(palette)]
				l.Color, s.Color = c, c
				l.Width = vg.Points(1.5)
				s.Shape = draw.CircleGlyph{}
				p := []*plot.Plot{thr, p99}[k]
				p.Add(l, s)
				p.Legend.Add(name, l, s)
			}
		}
		plots[i] = []*plot.Plot{thr, p99}
	}
	const cellW, cellH = 6 * vg.Inch, 3.6 * vg.Inch
	img := vgimg.New(2*cellW, vg.Length(rows)*cellH)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

// concTicks puts a tick at every measured concurrency.
type concTicks []int

func (c concTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for _, v := range c {
		ts = append(ts, plot.Tick{Value: float64(v), Label: fmt.Sprint(v)})
	}
	return ts
}

// WriteReport writes report.md (a title, then Markdown), results.json and chart.png into
// dir.
func (r *Results) WriteReport(dir, title, preamble string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	md, err := os.Create(filepath.Join(dir, "report.md"))
	if err != nil {
		return err
	}
	fmt.Fprintf(md, "# %s\n\n", title)
	if preamble != "" {
		fmt.Fprintf(md, "%s\n\n", preamble)
	}
	fmt.Fprintf(md, "![throughput and p99 latency against concurrency](chart.png)\n\n")
	r.Markdown(md)
	if err := md.Close(); err != nil {
		return err
	}
	js, err := os.Create(filepath.Join(dir, "results.json"))
	if err != nil {
		return err
	}
	if err := r.JSON(js); err != nil {
		js.Close()
		return err
	}
	if err := js.Close(); err != nil {
		return err
	}
	return r.Chart(filepath.Join(dir, "chart.png"))
}
