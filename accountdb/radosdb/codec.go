package radosdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// Rows are stored in a small binary form (a version byte, then varints and
// length-prefixed strings): a listing page decodes tens of thousands of them. The name
// is the omap key and is not repeated. Encoded rows are never empty, which the
// read-modify-write guard relies on ("" stands for a missing key).

const rowFormat = 1

var errCorruptRow = errors.New("radosdb: corrupt row")

func appendTimestamp(b []byte, ts swift.Timestamp) []byte {
	b = binary.AppendVarint(b, ts.Ticks)
	return binary.AppendUvarint(b, ts.Offset)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// rowReader decodes fields in order and remembers the first error.
type rowReader struct {
	b   []byte
	err error
}

func (r *rowReader) fail() {
	if r.err == nil {
		r.err = errCorruptRow
	}
	r.b = nil
}

func (r *rowReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *rowReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *rowReader) timestamp() swift.Timestamp {
	return swift.Timestamp{Ticks: r.varint(), Offset: r.uvarint()}
}

func (r *rowReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *rowReader) header() {
	if len(r.b) == 0 || r.b[0] != rowFormat {
		r.fail()
		return
	}
	r.b = r.b[1:]
}

func encodeObjectRow(row accountdb.ObjectRow) []byte {
	b := make([]byte, 0, 48+len(row.ContentType)+len(row.ETag))
	b = append(b, rowFormat)
	b = appendTimestamp(b, row.Timestamp)
	b = appendTimestamp(b, row.CtypeTimestamp)
	b = appendTimestamp(b, row.MetaTimestamp)
	b = binary.AppendVarint(b, row.Size)
	b = appendString(b, row.ContentType)
	b = appendString(b, row.ETag)
	deleted := uint64(0)
	if row.Deleted {
		deleted = 1
	}
	b = binary.AppendUvarint(b, deleted)
	return binary.AppendVarint(b, int64(row.StoragePolicyIndex))
}

func decodeObjectRow(name string, v []byte) (accountdb.ObjectRow, error) {
	r := rowReader{b: v}
	r.header()
	row := accountdb.ObjectRow{Name: name}
	row.Timestamp = r.timestamp()
	row.CtypeTimestamp = r.timestamp()
	row.MetaTimestamp = r.timestamp()
	row.Size = r.varint()
	row.ContentType = r.string()
	row.ETag = r.string()
	row.Deleted = r.uvarint() == 1
	row.StoragePolicyIndex = int(r.varint())
	if r.err != nil {
		return row, fmt.Errorf("%w: object %q", r.err, name)
	}
	return row, nil
}

func encodeContainerRow(row accountdb.ContainerRow) []byte {
	b := make([]byte, 0, 40)
	b = append(b, rowFormat)
	b = appendTimestamp(b, row.PutTimestamp)
	b = appendTimestamp(b, row.DeleteTimestamp)
	b = binary.AppendVarint(b, row.ObjectCount)
	b = binary.AppendVarint(b, row.BytesUsed)
	return binary.AppendVarint(b, int64(row.StoragePolicyIndex))
}

func decodeContainerRow(name string, v []byte) (accountdb.ContainerRow, error) {
	r := rowReader{b: v}
	r.header()
	row := accountdb.ContainerRow{Name: name}
	row.PutTimestamp = r.timestamp()
	row.DeleteTimestamp = r.timestamp()
	row.ObjectCount = r.varint()
	row.BytesUsed = r.varint()
	row.StoragePolicyIndex = int(r.varint())
	if r.err != nil {
		return row, fmt.Errorf("%w: container %q", r.err, name)
	}
	return row, nil
}

// Stats are decimal text "containers objects bytes": exact int64 arithmetic in Go, and
// readable with `rados listomapvals`.
func encodeStats(s accountdb.PolicyStats) string {
	return fmt.Sprintf("%d %d %d", s.ContainerCount, s.ObjectCount, s.BytesUsed)
}

func decodeStats(v string) (accountdb.PolicyStats, error) {
	var s accountdb.PolicyStats
	if _, err := fmt.Sscanf(v, "%d %d %d", &s.ContainerCount, &s.ObjectCount, &s.BytesUsed); err != nil {
		return s, fmt.Errorf("radosdb: corrupt stats %q: %w", v, err)
	}
	return s, nil
}

func addStats(a, b accountdb.PolicyStats) accountdb.PolicyStats {
	return accountdb.PolicyStats{
		ContainerCount: a.ContainerCount + b.ContainerCount,
		ObjectCount:    a.ObjectCount + b.ObjectCount,
		BytesUsed:      a.BytesUsed + b.BytesUsed,
	}
}

func statsKey(policy int) string { return prefixStats + strconv.Itoa(policy) }

func policyOfStatsKey(key string) (int, error) {
	return strconv.Atoi(strings.TrimPrefix(key, prefixStats))
}
