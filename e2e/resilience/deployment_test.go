package resilience

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ceph/go-ceph/rados"
	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/radosconn"
)

// deployment is a running ansible/test/local-deploy deployment: storage nodes on
// 127.0.0.2, .3, ... and a Swift proxy, deployed by the playbook, on a Ceph bed of its own.
type deployment struct {
	dir string
	env map[string]string // DIR/deployment.env
}

var (
	deployed     deployment
	deployedOnce sync.Once
	deployedErr  error
)

// localDeployment deploys three storage nodes at its first use; TestMain removes them.
func localDeployment(t *testing.T) *deployment {
	t.Helper()
	requireTools(t, "ansible-playbook", "ceph-osd", "ceph-mon", "memcached", "swift", "ss", "curl", "setsid")
	if _, err := os.Stat(filepath.Join(root, "ansible", "test", "local-deploy")); err != nil {
		if os.Getenv("RADOSSWIFT_REQUIRE_CEPH") == "1" {
			t.Fatal("no ansible/test/local-deploy")
		}
		t.Skip("no ansible/test/local-deploy")
	}
	deployedOnce.Do(func() {
		parent, err := os.MkdirTemp("", "radosswift-resilience-deploy.")
		if err != nil {
			deployedErr = err
			return
		}
		deployed.dir = filepath.Join(parent, "deploy")
		deployedErr = deployed.deploy(3)
	})
	require.NoError(t, deployedErr, "the local deployment did not come up")
	return &deployed
}

// deploy runs the playbook for n storage nodes (again: the rings change, nodes are added).
func (d *deployment) deploy(n int) error {
	started := time.Now()
	out, err := d.localDeploy("up", strconv.Itoa(n))
	if err != nil {
		return fmt.Errorf("local-deploy up %d: %v\n%s", n, err, tail(out, 40))
	}
	text, err := os.ReadFile(filepath.Join(d.dir, "deployment.env"))
	if err != nil {
		return err
	}
	d.env = map[string]string{}
	for _, line := range strings.Split(string(text), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			d.env[k] = v
		}
	}
	fmt.Printf("resilience: %d storage nodes deployed in %s (%s), proxy %s\n", n, d.dir, time.Since(started).Round(time.Second), d.env["PROXY_URL"])
	return nil
}

func (d *deployment) localDeploy(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(root, "ansible", "test", "local-deploy"), append([]string{args[0], d.dir}, args[1:]...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (d *deployment) remove() {
	if out, err := d.localDeploy("down"); err != nil {
		fmt.Fprintf(os.Stderr, "resilience: local-deploy down %s: %v\n%s", d.dir, err, out)
		return
	}
	os.RemoveAll(filepath.Dir(d.dir))
}

func (d *deployment) nodes() []string { return strings.Split(d.env["STORAGE_NODES"], ",") }

func (d *deployment) hostRoot(addr string) string {
	return d.env["HOST_ROOT_"+strings.ReplaceAll(addr, ".", "_")]
}

// killNode SIGKILLs every process of a storage node (by its pid files, each checked
// against the process's environment), as a crash of the machine would end them.
func (d *deployment) killNode(t *testing.T, addr string) []string {
	t.Helper()
	host := d.hostRoot(addr)
	pidFiles, err := filepath.Glob(filepath.Join(host, "run", "*.pid"))
	require.NoError(t, err)
	var killed []string
	for _, file := range pidFiles {
		name := strings.TrimSuffix(filepath.Base(file), ".pid")
		pid := readPid(t, file)
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil || !strings.Contains(string(environ), "SUPERVISE_SERVICE="+host+"/"+name+"\x00") {
			continue // not running, or not ours
		}
		require.NoError(t, syscall.Kill(-pid, syscall.SIGKILL), "%s on %s", name, addr)
		killed = append(killed, fmt.Sprintf("%s (pid %d)", name, pid))
		defer waitGone(t, pid)
	}
	require.NotEmpty(t, killed, "no process of %s was running", addr)
	return killed
}

// poolObjects is every object of a pool's data namespace (object heads and tails) with
// its size, read as client.admin.
func (d *deployment) poolObjects(t *testing.T, pool string) map[string]uint64 {
	t.Helper()
	sizes := map[string]uint64{}
	d.withPool(t, pool, func(ioctx *rados.IOContext) {
		for _, object := range listAllNamespaces(t, ioctx) {
			if object.namespace != "" {
				continue
			}
			stat, err := ioctx.Stat(object.name)
			if err == rados.ErrNotFound {
				continue // removed meanwhile
			}
			require.NoError(t, err, "stat %s", object.name)
			sizes[object.name] = stat.Size
		}
	})
	return sizes
}

// namespaceCounts is how many objects each RADOS namespace of a pool holds ("" is the
// data namespace; .db the account and container databases; .gc and .async the
// collector's index and the queued container updates).
func (d *deployment) namespaceCounts(t *testing.T, pool string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	d.withPool(t, pool, func(ioctx *rados.IOContext) {
		for _, object := range listAllNamespaces(t, ioctx) {
			counts[object.namespace]++
		}
	})
	return counts
}

// withPool opens a pool of the deployment's cluster as client.admin for the length of fn.
func (d *deployment) withPool(t *testing.T, pool string, fn func(*rados.IOContext)) {
	t.Helper()
	cluster, err := radosconn.Connect(radosconn.Config{CephConf: d.env["CEPH_CONF"], User: "admin"})
	require.NoError(t, err)
	defer cluster.Shutdown()
	ioctx, err := cluster.OpenPool(pool)
	require.NoError(t, err)
	defer ioctx.Destroy()
	fn(ioctx)
}

type radosObject struct{ namespace, name string }

// listAllNamespaces lists every object of the pool; ioctx is left on the data namespace.
func listAllNamespaces(t *testing.T, ioctx *rados.IOContext) []radosObject {
	t.Helper()
	ioctx.SetNamespace(rados.AllNamespaces)
	defer ioctx.SetNamespace("")
	iter, err := ioctx.Iter()
	require.NoError(t, err)
	defer iter.Close()
	var objects []radosObject
	for iter.Next() {
		objects = append(objects, radosObject{iter.Namespace(), iter.Value()})
	}
	require.NoError(t, iter.Err())
	return objects
}
