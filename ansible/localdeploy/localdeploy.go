// Package localdeploy drives ansible/test/local-deploy for Go tests: the playbook's local
// test mode (storage nodes on 127.0.0.2 and up, a proxy on 127.0.0.1:18080, each host's
// files under DIR/hosts/ADDR, its own Ceph test bed in DIR/ceph), the play recap of each
// run, and what DIR/deployment.env says runs where.
package localdeploy

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RepoRoot is the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Script is the path of ansible/test/local-deploy.
func Script() string { return filepath.Join(RepoRoot(), "ansible", "test", "local-deploy") }

// Require skips the test when a tool of the local deployment is missing, or fails it
// under `make test` (RADOSSWIFT_REQUIRE_CEPH=1), so CI never passes by skipping.
func Require(t testing.TB) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"ansible-playbook", "swift", "memcached", "ceph-mon", "ceph-osd", "curl", "ss", "setsid"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("RADOSSWIFT_REQUIRE_CEPH") == "1" {
		t.Fatalf("the local deployment needs %s (make deps)", strings.Join(missing, ", "))
	}
	t.Skipf("no %s (make deps installs them)", strings.Join(missing, ", "))
}

// BuildBinary builds bin/radosswift of this tree into a temporary directory, so the
// deployment runs the code under test (not a stale make build).
func BuildBinary(t testing.TB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "radosswift")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/radosswift")
	cmd.Dir = RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/radosswift: %v\n%s", err, b)
	}
	return out
}

// Run runs local-deploy COMMAND DIR ARGS... with LOCAL_DEPLOY_BINARY=binary (if set)
// and returns its combined output.
func Run(ctx context.Context, binary, command, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, Script(), append([]string{command, dir}, args...)...)
	cmd.Env = os.Environ()
	if binary != "" {
		cmd.Env = append(cmd.Env, "LOCAL_DEPLOY_BINARY="+binary)
	}
	cmd.WaitDelay = 10 * time.Second // a killed ansible may leave a child holding the pipe
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("local-deploy %s %s: %w", command, dir, err)
	}
	return string(out), nil
}

// Down stops everything the deployment in dir started and removes dir; for t.Cleanup.
func Down(t testing.TB, dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := Run(ctx, "", "down", dir); err != nil {
		t.Errorf("%v\n%s", err, out)
	}
}

// HostRecap is one host's line of ansible's PLAY RECAP.
type HostRecap struct{ OK, Changed, Unreachable, Failed, Skipped int }

var recapLine = regexp.MustCompile(`^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)`)

// ParseRecap returns the hosts of the last PLAY RECAP in an ansible-playbook output.
func ParseRecap(output string) (map[string]HostRecap, error) {
	i := strings.LastIndex(output, "PLAY RECAP")
	if i < 0 {
		return nil, fmt.Errorf("no PLAY RECAP in the output")
	}
	hosts := map[string]HostRecap{}
	sc := bufio.NewScanner(strings.NewReader(output[i:]))
	for sc.Scan() {
		m := recapLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n := make([]int, 5)
		for j := range n {
			n[j], _ = strconv.Atoi(m[j+2])
		}
		hosts[m[1]] = HostRecap{OK: n[0], Changed: n[1], Unreachable: n[2], Failed: n[3], Skipped: n[4]}
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("an empty PLAY RECAP")
	}
	return hosts, nil
}

// Deployment is DIR/deployment.env: what runs and where.
type Deployment struct {
	Dir          string
	ProxyURL     string   // http://127.0.0.1:18080
	Auth         string   // ST_AUTH, tempauth's v1.0 URL
	User, Key    string   // ST_USER, ST_KEY (test:tester, testing)
	StorageNodes []string // the storage nodes' addresses, in ring order of the inventory
	ObjectPort   int
	ContainerPort,
	AccountPort int
	SwiftDir  string // the proxy's swift.conf and rings
	Supervise string // the supervise script (ROOT start|stop|restart|status NAME...)
	Env       map[string]string
}

// HostRoot is the directory of one host (its etc, bin, log, run/NAME.pid, services).
func (d Deployment) HostRoot(addr string) string {
	return d.Env["HOST_ROOT_"+strings.ReplaceAll(addr, ".", "_")]
}

// PidFile is the pid file of one service (object-server, container-server,
// account-server, object-updater; memcached and proxy-server on the proxy host).
func (d Deployment) PidFile(addr, service string) string {
	return filepath.Join(d.HostRoot(addr), "run", service+".pid")
}

// SwiftEnv is the environment of the swift CLI for this deployment.
func (d Deployment) SwiftEnv() []string {
	return append(os.Environ(), "ST_AUTH="+d.Auth, "ST_USER="+d.User, "ST_KEY="+d.Key)
}

// ReadDeployment reads DIR/deployment.env.
func ReadDeployment(dir string) (Deployment, error) {
	b, err := os.ReadFile(filepath.Join(dir, "deployment.env"))
	if err != nil {
		return Deployment{}, err
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	port := func(k string) int { n, _ := strconv.Atoi(env[k]); return n }
	return Deployment{
		Dir: env["LOCAL_DEPLOY_DIR"], ProxyURL: env["PROXY_URL"], Auth: env["ST_AUTH"],
		User: env["ST_USER"], Key: env["ST_KEY"], StorageNodes: strings.Split(env["STORAGE_NODES"], ","),
		ObjectPort: port("OBJECT_PORT"), ContainerPort: port("CONTAINER_PORT"), AccountPort: port("ACCOUNT_PORT"),
		SwiftDir: env["SWIFT_DIR"], Supervise: env["SUPERVISE"], Env: env,
	}, nil
}
