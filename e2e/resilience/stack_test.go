// Package resilience proves that what a storage node or the OSD suffers loses nothing a
// client was told is stored: an OSD killed and restarted under load, an object server
// killed in the middle of a PUT, a storage node lost under load and a ring change (on
// the ansible deployment). Each test drives the real Swift proxy, checks every
// acknowledged object byte for byte afterwards, and prints a short report.
//
// The single-node tests run on a private stack of scripts/run-stack (bluestore, so that
// an OSD restart keeps its data; ports of its own, so that `make run` may run beside it).
package resilience

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/testbed"
)

// The private stack's timeouts: short, so that requests stalled on a dead OSD give up
// within seconds. Swift's proxy waits nodeTimeout for a storage node.
const (
	radosOpTimeout   = 3 * time.Second
	proxyNodeTimeout = 10 * time.Second
	// Objects larger than a stripe are written as tails; a small stripe makes multi-stripe
	// objects cheap enough for a load generator on two cores.
	stripeSize = 1 << 20
)

var root string // the repository

// requireTools skips the test when the tools of a stack are missing, or fails it under
// `make test` (RADOSSWIFT_REQUIRE_CEPH=1), so that CI cannot pass by skipping.
func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	testbed.RequireEndToEnd(t)
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "bin", "radosswift")); err != nil {
		missing = append(missing, "bin/radosswift (make build)")
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("RADOSSWIFT_REQUIRE_CEPH") == "1" {
		t.Fatalf("missing: %s", strings.Join(missing, ", "))
	}
	t.Skipf("missing: %s (make deps, make build)", strings.Join(missing, ", "))
}

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	root = filepath.Dir(filepath.Dir(filepath.Dir(file)))
	code := m.Run()
	if private.dir != "" {
		private.down()
	}
	if deployed.dir != "" {
		deployed.remove()
	}
	os.Exit(code)
}

// stack is a running scripts/run-stack stack.
type stack struct {
	dir      string
	env      []string // what run-stack was started with; the same brings it back
	proxyURL string   // http://127.0.0.1:PORT
	cephConf string
}

var (
	private     stack
	privateOnce sync.Once
	privateErr  error
)

// privateStack starts the package's stack at its first use; TestMain stops it.
func privateStack(t *testing.T) *stack {
	t.Helper()
	requireTools(t, "ceph-osd", "ceph-mon", "rados", "memcached", "swift", "swift-ring-builder", "ss", "curl", "setsid")
	privateOnce.Do(func() { privateErr = private.up() })
	require.NoError(t, privateErr, "the private stack did not come up")
	return &private
}

func (s *stack) up() error {
	parent, err := os.MkdirTemp("", "radosswift-resilience.")
	if err != nil {
		return err
	}
	s.dir = filepath.Join(parent, "stack")
	ports, err := testbed.FreeStackPorts()
	if err != nil {
		return err
	}
	seconds := strconv.FormatFloat(radosOpTimeout.Seconds(), 'f', -1, 64)
	settings := []string{
		"object-server|app:object-server|rados_op_timeout|" + seconds,
		"object-server|app:object-server|rados_stripe_size|" + strconv.Itoa(stripeSize),
		"container-server|app:container-server|rados_op_timeout|" + seconds,
		"account-server|app:account-server|rados_op_timeout|" + seconds,
		"proxy-server|app:proxy-server|node_timeout|" + strconv.FormatFloat(proxyNodeTimeout.Seconds(), 'f', -1, 64),
		// Every request in an OSD outage must reach the object server, so that the test
		// measures how the server fails, not how fast the proxy stops asking it.
		"proxy-server|app:proxy-server|error_suppression_limit|1000000",
		// Account and container info stay in memcache through an outage: a PUT then
		// depends on the object server alone (a failed container HEAD makes Swift's proxy
		// answer a PUT with 404, which says nothing about the storage nodes).
		"proxy-server|app:proxy-server|recheck_account_existence|600",
		"proxy-server|app:proxy-server|recheck_container_existence|600",
	}
	s.env = append(os.Environ(),
		"CEPH_DEV_STORE=bluestore", // memstore forgets everything when the OSD restarts
		"CEPH_DEV_SIZE=6G",
		"RUN_STACK_SETTINGS="+strings.Join(settings, "\n"),
	)
	s.env = append(s.env, ports.Env()...)
	s.proxyURL = ports.ProxyURL()
	s.cephConf = filepath.Join(s.dir, "ceph", "ceph.conf")
	started := time.Now()
	if out, err := s.runStack("up"); err != nil {
		return fmt.Errorf("run-stack up: %v\n%s", err, tail(out, 40))
	}
	fmt.Printf("resilience: private stack up in %s (%s), proxy %s\n", s.dir, time.Since(started).Round(time.Second), s.proxyURL)
	return nil
}

func (s *stack) down() {
	out, err := s.runStack("down")
	if err != nil {
		fmt.Fprintf(os.Stderr, "resilience: run-stack down %s: %v\n%s", s.dir, err, out)
		return
	}
	os.RemoveAll(filepath.Dir(s.dir))
}

func (s *stack) runStack(verb string) (string, error) {
	cmd := exec.Command(filepath.Join(root, "scripts", "run-stack"), verb, s.dir)
	cmd.Dir = root
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// pid is the live process a run-stack pid file names (run/NAME.pid), or a failure.
func (s *stack) pid(t *testing.T, name string) int {
	t.Helper()
	pid := readPid(t, filepath.Join(s.dir, "run", name+".pid"))
	require.True(t, alive(pid), "%s (pid %d) is not running", name, pid)
	return pid
}

// killSession SIGKILLs a process run-stack started and its session (run-stack starts
// each with setsid), and waits until it is gone.
func killSession(t *testing.T, pid int) {
	t.Helper()
	require.NoError(t, syscall.Kill(-pid, syscall.SIGKILL))
	waitGone(t, pid)
}

// osdPid is the pid of the bed's OSD, checked against its command line: a stale pid
// file could name a pid the kernel has given to another process.
func (s *stack) osdPid(t *testing.T) int {
	t.Helper()
	pid := readPid(t, filepath.Join(s.dir, "ceph", "run", "osd.0.pid"))
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	require.NoError(t, err, "the OSD (pid %d) is not running", pid)
	require.Contains(t, string(cmdline), s.cephConf, "pid %d is not this bed's OSD", pid)
	return pid
}

// killOSD SIGKILLs the OSD: no clean shutdown, no chance to tell the mon.
func (s *stack) killOSD(t *testing.T) {
	t.Helper()
	pid := s.osdPid(t)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	waitGone(t, pid)
}

// startOSD starts the OSD as scripts/ceph-dev does (it daemonizes and writes its pid file).
func (s *stack) startOSD(t *testing.T) {
	t.Helper()
	out, err := exec.Command("ceph-osd", "-c", s.cephConf, "-i", "0").CombinedOutput()
	require.NoError(t, err, "ceph-osd: %s", out)
}

// rados runs the rados CLI as client.admin on the stack's cluster.
func (s *stack) rados(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("rados", append([]string{"-c", s.cephConf}, args...)...).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("rados %s: %v\n%s", strings.Join(args, " "), err, exit.Stderr)
	}
	require.NoError(t, err)
	return string(out)
}

func readPid(t *testing.T, file string) int {
	t.Helper()
	text, err := os.ReadFile(file)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(text)))
	require.NoError(t, err, "pid file %s", file)
	return pid
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// waitGone waits until pid no longer exists. A killed daemon that is not our child is
// reaped by init; until then it still answers kill(pid, 0), so zombies count as gone.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for alive(pid) && !zombie(pid) {
		require.True(t, time.Now().Before(deadline), "pid %d still alive 15 s after SIGKILL", pid)
		time.Sleep(20 * time.Millisecond)
	}
}

func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
