package resilience

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ceph/go-ceph/rados"
	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/ansible/localdeploy"
	"github.com/radosswift/radosswift/radosconn"
)

// deployment is a running ansible/test/local-deploy deployment: storage nodes on
// SUBNET.2, .3, ... and a Swift proxy on SUBNET.1, deployed by the playbook, on a Ceph
// bed of its own. The subnet is the package's own, so that a developer's deployment on
// 127.0.0.* (or another test's) may run at the same time.
type deployment struct {
	dir string
	localdeploy.Deployment
}

var (
	deployed     deployment
	deployedOnce sync.Once
	deployedErr  error
)

// localDeployment deploys three storage nodes at its first use; TestMain removes them.
func localDeployment(t *testing.T) *deployment {
	t.Helper()
	requireTools(t)
	localdeploy.Require(t)
	deployedOnce.Do(func() {
		parent, err := os.MkdirTemp("", "radosswift-resilience-deploy.")
		if err != nil {
			deployedErr = err
			return
		}
		deployed.dir = filepath.Join(parent, "deploy")
		// The first up fixes the deployment's subnet for every later command on its DIR.
		t.Setenv("LOCAL_DEPLOY_SUBNET", fmt.Sprintf("127.86.%d", 10+os.Getpid()%200))
		deployedErr = deployed.deploy(3)
	})
	require.NoError(t, deployedErr, "the local deployment did not come up")
	return &deployed
}

// deploy runs the playbook for n storage nodes (again: the rings change, nodes are added).
func (d *deployment) deploy(n int) error {
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if out, err := localdeploy.Run(ctx, "", "up", d.dir, strconv.Itoa(n)); err != nil {
		return fmt.Errorf("%v\n%s", err, tail(out, 40))
	}
	var err error
	if d.Deployment, err = localdeploy.ReadDeployment(d.dir); err != nil {
		return err
	}
	fmt.Printf("resilience: %d storage nodes deployed in %s (%s), proxy %s\n", n, d.dir, time.Since(started).Round(time.Second), d.ProxyURL)
	return nil
}

func (d *deployment) remove() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := localdeploy.Run(ctx, "", "down", d.dir); err != nil {
		fmt.Fprintf(os.Stderr, "resilience: %v\n%s", err, out)
		return
	}
	os.RemoveAll(filepath.Dir(d.dir))
}

// startNode starts again every process of a storage node.
func (d *deployment) startNode(t *testing.T, addr string) {
	t.Helper()
	out, err := localdeploy.Run(context.Background(), "", "start-node", d.dir, addr)
	require.NoError(t, err, out)
}

// killNode SIGKILLs every process of a storage node (by its pid files, each checked
// against the process's environment), as a crash of the machine would end them. It
// returns what it killed and when the last signal went out: a request that started
// before that may have been in the hands of a dying process.
func (d *deployment) killNode(t *testing.T, addr string) ([]string, time.Time) {
	t.Helper()
	host := d.HostRoot(addr)
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
	return killed, time.Now()
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
	cluster, err := radosconn.Connect(radosconn.Config{CephConf: d.Env["CEPH_CONF"], User: "admin"})
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
