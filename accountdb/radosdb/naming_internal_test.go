package radosdb

import (
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Names of Swift's reserved namespace start with NUL; every byte value must keep its
// order in both key forms, and no key may contain NUL (librados bounds are C strings).
func TestKeysSortLikeNamesForwardAndReverseWithNoNUL(t *testing.T) {
	names := []string{"a", "ab", "a\x01", "a\x00", "a\x00\x00", "\x00versions\x00c", "\x00", "b", "\x01", "\xfe", "\xff",
		"\xff\xff", "a\xff", "a\xfe\x01", "z/", "z/0"}
	rng := rand.New(rand.NewSource(1))
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for len(names) < 800 {
		b := make([]byte, 1+rng.Intn(4))
		for i := range b {
			b[i] = byte(rng.Intn(256))
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			names = append(names, string(b))
		}
	}
	byName := append([]string(nil), names...)
	sort.Strings(byName)
	byReverseKey := append([]string(nil), names...)
	sort.Slice(byReverseKey, func(i, j int) bool { return reverseKey(byReverseKey[i]) < reverseKey(byReverseKey[j]) })
	byListedKey := append([]string(nil), names...)
	sort.Slice(byListedKey, func(i, j int) bool { return listedKey(byListedKey[i]) < listedKey(byListedKey[j]) })
	for i := range byName {
		require.Equal(t, byName[len(byName)-1-i], byReverseKey[i])
		require.Equal(t, byName[i], byListedKey[i])
	}
	for _, n := range names {
		require.False(t, strings.ContainsRune(reverseKey(n), 0), "%q", n)
		require.False(t, strings.ContainsRune(listedKey(n), 0), "%q", n)
		require.Equal(t, n, nameOfReverseKey(reverseKey(n)))
		require.Equal(t, n, unescapeName(escapeName(n)))
	}
}

func TestShardOfIsStableAndSpreads(t *testing.T) {
	require.Equal(t, shardOf("photos/cat.jpg", 16), shardOf("photos/cat.jpg", 16))
	counts := make([]int, 16)
	for i := range 16000 {
		counts[shardOf("obj-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26), 16)]++
	}
	for _, c := range counts {
		require.InDelta(t, 1000, c, 200)
	}
}
