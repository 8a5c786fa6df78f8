package accountdb

import (
	"context"
	"strings"
)

// ScanFunc is a backend's ordered scan, the one primitive listings need: up to limit rows
// whose names are strictly after `after` and strictly before `before` ("" = unbounded),
// ascending, or descending when reverse is set. It returns only rows that belong in a
// listing (live objects of the container's current policy, containers not deleted).
// Fewer than limit rows means the range is exhausted.
type ScanFunc[T any] func(ctx context.Context, after, before string, reverse bool, limit int) ([]T, error)

// ListObjects is a container listing (Swift's list_objects_iter) over a backend's scan.
func ListObjects(ctx context.Context, p ListParams, scan ScanFunc[ObjectRow]) ([]ObjectEntry, error) {
	listed, err := list(ctx, p, scan, func(r ObjectRow) string { return r.Name })
	if err != nil {
		return nil, err
	}
	entries := make([]ObjectEntry, len(listed))
	for i, l := range listed {
		if l.subdir != "" {
			entries[i] = ObjectEntry{ObjectRow: ObjectRow{Name: l.subdir}, Subdir: true}
		} else {
			entries[i] = ObjectEntry{ObjectRow: l.row}
		}
	}
	return entries, nil
}

// ListContainers is an account listing (Swift's list_containers_iter) over a backend's
// scan. Path is a container-listing parameter only; Swift ignores it for accounts.
func ListContainers(ctx context.Context, p ListParams, scan ScanFunc[ContainerRow]) ([]ContainerEntry, error) {
	p.Path = nil
	listed, err := list(ctx, p, scan, func(r ContainerRow) string { return r.Name })
	if err != nil {
		return nil, err
	}
	entries := make([]ContainerEntry, len(listed))
	for i, l := range listed {
		if l.subdir != "" {
			entries[i] = ContainerEntry{ContainerRow: ContainerRow{Name: l.subdir}, Subdir: true}
		} else {
			entries[i] = ContainerEntry{ContainerRow: l.row}
		}
	}
	return entries, nil
}

// listed is one line of a listing: a row, or a subdir when subdir is set.
type listed[T any] struct {
	row    T
	subdir string
}

// nameRange is the exact half-open range of names a listing may still return:
// from lower (inclusive or not) to upper (exclusive, "" = unbounded).
type nameRange struct {
	lower          string
	lowerInclusive bool
	upper          string
}

func (r nameRange) contains(name string) bool {
	if r.upper != "" && name >= r.upper {
		return false
	}
	if r.lowerInclusive {
		return name >= r.lower
	}
	return name > r.lower
}

// empty reports whether no name can be in the range.
func (r nameRange) empty() bool { return r.upper != "" && r.upper <= r.lower }

// scanAfter turns the lower bound into the scan's exclusive one. An inclusive bound has
// no exact exclusive twin among byte strings; the one chosen here is exact for UTF-8
// names (which never contain 0xff, and Swift only accepts UTF-8) and contains() drops
// anything else a scan may return below the true bound.
func (r nameRange) scanAfter() string {
	if !r.lowerInclusive || r.lower == "" {
		return r.lower
	}
	last := r.lower[len(r.lower)-1]
	if last == 0 {
		return r.lower[:len(r.lower)-1]
	}
	return r.lower[:len(r.lower)-1] + string([]byte{last - 1, 0xff})
}

// prefixEnd is the smallest string above every string starting with prefix ("" when
// there is none, that is unbounded): Swift's end_prefix, on bytes.
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return ""
	}
	b[len(b)-1]++
	return string(b)
}

// firstUnreserved is the smallest name outside Swift's reserved namespace (names that
// start with NUL).
const firstUnreserved = "\x01"

// firstDelimitedPage is the first page size of a delimited listing.
const firstDelimitedPage = 16

// list is the one listing algorithm. Rows are read in pages from the scan; a name that
// has the delimiter after the prefix becomes one subdir entry, and the next page starts
// past every name under that subdir instead of reading them.
func list[T any](ctx context.Context, p ListParams, scan ScanFunc[T], nameOf func(T) string) ([]listed[T], error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	prefix, delimiter := p.Prefix, p.Delimiter
	// Reverse listings walk down from marker to end_marker, so the two swap roles:
	// lowMarker is the exclusive lower bound, highMarker the exclusive upper one.
	lowMarker, highMarker := p.Marker, p.EndMarker
	if p.Reverse {
		lowMarker, highMarker = p.EndMarker, p.Marker
	}
	pathMode := p.Path != nil
	if pathMode {
		// Swift's path=: the names directly under path, as if prefix were path + "/"
		// and delimiter "/", without subdir entries.
		prefix = ""
		if *p.Path != "" {
			prefix = strings.TrimRight(*p.Path, "/") + "/"
		}
		delimiter = "/"
	}

	var r nameRange
	endOfPrefix := prefixEnd(prefix)
	switch {
	case highMarker != "" && (prefix == "" || endOfPrefix == "" || highMarker < endOfPrefix):
		r.upper = highMarker
	case prefix != "":
		r.upper = endOfPrefix
	}
	switch {
	case lowMarker != "" && lowMarker >= prefix:
		r.lower = lowMarker
	case prefix != "":
		r.lower, r.lowerInclusive = prefix, true
	}
	if !p.AllowReserved && r.lower < firstUnreserved {
		// Swift's list_*_iter adds name >= chr(1) unless reserved names are allowed.
		r.lower, r.lowerInclusive = firstUnreserved, true
	}
	if r.empty() {
		return nil, nil
	}

	var results []listed[T]
	after := r.scanAfter()
	// With a delimiter, a page may end at its first row (a subdir), so pages start small
	// and grow while no subdir cuts them short.
	pageSize := p.Limit
	if delimiter != "" {
		pageSize = min(p.Limit, firstDelimitedPage)
	}
	for len(results) < p.Limit {
		want := min(pageSize, p.Limit-len(results))
		rows, err := scan(ctx, after, r.upper, p.Reverse, want)
		if err != nil {
			return nil, err
		}
		skipped, done := false, false
		for _, row := range rows {
			name := nameOf(row)
			if !p.Reverse {
				after = name
			}
			if !r.contains(name) {
				// Below the lower bound: ascending, later rows may still be in range;
				// descending, none can be.
				if p.Reverse {
					done = true
					break
				}
				continue
			}
			if p.Reverse {
				r.upper = name
			}
			if pathMode && name == prefix {
				continue // the directory marker named by path itself is not listed
			}
			if delimiter != "" {
				if i := strings.Index(name[len(prefix):], delimiter); i >= 0 {
					dir := name[:len(prefix)+i+len(delimiter)]
					nested := len(name) > len(dir)
					if !pathMode || nested {
						if !pathMode && dir != lowMarker {
							results = append(results, listed[T]{subdir: dir})
						}
						r = skipSubdir(r, dir, p.Reverse)
						after = r.scanAfter()
						skipped = true
						break
					}
					// path= lists a directory marker ("dir/sub/") as an object.
				}
			}
			results = append(results, listed[T]{row: row})
			if len(results) >= p.Limit {
				return results, nil
			}
		}
		if done || r.empty() || (!skipped && len(rows) < want) {
			break
		}
		if skipped {
			pageSize = min(p.Limit, firstDelimitedPage)
		} else {
			pageSize *= 2
		}
	}
	return results, nil
}

// skipSubdir moves the range past every name under dir, the subdir just listed.
func skipSubdir(r nameRange, dir string, reverse bool) nameRange {
	if reverse {
		r.upper = dir
		return r
	}
	next := prefixEnd(dir)
	if next == "" {
		// Nothing sorts after dir's names: an empty range ends the listing.
		return nameRange{lower: dir, upper: dir}
	}
	r.lower, r.lowerInclusive = next, true
	return r
}
