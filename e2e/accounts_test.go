package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// test2 is the swift CLI's options for the account test2, which no other test uses, so
// its totals are this file's alone (a function: the stack's ports are chosen at start).
func test2() []string {
	return []string{"-A", ports.AuthURL(), "-U", "test2:tester2", "-K", "testing2"}
}

func swift2(t *testing.T, args ...string) string {
	t.Helper()
	return swiftCLI(t, append(test2(), args...)...)
}

// statNumbers reads "Containers:", "Objects:" and "Bytes:" from `swift stat`.
func statNumbers(t *testing.T, out string) (containers, objects, bytes int64) {
	t.Helper()
	read := func(key string) int64 {
		m := regexp.MustCompile(`(?m)^\s*` + key + `: (\d+)$`).FindStringSubmatch(out)
		require.NotNil(t, m, "no %s in:\n%s", key, out)
		n, err := strconv.ParseInt(m[1], 10, 64)
		require.NoError(t, err)
		return n
	}
	return read("Containers"), read("Objects"), read("Bytes")
}

// updateAccounts runs one container updater pass, so that `swift stat` is exact now
// rather than after the container server's next pass.
func updateAccounts(t *testing.T) {
	run(t, filepath.Join(root, "bin", "radosswift"), "container-updater", "--once", "-c", filepath.Join(stackDir, "etc", "container-server.conf"))
}

func TestSwiftStatTotalsAreExactAcrossContainersAndPolicies(t *testing.T) {
	work := t.TempDir()
	baseC, baseO, baseB := statNumbers(t, swift2(t, "stat"))
	prefix := fmt.Sprintf("totals-%d", time.Now().UnixNano())
	gold, plain := prefix+"-gold", prefix+"-plain"
	swift2(t, "post", "-H", "X-Storage-Policy: Policy-1", gold)
	swift2(t, "post", "-m", "color:blue", plain)
	sizes := map[string][]int{plain: {10, 20, 30}, gold: {5, 7}}
	for container, list := range sizes {
		for i, size := range list {
			src := filepath.Join(work, fmt.Sprintf("%s-%d", container, i))
			require.NoError(t, os.WriteFile(src, make([]byte, size), 0o600))
			swift2(t, "upload", "--object-name", fmt.Sprintf("dir/obj-%d", i), container, src)
		}
	}
	updateAccounts(t)

	c, o, b := statNumbers(t, swift2(t, "stat"))
	require.Equal(t, [3]int64{baseC + 2, baseO + 5, baseB + 72}, [3]int64{c, o, b}, "account totals")
	stat := swift2(t, "stat", plain)
	require.Regexp(t, `(?m)^\s*Objects: 3$`, stat)
	require.Regexp(t, `(?m)^\s*Bytes: 60$`, stat)
	require.Regexp(t, `(?m)^\s*Meta Color: blue$`, stat)
	stat = swift2(t, "stat", gold)
	require.Regexp(t, `(?m)^\s*Objects: 2$`, stat)
	require.Regexp(t, `(?m)^\s*Bytes: 12$`, stat)
	require.Contains(t, stat, "Policy-1")

	listing := swift2(t, "list", "--prefix", prefix)
	require.Equal(t, gold+"\n"+plain+"\n", listing)
	require.Equal(t, "dir/\n", swift2(t, "list", "--delimiter", "/", plain))
	require.Equal(t, "dir/obj-0\ndir/obj-1\ndir/obj-2\n", swift2(t, "list", plain))

	swift2(t, "delete", gold)
	updateAccounts(t)
	c, o, b = statNumbers(t, swift2(t, "stat"))
	require.Equal(t, [3]int64{baseC + 1, baseO + 3, baseB + 60}, [3]int64{c, o, b}, "after deleting a container")
	require.Equal(t, plain+"\n", swift2(t, "list", "--prefix", prefix))
	_, err := runErr("swift", append(test2(), "stat", gold)...)
	require.Error(t, err, "a deleted container is gone")

	swift2(t, "delete", plain, "dir/obj-0")
	updateAccounts(t)
	c, o, b = statNumbers(t, swift2(t, "stat"))
	require.Equal(t, [3]int64{baseC + 1, baseO + 2, baseB + 50}, [3]int64{c, o, b}, "after deleting an object")

	swift2(t, "delete", plain)
	updateAccounts(t)
	c, o, b = statNumbers(t, swift2(t, "stat"))
	require.Equal(t, [3]int64{baseC, baseO, baseB}, [3]int64{c, o, b}, "back where it started")
}

func TestContainerServerUpdatesTheAccountByItself(t *testing.T) {
	container := fmt.Sprintf("self-%d", time.Now().UnixNano())
	_, baseO, _ := statNumbers(t, swift2(t, "stat"))
	src := filepath.Join(t.TempDir(), "obj")
	require.NoError(t, os.WriteFile(src, []byte("x"), 0o600))
	swift2(t, "upload", "--object-name", "o", container, src)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, o, _ := statNumbers(t, swift2(t, "stat"))
		if o == baseO+1 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the container server's own updater did not report the object")
		time.Sleep(500 * time.Millisecond)
	}
	swift2(t, "delete", container)
}

func TestSwiftReconReadsContainerAndAccountServers(t *testing.T) {
	for _, typ := range []string{"container", "account"} {
		out := run(t, filepath.Join(root, "scripts", "swift-launch"), "recon", "--swiftdir", filepath.Join(stackDir, "etc"), typ, "--all")
		t.Log(out)
		require.NotContains(t, out, "Traceback")
		require.Contains(t, out, "Checking ring md5sums")
		require.Regexp(t, `1/1 hosts matched, 0 error\[s\] while checking hosts`, out)
		require.Contains(t, out, "Versions matched")
		require.Contains(t, out, "Validating server type '"+typ+"' on 1 hosts...\n1/1 hosts ok, 0 error[s]")
	}
}
