package testbed_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/testbed"
	"github.com/radosswift/radosswift/radosconn"
)

func cephDev(t *testing.T, args ...string) (string, error) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "ceph-dev")
	out, err := exec.Command(script, args...).CombinedOutput()
	return string(out), err
}

func probe(t *testing.T, dir string) {
	t.Helper()
	cluster, err := radosconn.Connect(radosconn.Config{CephConf: filepath.Join(dir, "ceph.conf"), User: "radosswift"})
	require.NoError(t, err)
	defer cluster.Shutdown()
	ioctx, err := cluster.OpenPool("radosswift")
	require.NoError(t, err)
	defer ioctx.Destroy()
	_, err = radosconn.Probe(ioctx)
	require.NoError(t, err)
}

func livePids(t *testing.T, dir string) []int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "run", "*.pid"))
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		require.NoError(t, err)
		pids = append(pids, pid)
	}
	return pids
}

// A second test bed beside the one `make test` runs: both work, a second `up` on a
// running bed refuses without harm, and `down` stops exactly its own daemons.
func TestSecondTestBedRunsBesideTheFirstAndStopsCleanly(t *testing.T) {
	first := testbed.Require(t)
	dir := filepath.Join(t.TempDir(), "second")
	t.Cleanup(func() { cephDev(t, "down", dir) })

	out, err := cephDev(t, "up", dir)
	require.NoError(t, err, out)
	require.Contains(t, out, "test bed up in "+dir)

	firstPort, err := os.ReadFile(filepath.Join(first.Dir, "mon-port"))
	require.NoError(t, err)
	secondPort, err := os.ReadFile(filepath.Join(dir, "mon-port"))
	require.NoError(t, err)
	require.NotEqual(t, string(firstPort), string(secondPort))

	probe(t, dir)
	probe(t, first.Dir)

	out, err = cephDev(t, "up", dir)
	require.Error(t, err, "a second up on a running bed must refuse")
	require.Contains(t, out, "already running in "+dir)
	probe(t, dir)

	pids := livePids(t, dir)
	require.Len(t, pids, 3, "mon, mgr and osd")
	out, err = cephDev(t, "down", dir)
	require.NoError(t, err, out)
	for _, pid := range pids {
		require.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "daemon %d must be gone", pid)
	}
	_, err = os.Stat(dir)
	require.True(t, os.IsNotExist(err), "down removes the directory")
	probe(t, first.Dir)
}

func TestDownRefusesADirectoryThatIsNotATestBed(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "precious")
	require.NoError(t, os.WriteFile(keep, []byte("x"), 0o600))
	out, err := cephDev(t, "down", dir)
	require.Error(t, err)
	require.Contains(t, out, "not a test bed")
	_, err = os.Stat(keep)
	require.NoError(t, err, "nothing removed")
}
