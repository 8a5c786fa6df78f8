package cmpomap

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

// The bytes Ceph's own encoder produces for cmp_vals(String, GT, {"ts": "1700000000.12345"},
// default ""), laid out per src/cls/cmpomap/ops.h.
func TestGuardNewerEncodesCmpValsOp(t *testing.T) {
	want := "0101" + "25000000" + "01" + "03" + "01000000" +
		"02000000" + hex.EncodeToString([]byte("ts")) +
		"10000000" + hex.EncodeToString([]byte("1700000000.12345")) +
		"01" + "00000000"
	require.Equal(t, want, hex.EncodeToString(GuardNewer(map[string]string{"ts": "1700000000.12345"})))
}

func TestRemoveIfOlderHasNoDefaultField(t *testing.T) {
	enc := RemoveIfOlder(map[string]string{"b": "2", "a": "1"})
	// header 6 + mode/op 2 + count 4 + ("a","1") 10 + ("b","2") 10
	require.Len(t, enc, 32)
	require.Equal(t, byte('a'), enc[16], "keys are sent sorted")
}

func TestGuardEqualSendsNoDefaultAndGuardUnchangedSendsEmpty(t *testing.T) {
	strict := GuardEqual(map[string]string{"k": "v"})
	require.Equal(t, byte(0), strict[len(strict)-1], "default absent: a missing key fails")
	loose := GuardUnchanged(map[string]string{"k": "v"})
	require.Equal(t, "0100000000", hex.EncodeToString(loose[len(loose)-5:]), "default present and empty")
	require.Equal(t, byte(EQ), loose[7])
}
