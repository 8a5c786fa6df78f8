package radosdb

import (
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReverseKeysSortInReverseNameOrder(t *testing.T) {
	names := []string{"a", "ab", "a\x01", "b", "\x01", "\xfe", "\xff", "\xff\xff", "a\xff", "a\xfe\x01", "z/", "z/0"}
	rng := rand.New(rand.NewSource(1))
	for range 500 {
		b := make([]byte, 1+rng.Intn(4))
		for i := range b {
			b[i] = byte(1 + rng.Intn(255))
		}
		names = append(names, string(b))
	}
	byName := append([]string(nil), names...)
	sort.Strings(byName)
	byKey := append([]string(nil), names...)
	sort.Slice(byKey, func(i, j int) bool { return reverseKey(byKey[i]) < reverseKey(byKey[j]) })
	for i := range byName {
		require.Equal(t, byName[len(byName)-1-i], byKey[i])
	}
	for _, n := range names {
		require.False(t, strings.ContainsRune(reverseKey(n), 0), "no NUL: librados bounds are C strings")
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
