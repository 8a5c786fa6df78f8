package swift

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func headers(kv ...string) func(func(string, string)) {
	return func(visit func(string, string)) {
		for i := 0; i < len(kv); i += 2 {
			visit(kv[i], kv[i+1])
		}
	}
}

func TestCheckMetadataAppliesSwiftLimits(t *testing.T) {
	c := DefaultConstraints
	for _, tc := range []struct {
		name    string
		headers []string
		reason  string
	}{
		{"plain metadata passes", []string{"X-Object-Meta-Color", "red", "Content-Type", "text/plain"}, ""},
		{"an empty name is refused", []string{"X-Object-Meta-", "x"}, "Metadata name cannot be empty"},
		{"a long name is refused", []string{"X-Object-Meta-" + strings.Repeat("n", 129), "x"}, "Metadata name too long"},
		{"a long value is refused", []string{"X-Object-Meta-A", strings.Repeat("v", 257)}, "Metadata value longer than 256"},
		{"a huge header is refused", []string{"X-Other", strings.Repeat("v", 8193)}, "Header value too long"},
		{"too much in total is refused", func() []string {
			var h []string
			for i := 0; i < 20; i++ {
				h = append(h, "X-Object-Meta-"+strings.Repeat(string(rune('a'+i)), 10), strings.Repeat("v", 250))
			}
			return h
		}(), "Total metadata too large"},
		{"too many items are refused", func() []string {
			var h []string
			for i := 0; i < 91; i++ {
				h = append(h, "X-Object-Meta-"+string(rune('A'+i/26))+string(rune('a'+i%26)), "v")
			}
			return h
		}(), "Too many metadata items"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.CheckMetadata(headers(tc.headers...), "object")
			if tc.reason == "" {
				require.NoError(t, err)
				return
			}
			var bad *BadRequest
			require.ErrorAs(t, err, &bad)
			require.Contains(t, bad.Reason, tc.reason)
		})
	}
}

func TestDeleteAtFollowsCheckDeleteHeaders(t *testing.T) {
	now, _ := ParseTimestamp("1700000000.5")
	at, err := DeleteAt("10", "", now, false)
	require.NoError(t, err)
	require.Equal(t, int64(1700000010), at)
	at, err = DeleteAt("", "1700000100", now, false)
	require.NoError(t, err)
	require.Equal(t, int64(1700000100), at)
	_, err = DeleteAt("", "1700000000", now, false)
	require.ErrorContains(t, err, "X-Delete-At in past")
	_, err = DeleteAt("", "1700000000", now, true)
	require.NoError(t, err, "replication may carry a past X-Delete-At")
	_, err = DeleteAt("x", "", now, false)
	require.ErrorContains(t, err, "Non-integer X-Delete-After")
	_, err = DeleteAt("", "soon", now, false)
	require.ErrorContains(t, err, "Non-integer X-Delete-At")
	_, err = DeleteAt("0", "", now, false)
	require.ErrorContains(t, err, "X-Delete-After in past")
	at, err = DeleteAt("", "92270000000000", now, false)
	require.NoError(t, err)
	require.Equal(t, int64(9999999999), at, "clamped to ten digits, as Swift normalizes it")
	at, err = DeleteAt("", "", now, false)
	require.NoError(t, err)
	require.Zero(t, at)
}

func TestTitleHeaderMatchesPython(t *testing.T) {
	require.Equal(t, "Content-Type", TitleHeader("content-type"))
	require.Equal(t, "X-Object-Meta-Abc", TitleHeader("X-OBJECT-META-ABC"))
	require.Equal(t, "X-Delete-At", TitleHeader("x-delete-at"))
}
