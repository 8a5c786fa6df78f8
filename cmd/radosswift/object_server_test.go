package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/testbed"
)

// binary is the radosswift built by `make build`, which `make test` runs first.
func binary(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(filepath.Dir(file), "..", "..", "bin", "radosswift")
	if _, err := os.Stat(bin); err != nil {
		t.Skip("bin/radosswift not built (make build)")
	}
	return bin
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func serverConf(t *testing.T, cephConf, user, pool string, port int, extra string) string {
	dir := t.TempDir()
	swiftConf := filepath.Join(dir, "swift.conf")
	require.NoError(t, os.WriteFile(swiftConf, []byte("[swift-hash]\nswift_hash_path_suffix = s\n"), 0o600))
	conf := filepath.Join(dir, "object-server.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`[DEFAULT]
bind_ip = 127.0.0.1
bind_port = %d
swift_conf = %s
[pipeline:main]
pipeline = healthcheck object-server
[filter:healthcheck]
use = egg:swift#healthcheck
[app:object-server]
rados_ceph_conf = %s
rados_user = %s
rados_pool = %s
rados_namespace = cmd-test-%d
rados_op_timeout = 3
%s
`, port, swiftConf, cephConf, user, pool, time.Now().UnixNano(), extra)), 0o600))
	return conf
}

func TestObjectServerFinishesRequestsInFlightOnSIGTERM(t *testing.T) {
	bed := testbed.Require(t)
	port := freePort(t)
	cmd := exec.Command(binary(t), "object-server", "-c", serverConf(t, bed.User.CephConf, bed.User.User, bed.Pool, port, ""))
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthcheck")
		if err == nil {
			resp.Body.Close()
			break
		}
		require.True(t, time.Now().Before(deadline), "server did not start: %s", logs.String())
		time.Sleep(100 * time.Millisecond)
	}
	// Log lines are buffered, and written within a second or so.
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "object server started") },
		5*time.Second, 50*time.Millisecond, "the buffered log is flushed periodically")

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	ts := fmt.Sprintf("%.5f", float64(time.Now().UnixNano())/1e9)
	fmt.Fprintf(conn, "PUT /sda/1/a/c/o HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nhello", ts)
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	time.Sleep(300 * time.Millisecond)
	_, err = conn.Write([]byte("world"))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "the PUT in flight finished after SIGTERM")

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "clean exit: %s", logs.String())
		require.Contains(t, logs.String(), "finishing requests in flight", "the log is flushed at exit")
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop after SIGTERM")
	}
	_, err = net.Dial("tcp", addr)
	require.Error(t, err, "no longer listening")
}

func TestObjectServerStartupErrorsAreClearAndExitNonZero(t *testing.T) {
	bed := testbed.Require(t)
	for _, tc := range []struct {
		name, cephConf, pool, extra, want string
	}{
		{"a missing pool", bed.User.CephConf, "no-such-pool", "", `pool "no-such-pool": pool does not exist`},
		{"a bad setting", bed.User.CephConf, bed.Pool, "rados_stripe_size = huge", `rados_stripe_size = "huge"`},
		{"a bad switch", bed.User.CephConf, bed.Pool, "rados_verify_reads = maybe", `rados_verify_reads = "maybe"`},
		{"a bad wait", bed.User.CephConf, bed.Pool, "rados_memory_wait = soon", `rados_memory_wait = "soon"`},
		{"three bad values, reported together", bed.User.CephConf, bed.Pool, "rados_verify_reads = maybe\nrados_parallel = 0\ngc_interval = soon",
			"3 config errors"},
		{"an unreachable cluster", writeDeadCephConf(t), bed.Pool, "", "connecting as client."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary(t), "object-server", "-c", serverConf(t, tc.cephConf, bed.User.User, tc.pool, freePort(t), tc.extra))
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "must exit non-zero")
			require.Contains(t, string(out), tc.want)
		})
	}
}

func writeDeadCephConf(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "ceph.conf")
	require.NoError(t, os.WriteFile(path, []byte("[global]\nmon host = v1:127.0.0.1:1\nauth client required = none\n"), 0o600))
	return path
}

// syncBuffer collects a child process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
