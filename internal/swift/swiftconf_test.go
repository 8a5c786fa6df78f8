package swift

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeSwiftConf(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "swift.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestSwiftConfIsReadOnceWithHashPoliciesAndConstraints(t *testing.T) {
	c, err := LoadSwiftConf(writeSwiftConf(t, `[swift-hash]
swift_hash_path_suffix = s
swift_hash_path_prefix = p

[storage-policy:0]
name = gold

[storage-policy:1]
name = silver
default = Yes

[swift-constraints]
max_file_size = 1073741824
max_meta_count = 10
container_listing_limit = 500
`))
	require.NoError(t, err)
	require.Equal(t, HashConf{Prefix: "p", Suffix: "s"}, c.Hash)
	require.Equal(t, StoragePolicies{Names: map[int]string{0: "gold", 1: "silver"}, Default: 1}, c.Policies)
	want := DefaultConstraints
	want.MaxFileSize, want.MaxMetaCount = 1<<30, 10
	require.Equal(t, want, c.Constraints)
	require.Equal(t, ListingLimits{Container: 500, Account: 10000}, c.Listing)
}

func TestSwiftConfWithoutPoliciesOrConstraintsTakesSwiftsDefaults(t *testing.T) {
	c, err := LoadSwiftConf(writeSwiftConf(t, "[swift-hash]\nswift_hash_path_suffix = s\n"))
	require.NoError(t, err)
	require.Equal(t, StoragePolicies{Names: map[int]string{0: "Policy-0"}}, c.Policies)
	require.Equal(t, DefaultConstraints, c.Constraints)
	require.Equal(t, DefaultListingLimits, c.Listing)
}

func TestSwiftConfRefuses(t *testing.T) {
	for _, tc := range []struct{ name, text, mention string }{
		{"no hash secrets", "[storage-policy:0]\nname = a\n", "swift_hash_path_suffix"},
		{"two defaults", "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\ndefault = yes\n[storage-policy:1]\ndefault = yes\n", "more than one"},
		{"no default among several", "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\n[storage-policy:1]\n", "no storage policy"},
		{"a bad policy index", "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:gold]\n", "invalid policy index"},
		{"every bad constraint at once", "[swift-hash]\nswift_hash_path_suffix = s\n[swift-constraints]\nmax_file_size = big\nmax_meta_count = -1\naccount_listing_limit = 0\n",
			"3 config errors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadSwiftConf(writeSwiftConf(t, tc.text))
			require.ErrorContains(t, err, tc.mention)
		})
	}
}
