package swift

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseTimestampAcceptsSwiftForms(t *testing.T) {
	for _, tc := range []struct{ in, internal string }{
		{"1700000000.12345", "1700000000.12345"},
		{"1700000000.1", "1700000000.10000"},
		{"1700000000", "1700000000.00000"},
		{"1700000000.123456", "1700000000.12346"},
		{"0000000001.00000", "0000000001.00000"},
		{"1700000000.12345_000000000000000a", "1700000000.12345_000000000000000a"},
		{"1700000000.12345_0", "1700000000.12345"},
	} {
		ts, err := ParseTimestamp(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.internal, ts.Internal(), tc.in)
	}
}

func TestParseTimestampRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "abc", "-1", "1.2.3", "1e9", "170000000000.0", "1_zz", "1_", " 1", "1_00000000000000001"} {
		_, err := ParseTimestamp(in)
		require.Error(t, err, "%q", in)
	}
}

func TestInternalFormsSortLikeTimestamps(t *testing.T) {
	in := []string{"1700000000.12345_0000000000000002", "0999999999.99999", "1700000000.12345", "1700000000.12345_0000000000000001", "1700000000.12346"}
	var parsed []Timestamp
	var strs []string
	for _, s := range in {
		ts, err := ParseTimestamp(s)
		require.NoError(t, err)
		parsed = append(parsed, ts)
		strs = append(strs, ts.Internal())
	}
	sort.Slice(parsed, func(i, j int) bool { return parsed[i].Compare(parsed[j]) < 0 })
	sort.Strings(strs)
	for i := range parsed {
		require.Equal(t, strs[i], parsed[i].Internal())
	}
}

func TestHTTPDateRoundsUp(t *testing.T) {
	ts, _ := ParseTimestamp("1700000000.00001")
	require.Equal(t, "Tue, 14 Nov 2023 22:13:21 GMT", ts.HTTPDate())
	ts, _ = ParseTimestamp("1700000000")
	require.Equal(t, "Tue, 14 Nov 2023 22:13:20 GMT", ts.HTTPDate())
}
