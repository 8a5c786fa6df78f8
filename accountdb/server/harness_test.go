package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/radosswift/radosswift/accountdb"
	_ "github.com/radosswift/radosswift/accountdb/radosdb"  // registers "rados"
	_ "github.com/radosswift/radosswift/accountdb/sqlitedb" // registers "sqlite"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
)

// H is a request's headers.
type H map[string]string

// testBackend is a backend the protocol tests run on, by name.
type testBackend struct {
	name string
	open func(t *testing.T) accountdb.Backend
}

// testBackends are the backends every protocol test runs on: RADOS needs the Ceph
// test bed (testbed.Require skips, or fails under make test, without one).
func testBackends() []testBackend {
	return []testBackend{
		{"sqlite", func(t *testing.T) accountdb.Backend {
			return openBackend(t, "sqlite", map[string]string{"db_dir": t.TempDir()})
		}},
		{"rados", func(t *testing.T) accountdb.Backend { return openBackend(t, "rados", radosSettings(t)) }},
	}
}

// radosSettings are a config section's settings for the test bed's pool, in a
// namespace of the test's own.
func radosSettings(t *testing.T) map[string]string {
	bed := testbed.Require(t)
	return map[string]string{"rados_ceph_conf": bed.User.CephConf, "rados_user": bed.User.User, "rados_pool": bed.Pool,
		"rados_namespace": fmt.Sprintf("srv%d", time.Now().UnixNano())}
}

// openBackend opens a registered backend, closed when the test ends.
func openBackend(t *testing.T, name string, settings map[string]string) accountdb.Backend {
	db, err := accountdb.Open(name, settings)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// forEachBackend runs test once per backend, as a subtest named after it.
func forEachBackend(t *testing.T, test func(t *testing.T, h *harness)) {
	for _, b := range testBackends() {
		t.Run(b.name, func(t *testing.T) {
			test(t, newHarness(t, b.open(t)))
		})
	}
}

// harness is a container server and an account server on one backend, each on an
// ephemeral port of loopback, as separate processes would be.
type harness struct {
	t         *testing.T
	db        accountdb.Backend
	container string // host:port
	account   string
	cfg       Config
	policies  swift.StoragePolicies
	ns        string // a unique account name prefix per test
}

var testPolicies = swift.StoragePolicies{Names: map[int]string{0: "Policy-0", 1: "Policy-1"}, Default: 0}

func newHarness(t *testing.T, db accountdb.Backend) *harness {
	h := &harness{t: t, db: db, policies: testPolicies, ns: "AUTH_" + strings.ReplaceAll(t.Name(), "/", "_") + "_" + time.Now().Format("150405.000000")}
	h.container = h.serve(ContainerServer)
	h.account = h.serve(AccountServer)
	return h
}

func testConfig(kind Kind) Config {
	return Config{Kind: kind, BaseConfig: backend.BaseConfig{ClientTimeout: 10 * time.Second, NodeTimeout: 3 * time.Second,
		ConnTimeout: time.Second, MaxClients: 256}, AutoCreatePrefix: ".", AllowedSyncHosts: []string{"127.0.0.1"}, Constraints: swift.DefaultConstraints,
		UpdaterConcurrency: 4, UpdaterBatch: 100}
}

func (h *harness) serve(kind Kind) string {
	h.cfg = testConfig(kind)
	srv := New(h.cfg, Deps{Backend: h.db, Policies: h.policies, Log: zaptest.NewLogger(h.t)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(h.t, err)
	go srv.Serve(ln)
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return ln.Addr().String()
}

// resp is a response, body read.
type resp struct {
	status int
	header http.Header
	body   string
}

var client = &http.Client{Timeout: 30 * time.Second}

// do sends a request to host:port; path is sent as given (already quoted).
func do(t *testing.T, host, method, path string, headers H, body []byte) resp {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+host+"/", bytes.NewReader(body))
	require.NoError(t, err)
	req.URL = &url.URL{Scheme: "http", Host: host, Opaque: path}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		req.URL.Opaque, req.URL.RawQuery = path[:i], path[i+1:]
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{res.StatusCode, res.Header, string(data)}
}

// quote is Swift's quote of a path: what the proxy sends.
func quote(path string) string { return (&url.URL{Path: path}).EscapedPath() }

// ts returns a fresh timestamp string, strictly after the previous one.
func ts() string {
	time.Sleep(20 * time.Microsecond)
	return swift.Now().Internal()
}

// accountPath and containerPath are the backend paths on device sda, partition 1.
func (h *harness) accountPath(account string) string { return "/sda/1/" + quote(account) }
func (h *harness) containerPath(account, container string) string {
	return "/sda/1/" + quote(account) + "/" + quote(container)
}

func (h *harness) c(method, path string, headers H) resp {
	h.t.Helper()
	return do(h.t, h.container, method, path, headers, nil)
}

func (h *harness) a(method, path string, headers H) resp {
	h.t.Helper()
	return do(h.t, h.account, method, path, headers, nil)
}

// accountHeaders are what the proxy adds to a container PUT or DELETE: where the
// account lives.
func (h *harness) accountHeaders(extra H) H {
	out := H{"X-Account-Host": h.account, "X-Account-Device": "sda", "X-Account-Partition": "1"}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// createAccount PUTs an account.
func (h *harness) createAccount(account string) {
	h.t.Helper()
	r := h.a("PUT", h.accountPath(account), H{"X-Timestamp": ts()})
	require.Contains(h.t, []int{201, 202}, r.status, r.body)
}

// createContainer PUTs a container (policy 0 unless said), telling its account.
func (h *harness) createContainer(account, container string, extra H) resp {
	h.t.Helper()
	headers := h.accountHeaders(H{"X-Timestamp": ts()})
	for k, v := range extra {
		headers[k] = v
	}
	return h.c("PUT", h.containerPath(account, container), headers)
}

// putRow is an object server's update of one object row.
func (h *harness) putRow(account, container, object string, size int, etag string, extra H) resp {
	h.t.Helper()
	headers := H{"X-Timestamp": ts(), "X-Size": itoa(size), "X-Content-Type": "application/octet-stream", "X-Etag": etag,
		"X-Backend-Storage-Policy-Index": "0"}
	for k, v := range extra {
		headers[k] = v
	}
	return h.c("PUT", h.containerPath(account, container)+"/"+quote(object), headers)
}

// testRing builds an account ring with one device at addr (Swift's RingBuilder, from
// Debian's python3-swift) and the swift.conf it hashes with.
func testRing(t *testing.T, addr string) (*swift.Ring, swift.HashConf) {
	t.Helper()
	dir := t.TempDir()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	script := `
import sys
from swift.common.ring import RingBuilder
b = RingBuilder(4, 1, 1)
b.add_dev({"region": 1, "zone": 1, "ip": sys.argv[2], "port": int(sys.argv[3]), "device": "sda", "weight": 100})
b.rebalance()
b.get_ring().save(sys.argv[1])
`
	path := filepath.Join(dir, "account.ring.gz")
	out, err := exec.Command("/usr/bin/python3", "-c", script, path, host, port).CombinedOutput()
	if err != nil {
		t.Skipf("cannot build a ring with Swift's RingBuilder (python3-swift): %v\n%s", err, out)
	}
	ring, err := swift.LoadRing(path)
	require.NoError(t, err)
	conf := filepath.Join(dir, "swift.conf")
	require.NoError(t, os.WriteFile(conf, []byte("[swift-hash]\nswift_hash_path_suffix = test\nswift_hash_path_prefix = test\n"), 0o644))
	hash, err := swift.LoadHashConf(conf)
	require.NoError(t, err)
	return ring, hash
}
