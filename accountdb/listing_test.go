package accountdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// sortedScan is a backend's scan over names in memory; rowsRead counts what it returned.
type sortedScan struct {
	names    []string
	rowsRead int
	calls    int
}

func newSortedScan(names ...string) *sortedScan {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	return &sortedScan{names: sorted}
}

func (s *sortedScan) scan(_ context.Context, after, before string, reverse bool, limit int) ([]ObjectRow, error) {
	s.calls++
	var rows []ObjectRow
	for i := range s.names {
		name := s.names[i]
		if reverse {
			name = s.names[len(s.names)-1-i]
		}
		if (after != "" && name <= after) || (before != "" && name >= before) {
			continue
		}
		rows = append(rows, ObjectRow{Name: name})
		if len(rows) == limit {
			break
		}
	}
	s.rowsRead += len(rows)
	return rows, nil
}

// render writes a listing as names, subdirs marked with a trailing " (subdir)".
func render(entries []ObjectEntry) []string {
	out := []string{}
	for _, e := range entries {
		if e.Subdir {
			out = append(out, e.Name+" (subdir)")
		} else {
			out = append(out, e.Name)
		}
	}
	return out
}

func strptr(s string) *string { return &s }

var photoNames = []string{
	"a", "a/", "a/1", "a/2", "a/b/1", "a/b/2", "a0", "b", "b/x", "c", "photos/2024/jan.jpg",
	"photos/2024/feb.jpg", "photos/2025/mar.jpg", "photos/index.html", "zz",
}

func TestListObjects(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    ListParams
		want []string
	}{
		{"lists every name in order without parameters", ListParams{Limit: 100},
			[]string{"a", "a/", "a/1", "a/2", "a/b/1", "a/b/2", "a0", "b", "b/x", "c", "photos/2024/feb.jpg", "photos/2024/jan.jpg", "photos/2025/mar.jpg", "photos/index.html", "zz"}},
		{"stops at the limit", ListParams{Limit: 3}, []string{"a", "a/", "a/1"}},
		{"starts after the marker", ListParams{Marker: "b", Limit: 3}, []string{"b/x", "c", "photos/2024/feb.jpg"}},
		{"stops before the end marker", ListParams{Marker: "a0", EndMarker: "c", Limit: 100}, []string{"b", "b/x"}},
		{"keeps only names under the prefix", ListParams{Prefix: "a/b", Limit: 100}, []string{"a/b/1", "a/b/2"}},
		{"folds names under a delimiter into subdirs", ListParams{Delimiter: "/", Limit: 100},
			[]string{"a", "a/ (subdir)", "a0", "b", "b/ (subdir)", "c", "photos/ (subdir)", "zz"}},
		{"folds names below the prefix into subdirs", ListParams{Prefix: "photos/", Delimiter: "/", Limit: 100},
			[]string{"photos/2024/ (subdir)", "photos/2025/ (subdir)", "photos/index.html"}},
		{"counts subdirs against the limit", ListParams{Delimiter: "/", Limit: 2}, []string{"a", "a/ (subdir)"}},
		{"does not repeat the subdir named by the marker", ListParams{Delimiter: "/", Marker: "a/", Limit: 3}, []string{"a0", "b", "b/ (subdir)"}},
		{"repeats a subdir when the marker is inside it", ListParams{Delimiter: "/", Marker: "a/1", Limit: 2}, []string{"a/ (subdir)", "a0"}},
		{"folds a name ending in the delimiter into its subdir", ListParams{Prefix: "a", Delimiter: "/", Limit: 100}, []string{"a", "a/ (subdir)", "a0"}},
		{"uses a marker below the prefix as the prefix", ListParams{Prefix: "b", Marker: "a", Limit: 100}, []string{"b", "b/x"}},
		{"ends at the prefix when the end marker is beyond it", ListParams{Prefix: "a/", EndMarker: "zz", Limit: 100}, []string{"a/", "a/1", "a/2", "a/b/1", "a/b/2"}},
		{"is empty when the end marker is before the marker", ListParams{Marker: "c", EndMarker: "b", Limit: 100}, []string{}},
		{"is empty when the prefix matches nothing", ListParams{Prefix: "q", Limit: 100}, []string{}},
		{"accepts a multi-character delimiter", ListParams{Delimiter: "/2", Prefix: "photos", Limit: 100},
			[]string{"photos/2 (subdir)", "photos/index.html"}},

		{"reverses the order", ListParams{Reverse: true, Limit: 3}, []string{"zz", "photos/index.html", "photos/2025/mar.jpg"}},
		{"reverses starting below the marker", ListParams{Reverse: true, Marker: "b", Limit: 3}, []string{"a0", "a/b/2", "a/b/1"}},
		{"reverses down to the end marker", ListParams{Reverse: true, Marker: "c", EndMarker: "a0", Limit: 100}, []string{"b/x", "b"}},
		{"reverses with subdirs", ListParams{Reverse: true, Delimiter: "/", Limit: 100},
			[]string{"zz", "photos/ (subdir)", "c", "b/ (subdir)", "b", "a0", "a/ (subdir)", "a"}},
		{"reverses with subdirs, a marker and an end marker", ListParams{Reverse: true, Delimiter: "/", Marker: "photos/", EndMarker: "a", Limit: 100},
			[]string{"c", "b/ (subdir)", "b", "a0", "a/ (subdir)"}},
		{"reverses without repeating the subdir named by the end marker", ListParams{Reverse: true, Delimiter: "/", Marker: "b", EndMarker: "a/", Limit: 100},
			[]string{"a0"}},
		{"reverses under a prefix", ListParams{Reverse: true, Prefix: "photos/", Delimiter: "/", Limit: 100},
			[]string{"photos/index.html", "photos/2025/ (subdir)", "photos/2024/ (subdir)"}},

		{"lists the names directly under a path", ListParams{Path: strptr("a"), Limit: 100}, []string{"a/1", "a/2"}},
		{"lists a path given with a trailing slash the same", ListParams{Path: strptr("a/"), Limit: 100}, []string{"a/1", "a/2"}},
		{"lists the top level for an empty path", ListParams{Path: strptr(""), Limit: 100}, []string{"a", "a/", "a0", "b", "c", "zz"}},
		{"lists a path in reverse", ListParams{Path: strptr("photos"), Reverse: true, Limit: 100}, []string{"photos/index.html"}},
		{"lets path override prefix and delimiter", ListParams{Path: strptr("a"), Prefix: "zz", Delimiter: "x", Limit: 100}, []string{"a/1", "a/2"}},
		{"lists a path after a marker", ListParams{Path: strptr("a"), Marker: "a/1", Limit: 100}, []string{"a/2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ListObjects(context.Background(), tc.p, newSortedScan(photoNames...).scan)
			require.NoError(t, err)
			require.Equal(t, tc.want, render(got))
		})
	}
}

func TestListObjectsPathListsDirectoryMarkersAsObjects(t *testing.T) {
	scan := newSortedScan("d/", "d/x/", "d/x/deep", "d/y")
	got, err := ListObjects(context.Background(), ListParams{Path: strptr("d"), Limit: 10}, scan.scan)
	require.NoError(t, err)
	require.Equal(t, []string{"d/x/", "d/y"}, render(got))
}

func TestListObjectsSkipsWholeSubdirsInsteadOfReadingThem(t *testing.T) {
	names := []string{"a"}
	for i := range 1000 {
		names = append(names, fmt.Sprintf("big/%04d", i), fmt.Sprintf("huge/%04d", i))
	}
	names = append(names, "z")
	for _, tc := range []struct {
		name string
		p    ListParams
		want []string
	}{
		{"forward", ListParams{Delimiter: "/", Limit: 100}, []string{"a", "big/ (subdir)", "huge/ (subdir)", "z"}},
		{"reverse", ListParams{Delimiter: "/", Reverse: true, Limit: 100}, []string{"z", "huge/ (subdir)", "big/ (subdir)", "a"}},
		{"path", ListParams{Path: strptr(""), Limit: 100}, []string{"a", "z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scan := newSortedScan(names...)
			got, err := ListObjects(context.Background(), tc.p, scan.scan)
			require.NoError(t, err)
			require.Equal(t, tc.want, render(got))
			require.Less(t, scan.rowsRead, 4*firstDelimitedPage, "rows read for 2002 names in 4 entries")
		})
	}
}

func TestListObjectsOrdersUnicodeNamesByCodePoint(t *testing.T) {
	// UTF-8 byte order is code point order, which is what Swift's SQLite (and Python) use.
	scan := newSortedScan("z", "é", "éa/1", "éa/2", "日本/語", "😀", "\u00ff")
	got, err := ListObjects(context.Background(), ListParams{Delimiter: "/", Limit: 10}, scan.scan)
	require.NoError(t, err)
	require.Equal(t, []string{"z", "é", "éa/ (subdir)", "\u00ff", "日本/ (subdir)", "😀"}, render(got))

	got, err = ListObjects(context.Background(), ListParams{Prefix: "é", Limit: 10}, scan.scan)
	require.NoError(t, err)
	require.Equal(t, []string{"é", "éa/1", "éa/2"}, render(got))
}

func TestListObjectsDropsRowsAScanReturnsBelowAnInclusiveBound(t *testing.T) {
	// Names with 0xff bytes are not UTF-8, so the scan's exclusive bound cannot exclude
	// them exactly; the listing still must not return them.
	scan := newSortedScan("a\xfe\xff\xff", "a\xff", "a\xff/x", "b")
	got, err := ListObjects(context.Background(), ListParams{Prefix: "a\xff", Limit: 10}, scan.scan)
	require.NoError(t, err)
	require.Equal(t, []string{"a\xff", "a\xff/x"}, render(got))
}

func TestListContainersIgnoresPath(t *testing.T) {
	rows := []ContainerRow{{Name: "a"}, {Name: "b/1"}, {Name: "b/2"}, {Name: "c"}}
	scan := func(_ context.Context, after, before string, reverse bool, limit int) ([]ContainerRow, error) {
		var out []ContainerRow
		for _, r := range rows {
			if (after == "" || r.Name > after) && (before == "" || r.Name < before) {
				out = append(out, r)
			}
		}
		if reverse {
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
		}
		return out[:min(limit, len(out))], nil
	}
	got, err := ListContainers(context.Background(), ListParams{Delimiter: "/", Path: strptr("b"), Limit: 10}, scan)
	require.NoError(t, err)
	require.Equal(t, []ContainerEntry{
		{ContainerRow: ContainerRow{Name: "a"}},
		{ContainerRow: ContainerRow{Name: "b/"}, Subdir: true},
		{ContainerRow: ContainerRow{Name: "c"}},
	}, got)
}

// TestListObjectsAgreesWithSwift runs random listings through Swift 2.30.1's own
// ContainerBroker (Debian's python3-swift) and compares.
func TestListObjectsAgreesWithSwift(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import swift.container.backend").Run(); err != nil {
		t.Skip("Swift's Python libraries are not installed:", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	randomNames := func(parts []string) []string {
		seen := map[string]bool{}
		var names []string
		for len(names) < 300 {
			var b strings.Builder
			for range 1 + rng.IntN(6) {
				b.WriteString(parts[rng.IntN(len(parts))])
			}
			if w := b.String(); !seen[w] {
				seen[w] = true
				names = append(names, w)
			}
		}
		return names
	}
	maybe := func(s string) string {
		if rng.IntN(2) == 0 {
			return ""
		}
		return s
	}
	pick := func(names []string) string {
		runes := []rune(names[rng.IntN(len(names))])
		return string(runes[:rng.IntN(len(runes)+1)])
	}

	names := randomNames([]string{"a", "b", "é", "/", "-", "0", "x/", "//"})
	// Names in the reserved namespace, as object versioning makes them.
	names = append(names, "\x00versions\x00a", "\x00versions\x00b/c", "\x00x")
	var cases []ListParams
	for range 400 {
		cases = append(cases, ListParams{
			Prefix: maybe(pick(names)), Delimiter: maybe([]string{"/", "-", "a", "x/"}[rng.IntN(4)]),
			Marker: maybe(pick(names)), EndMarker: maybe(pick(names)),
			Limit: 1 + rng.IntN(40), Reverse: rng.IntN(2) == 0, AllowReserved: rng.IntN(4) == 0,
		})
	}
	compareWithSwift(t, names, cases)

	// Swift's path= skips past a nested name with an exclusive bound and so also drops a
	// name equal to that bound ("x/a/b" hides "x/a0"); these names have no "0".
	names = randomNames([]string{"a", "b", "é", "/", "-", "x/", "//"})
	cases = nil
	for range 200 {
		path := pick(names)
		cases = append(cases, ListParams{
			Path: &path, Marker: maybe(pick(names)), EndMarker: maybe(pick(names)),
			Limit: 1 + rng.IntN(40), Reverse: rng.IntN(2) == 0,
		})
	}
	compareWithSwift(t, names, cases)
}

func compareWithSwift(t *testing.T, names []string, cases []ListParams) {
	type swiftCase struct {
		Prefix        string  `json:"prefix"`
		Delimiter     string  `json:"delimiter"`
		Marker        string  `json:"marker"`
		EndMarker     string  `json:"end_marker"`
		Path          *string `json:"path,omitempty"`
		Limit         int     `json:"limit"`
		Reverse       bool    `json:"reverse"`
		AllowReserved bool    `json:"allow_reserved"`
	}
	var swiftCases []swiftCase
	for _, p := range cases {
		swiftCases = append(swiftCases, swiftCase(p))
	}
	input, err := json.Marshal(map[string]any{"names": names, "cases": swiftCases})
	require.NoError(t, err)
	cmd := exec.Command("/usr/bin/python3", "testdata/swift_listing.py")
	cmd.Stdin = bytes.NewReader(input)
	cmd.Stderr = os.Stderr
	output, err := cmd.Output()
	require.NoError(t, err)
	var want [][]any
	require.NoError(t, json.Unmarshal(output, &want))

	for i, p := range cases {
		got, err := ListObjects(context.Background(), p, newSortedScan(names...).scan)
		require.NoError(t, err)
		wantNames := []string{}
		for _, w := range want[i] {
			if m, ok := w.(map[string]any); ok {
				wantNames = append(wantNames, m["subdir"].(string)+" (subdir)")
			} else {
				wantNames = append(wantNames, w.(string))
			}
		}
		path := "<nil>"
		if p.Path != nil {
			path = *p.Path
		}
		require.Equal(t, wantNames, render(got), "case %d: %+v path %q", i, p, path)
	}
}

func TestListingsHideReservedNamesUnlessAllowed(t *testing.T) {
	// Object versioning keeps its hidden containers and versions under names that start
	// with NUL; Swift lists them only for X-Backend-Allow-Reserved-Names.
	scan := newSortedScan("\x00versions\x00c", "\x00versions\x00d", "a", "b")
	list := func(p ListParams) []string {
		p.Limit = 10
		entries, err := ListObjects(context.Background(), p, scan.scan)
		require.NoError(t, err)
		return render(entries)
	}
	require.Equal(t, []string{"a", "b"}, list(ListParams{}))
	require.Equal(t, []string{"b", "a"}, list(ListParams{Reverse: true}))
	require.Equal(t, []string{}, list(ListParams{Prefix: "\x00versions"}))
	require.Equal(t, []string{"\x00versions\x00c", "\x00versions\x00d", "a", "b"}, list(ListParams{AllowReserved: true}))
	require.Equal(t, []string{"\x00versions\x00d"}, list(ListParams{AllowReserved: true, Prefix: "\x00versions", Marker: "\x00versions\x00c"}))
	require.Equal(t, []string{"b", "a", "\x00versions\x00d", "\x00versions\x00c"}, list(ListParams{AllowReserved: true, Reverse: true}))
}
