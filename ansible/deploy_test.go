// Package ansible_test deploys with the playbook in its local test mode (three storage
// nodes on SUBNET.2-4 and a proxy on SUBNET.1 (a 127.87.N subnet of its own), supervised processes, a Ceph test bed
// of its own)
// and checks the deployment works and that a second run changes nothing.
package ansible_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/ansible/localdeploy"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
)

func TestLocalDeploymentOfThreeNodesServesSwiftAndIsIdempotent(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys a whole cluster (minutes)")
	}
	testbed.RequireEndToEnd(t) // it starts a Ceph test bed of its own
	localdeploy.Require(t)
	binary := localdeploy.BuildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // about 4 minutes; much more on a loaded machine
	defer cancel()
	dir := filepath.Join(t.TempDir(), "deploy")
	t.Cleanup(func() { localdeploy.Down(t, dir) })
	// A subnet of its own, so that a deployment or stack on 127.0.0.1's ports (a
	// developer's, another test's) may run at the same time.
	if os.Getenv("LOCAL_DEPLOY_SUBNET") == "" {
		t.Setenv("LOCAL_DEPLOY_SUBNET", fmt.Sprintf("127.87.%d", 10+os.Getpid()%200))
	}

	started := time.Now()
	out, err := localdeploy.Run(ctx, binary, "up", dir, "3")
	require.NoError(t, err, tail(out))
	recap, err := localdeploy.ParseRecap(out)
	require.NoError(t, err, tail(out))
	subnet := os.Getenv("LOCAL_DEPLOY_SUBNET")
	nodes := []string{subnet + ".2", subnet + ".3", subnet + ".4"}
	for _, host := range append(nodes, subnet+".1") {
		require.Contains(t, recap, host, "three storage nodes and the proxy")
	}
	for host, r := range recap {
		require.Zero(t, r.Failed+r.Unreachable, "%s: %+v", host, r)
		require.Positive(t, r.Changed, "the first run deploys %s: %+v", host, r)
	}
	t.Logf("first run: %v (%s)", recap, time.Since(started).Round(time.Second))

	started = time.Now()
	out, err = localdeploy.Run(ctx, binary, "up", dir, "3")
	require.NoError(t, err, tail(out))
	recap, err = localdeploy.ParseRecap(out)
	require.NoError(t, err, tail(out))
	for host, r := range recap {
		require.Zero(t, r.Changed+r.Failed+r.Unreachable, "a second run must change nothing on %s: %+v\n%s", host, r, changedTasks(out))
	}
	t.Logf("second run: changed=0 on every host (%s)", time.Since(started).Round(time.Second))

	d, err := localdeploy.ReadDeployment(dir)
	require.NoError(t, err)
	require.Equal(t, nodes, d.StorageNodes)

	t.Run("every storage node answers its health checks", func(t *testing.T) {
		for _, node := range d.StorageNodes {
			for _, port := range []int{d.ObjectPort, d.ContainerPort, d.AccountPort} {
				body, status := get(t, fmt.Sprintf("http://%s:%d/healthcheck", node, port), nil)
				require.Equal(t, http.StatusOK, status, "%s:%d", node, port)
				require.Equal(t, "OK", string(body))
			}
		}
	})

	t.Run("the rings list every storage node once, with one replica", func(t *testing.T) {
		for _, name := range []string{"account", "container", "object", "object-1"} {
			ring, err := swift.LoadRing(filepath.Join(d.SwiftDir, name+".ring.gz"))
			require.NoError(t, err)
			require.EqualValues(t, 1, ring.ReplicaCount(), name)
			var hosts []string
			for _, dev := range ring.Devices() {
				hosts = append(hosts, dev.IP)
			}
			require.ElementsMatch(t, d.StorageNodes, hosts, name)
		}
	})

	t.Run("a swift CLI round trip through the proxy, readable from every node", func(t *testing.T) {
		work := t.TempDir()
		data := make([]byte, 300_000)
		_, err := rand.Read(data)
		require.NoError(t, err)
		sum := md5.Sum(data)
		want := hex.EncodeToString(sum[:])
		require.NoError(t, os.WriteFile(filepath.Join(work, "payload.bin"), data, 0o644))
		container := "deploy-test"

		swiftCLI(ctx, t, d, work, "upload", "--object-name", "payload.bin", container, "payload.bin")
		stat := swiftCLI(ctx, t, d, work, "stat", container, "payload.bin")
		require.Contains(t, stat, "Content Length: 300000")
		require.Contains(t, stat, "ETag: "+want)
		swiftCLI(ctx, t, d, work, "download", container, "payload.bin", "-o", "copy.bin")
		copied, err := os.ReadFile(filepath.Join(work, "copy.bin"))
		require.NoError(t, err)
		require.Equal(t, sum, md5.Sum(copied), "downloaded bytes differ")
		require.Equal(t, "payload.bin", strings.TrimSpace(swiftCLI(ctx, t, d, work, "list", container)))

		// Any node serves any object: every node's object server, asked directly over
		// the backend protocol, returns the bytes the proxy stored through one of them.
		ring, err := swift.LoadRing(filepath.Join(d.SwiftDir, "object.ring.gz"))
		require.NoError(t, err)
		hash, err := swift.LoadHashConf(filepath.Join(d.SwiftDir, "swift.conf"))
		require.NoError(t, err)
		part := ring.Partition(hash, "AUTH_test", container, "payload.bin")
		device := ring.Nodes(part)[0].Device
		for _, node := range d.StorageNodes {
			url := fmt.Sprintf("http://%s:%d/%s/%d/AUTH_test/%s/payload.bin", node, d.ObjectPort, device, part, container)
			body, status := get(t, url, map[string]string{"X-Backend-Storage-Policy-Index": "0"})
			require.Equal(t, http.StatusOK, status, url)
			require.Equal(t, sum, md5.Sum(body), "bytes served by %s differ", node)
		}

		swiftCLI(ctx, t, d, work, "delete", container)
		for _, node := range d.StorageNodes {
			url := fmt.Sprintf("http://%s:%d/%s/%d/AUTH_test/%s/payload.bin", node, d.ObjectPort, device, part, container)
			_, status := get(t, url, map[string]string{"X-Backend-Storage-Policy-Index": "0"})
			require.Equal(t, http.StatusNotFound, status, "deleted, yet %s serves it", node)
		}
		require.Empty(t, strings.TrimSpace(swiftCLI(ctx, t, d, work, "list")), "no container left")
	})
}

// swiftCLI runs the swift CLI in dir against the deployment's proxy.
func swiftCLI(ctx context.Context, t *testing.T, d localdeploy.Deployment, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, "swift", args...)
	cmd.Dir = dir
	cmd.Env = d.SwiftEnv()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "swift %s\n%s", strings.Join(args, " "), out)
	return string(out)
}

func get(t *testing.T, url string, headers map[string]string) ([]byte, int) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err, url)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, url)
	return body, resp.StatusCode
}

// changedTasks picks the tasks that reported a change out of an ansible-playbook output.
func changedTasks(out string) string {
	var b bytes.Buffer
	task := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "TASK [") {
			task = line
		}
		if strings.HasPrefix(line, "changed:") {
			fmt.Fprintf(&b, "%s\n  %s\n", task, line)
		}
	}
	return b.String()
}

// tail is the end of a long output, enough to see why a run failed.
func tail(out string) string {
	lines := strings.Split(out, "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	return strings.Join(lines, "\n")
}

// Systemd mode cannot run here: its units are rendered from the role's template and
// checked by systemd-analyze verify (when systemd's tools are installed).
func TestSystemdUnitsRenderAndVerify(t *testing.T) {
	localdeploy.Require(t)
	binary := localdeploy.BuildBinary(t)
	units := t.TempDir()
	cmd := exec.Command("ansible-playbook", "-i", "localhost,", filepath.Join(localdeploy.RepoRoot(), "ansible", "test", "render-units.yml"),
		"-e", "unit_dir="+units, "-e", "bin_dir="+filepath.Dir(binary))
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+filepath.Join(localdeploy.RepoRoot(), "ansible", "ansible.cfg"),
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(units, ".tmp"), "ANSIBLE_NOCOLOR=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	files, err := filepath.Glob(filepath.Join(units, "radosswift-*.service"))
	require.NoError(t, err)
	require.Len(t, files, 6, "object, container, account servers, object updater, proxy, memcached")
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Contains(t, string(b), "\nExecStart=", f)
	}
	server, err := os.ReadFile(filepath.Join(units, "radosswift-object-server.service"))
	require.NoError(t, err)
	require.Contains(t, string(server), "ExecStart="+binary+" object-server -c /etc/radosswift/object-server.conf\n")

	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("no systemd-analyze: units rendered, not verified")
		return
	}
	verify := exec.Command("systemd-analyze", append([]string{"verify"}, files...)...)
	out, err = verify.CombinedOutput()
	require.NoError(t, err, "systemd-analyze verify:\n%s", out)
}
