package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// IsTerminal reports whether f is a terminal (a character device), where the progress
// bar goes; elsewhere (a log file, a pipe) the run is silent until its report.
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one line (carriage return, no newline) every 200 ms: the cells
// done, the current cell and its requests so far.
type progressBar struct {
	w     io.Writer
	total int
	done  int

	mu    sync.Mutex
	label string
	m     *measurement
	limit int64
	d     time.Duration
	start time.Time
	stopc chan struct{}
	wg    sync.WaitGroup
	width int
}

func newProgressBar(w io.Writer, total int) *progressBar {
	return &progressBar{w: w, total: total}
}

func (p *progressBar) begin(label string, m *measurement, limit int64, d time.Duration) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	p.label, p.m, p.limit, p.d, p.start = label, m, limit, d, time.Now()
	p.mu.Unlock()
	p.stopc = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		p.draw()
		for {
			select {
			case <-p.stopc:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
}

func (p *progressBar) end() {
	if p == nil || p.w == nil {
		return
	}
	close(p.stopc)
	p.wg.Wait()
	p.mu.Lock()
	p.done++
	p.mu.Unlock()
	p.draw()
}

func (p *progressBar) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	frac := float64(p.done)
	var reqs, errs int64
	if p.m != nil {
		reqs, errs = p.m.next.Load(), p.m.errors.Load()
		var f float64
		switch {
		case p.limit > 0 && p.d <= 0:
			f = float64(reqs) / float64(p.limit)
		case p.d > 0:
			f = time.Since(p.start).Seconds() / p.d.Seconds()
		}
		if p.done < p.total && p.label != "" {
			frac += min(f, 1)
		}
	}
	if p.total > 0 {
		frac /= float64(p.total)
	}
	const bar = 24
	full := int(frac * bar)
	line := fmt.Sprintf("[%s%s] %3.0f%% cell %d/%d  %s  %d req  %d err",
		strings.Repeat("#", full), strings.Repeat(".", bar-full), 100*frac, min(p.done+1, p.total), p.total, p.label, reqs, errs)
	pad := max(0, p.width-len(line))
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// finish clears the line.
func (p *progressBar) finish() {
	if p == nil || p.w == nil || p.width == 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
}
