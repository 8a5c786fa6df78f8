package radosdb

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/accountdb"
)

// errno is an error as librados reports it (a negative code).
type errno int

func (e errno) Error() string  { return "rados error" }
func (e errno) ErrorCode() int { return int(e) }

func TestLibradosErrorsMapToTheBackendsMeanings(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		want error
	}{
		{"an op timeout is unavailable", -110, accountdb.ErrUnavailable},
		{"a lost connection is unavailable", -107, accountdb.ErrUnavailable},
		{"a shut-down client is unavailable", -108, accountdb.ErrUnavailable},
		{"a missing object is errNoObject", -2, errNoObject},
		{"a failed guard is a conflict", -125, errConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, mapError(errno(tc.code)), tc.want)
		})
	}
	require.Equal(t, errnoEEXIST, errnoOf(mapError(errno(-17))), "EEXIST keeps its errno for Initialize")
}

func TestReverseKeysDecodeBackToTheirNames(t *testing.T) {
	for _, name := range []string{"a", "\xff", "\xfe\xff", "a\x01b", "日本/語", "\xff\xfe\xfd"} {
		require.Equal(t, name, nameOfReverseKey(reverseKey(name)))
	}
}
