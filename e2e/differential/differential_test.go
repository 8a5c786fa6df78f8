package differential

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radosswift/radosswift/internal/testbed"
)

// TestBackendProtocolMatchesDebianSwift sends the corpus to Debian's Swift 2.30.1 servers
// and to radosswift's and fails on every difference that neither table of known_test.go
// explains.
// DIFFERENTIAL_REPORT=FILE writes every difference found, as a markdown table.
func TestBackendProtocolMatchesDebianSwift(t *testing.T) {
	bed := testbed.Require(t)
	dir := t.TempDir()
	binary := os.Getenv("RADOSSWIFT_BIN")
	if binary == "" {
		binary = filepath.Join(dir, "bin", "radosswift")
		build := exec.Command("go", "build", "-o", binary, "./cmd/radosswift")
		build.Dir = repoRoot()
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building radosswift: %v\n%s", err, out)
		}
	}
	swift := startSwift(t, filepath.Join(dir, "swift"))
	ours := startRadosswift(t, filepath.Join(dir, "radosswift"), binary, bed)
	waitHealthy(t, swift, ours)

	entries := buildCorpus(time.Now())
	names := map[string]bool{}
	for _, e := range entries {
		if names[e.name] {
			t.Fatalf("two corpus entries are named %q", e.name)
		}
		names[e.name] = true
	}
	tables := newTables(t, names)
	var found []finding
	for _, e := range entries {
		if diffs, swiftAnswer := run(e, swift, ours); len(diffs) > 0 {
			found = append(found, finding{entry: e, diffs: diffs, swift: swiftAnswer})
		}
	}

	var unexplained, knownCount, bugCount int
	for _, f := range found {
		k, kind := tables.explain(f)
		switch kind {
		case "known":
			knownCount++
		case "bug":
			bugCount++
			t.Logf("BUG (listed, to fix) %s: %s\n    %s", f.entry.name, k.reason, f.summary())
		default:
			unexplained++
			t.Errorf("UNEXPLAINED %s\n    request: %s\n    %s", f.entry.name, shorten(f.entry.request.head+f.entry.request.body, 300), f.summary())
		}
	}
	for _, k := range tables.unused() {
		t.Errorf("listed difference no longer shows (remove it from the %s table): %s %v", k.kind, k.entry, k.fields)
	}
	if path := os.Getenv("DIFFERENTIAL_REPORT"); path != "" {
		must(t, os.WriteFile(path, []byte(report(found, tables)), 0o644))
	}
	if hold, err := time.ParseDuration(os.Getenv("DIFFERENTIAL_HOLD")); err == nil {
		// To explore by hand: the servers stay up, fixtures in place, for this long.
		t.Logf("holding for %s: Swift %v, radosswift %v", hold, swift.addrs, ours.addrs)
		time.Sleep(hold)
	}
	t.Logf("differential: %d entries, %d equal, %d known differences, %d listed bugs, %d unexplained",
		len(entries), len(entries)-len(found), knownCount, bugCount, unexplained)
}

// finding is one entry whose answers differ.
type finding struct {
	entry entry
	diffs []difference
	swift answer // Swift's answer to the entry's request
}

func (f finding) fields() []string {
	var fs []string
	for _, d := range f.diffs {
		fs = append(fs, d.field)
	}
	return fs
}

func (f finding) summary() string {
	var parts []string
	for _, d := range f.diffs {
		parts = append(parts, fmt.Sprintf("%s: Swift %s, radosswift %s", d.field, shorten(quoteEmpty(d.swift), 160), shorten(quoteEmpty(d.ours), 160)))
	}
	return strings.Join(parts, "\n    ")
}

func quoteEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// run sends one entry's setup requests and request to both implementations at once
// (they are independent) and returns the differences, setup answers included.
func run(e entry, swift, ours implementation) ([]difference, answer) {
	var wg sync.WaitGroup
	answers := [2][]answer{}
	for i, impl := range []implementation{swift, ours} {
		wg.Add(1)
		go func(i int, addr string) {
			defer wg.Done()
			for _, s := range e.setup {
				answers[i] = append(answers[i], exchange(addr, s, ""))
			}
			answers[i] = append(answers[i], exchange(addr, e.request, followUps[e.server]))
		}(i, impl.addrs[e.server])
	}
	wg.Wait()
	var diffs []difference
	for n := range answers[0] {
		prefix := ""
		if n < len(e.setup) {
			prefix = fmt.Sprintf("setup %d ", n+1)
		}
		for _, d := range compare(e.server, answers[0][n], answers[1][n]) {
			d.field = prefix + d.field
			diffs = append(diffs, d)
		}
	}
	return diffs, answers[0][len(answers[0])-1]
}

// report is every difference as a markdown table: entry, field, Swift's value, ours,
// and the table's verdict.
func report(found []finding, tables *tables) string {
	var b strings.Builder
	b.WriteString("| entry | field | Swift 2.30.1 | radosswift | verdict |\n| --- | --- | --- | --- | --- |\n")
	cell := func(s string) string {
		s = shorten(quoteEmpty(s), 120)
		return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
	}
	for _, f := range found {
		for _, d := range f.diffs {
			verdict := "UNEXPLAINED"
			if k := tables.rowFor(f, d.field); k != nil {
				verdict = k.kind + ": " + k.reason
			}
			name := strings.ReplaceAll(f.entry.name, "|", `\|`)
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name, d.field, cell(d.swift), cell(d.ours), strings.ReplaceAll(verdict, "|", `\|`))
		}
	}
	return b.String()
}

// listed is one row of the known or bug table: the entries it is about (a name, or a
// prefix ending in "*": "object: *" is every object entry), the fields that may differ
// there ("header X-Object-Meta-*" covers that family), an optional condition on
// Swift's answer, and why.
type listed struct {
	kind   string // "known" or "bug"
	entry  string
	fields []string
	when   func(e entry, swift answer) bool // nil: always
	reason string
}

// swiftFailed: a condition of class-wide rows.
func swiftFailed(a answer) bool { return a.failure != "" || a.status >= 400 }

type tables struct {
	rows []*listed
	used map[*listed]bool
}

func newTables(t *testing.T, names map[string]bool) *tables {
	tb := &tables{used: map[*listed]bool{}}
	for _, group := range []struct {
		kind string
		rows []listed
	}{{"bug", bugDifferences}, {"known", knownDifferences}} {
		for i := range group.rows {
			k := group.rows[i]
			k.kind = group.kind
			if !strings.Contains(k.entry, "*") && !names[k.entry] {
				t.Errorf("the %s table names an entry the corpus does not have: %q", k.kind, k.entry)
			}
			tb.rows = append(tb.rows, &k)
		}
	}
	return tb
}

// explain gives each differing field of f the first row that covers it (bugs first,
// then rows about this very entry before class-wide ones): the verdict is "" when some
// field has none, "bug" when a bug row covers one, else "known".
func (tb *tables) explain(f finding) (listed, string) {
	var verdict *listed
	uncovered := false
	for _, field := range f.fields() { // every field, so that every row it needs counts as used
		row := tb.rowFor(f, field)
		switch {
		case row == nil:
			uncovered = true
		case verdict == nil || row.kind == "bug" && verdict.kind != "bug":
			verdict = row
		}
	}
	if uncovered || verdict == nil {
		return listed{}, ""
	}
	return *verdict, verdict.kind
}

func (tb *tables) rowFor(f finding, field string) *listed {
	for _, exact := range []bool{true, false} {
		for _, k := range tb.rows {
			if (k.entry == f.entry.name) != exact || !matches(k.entry, f.entry.name) || !covers(k.fields, field) {
				continue
			}
			if k.when != nil && !k.when(f.entry, f.swift) {
				continue
			}
			tb.used[k] = true
			return k
		}
	}
	return nil
}

// matches is a glob where "*" stands for any run of characters.
func matches(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, parts[len(parts)-1])
}

// covers: a field matches itself, a pattern ending in "*" its prefix, "*" everything.
func covers(fields []string, field string) bool {
	for _, f := range fields {
		if matches(f, field) {
			return true
		}
	}
	return false
}

// unused are the rows no difference needed: a fixed bug, or a stale explanation.
func (tb *tables) unused() []*listed {
	var out []*listed
	for _, k := range tb.rows {
		if !tb.used[k] {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].entry < out[j].entry })
	return out
}
