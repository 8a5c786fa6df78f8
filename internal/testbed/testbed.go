// Package testbed hands tests the Ceph test bed that `make test` starts with
// scripts/ceph-dev, through the variables of the bed's env file.
package testbed

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/radosswift/radosswift/radosconn"
)

// Bed is a running test bed as the tests see it.
type Bed struct {
	Dir  string           // the test bed's directory (CEPH_DEV_DIR)
	Pool string           // the servers' data pool
	User radosconn.Config // the servers' restricted identity
}

// Require returns the test bed, or skips the test when none is configured. Under
// `make test` (RADOSSWIFT_REQUIRE_CEPH=1) a missing bed fails the test instead, so CI
// can never pass by skipping the real-cluster tests.
func Require(t testing.TB) Bed {
	t.Helper()
	dir := os.Getenv("CEPH_DEV_DIR")
	conf := os.Getenv("RADOSSWIFT_CEPH_CONF")
	if dir == "" || conf == "" {
		if os.Getenv("RADOSSWIFT_REQUIRE_CEPH") == "1" {
			t.Fatal("no Ceph test bed: CEPH_DEV_DIR and RADOSSWIFT_CEPH_CONF are unset (scripts/ceph-dev env DIR)")
		}
		t.Skip("no Ceph test bed (run `make test`, or `. DIR/env` after `scripts/ceph-dev up DIR`)")
	}
	return Bed{
		Dir:  dir,
		Pool: envOr("RADOSSWIFT_POOL", "radosswift"),
		User: radosconn.Config{CephConf: conf, User: envOr("RADOSSWIFT_RADOS_USER", "radosswift")},
	}
}

// Configured reports whether the environment names a test bed (or requires one, under
// `make test`), for tests that run on Ceph when there is one and without it otherwise.
func Configured() bool {
	return os.Getenv("RADOSSWIFT_REQUIRE_CEPH") == "1" ||
		os.Getenv("CEPH_DEV_DIR") != "" && os.Getenv("RADOSSWIFT_CEPH_CONF") != ""
}

// EndToEndOff reports whether RADOSSWIFT_E2E=0 turns off the tests that start whole
// stacks or deployments of their own (Ceph included): `make test-unit` sets it.
func EndToEndOff() bool { return os.Getenv("RADOSSWIFT_E2E") == "0" }

// RequireEndToEnd skips an end-to-end test when RADOSSWIFT_E2E=0.
func RequireEndToEnd(t testing.TB) {
	t.Helper()
	if EndToEndOff() {
		t.Skip("end-to-end tests are off (RADOSSWIFT_E2E=0)")
	}
}

// Admin is the bed's client.admin identity, for tests that must set up what the
// servers' user may not (a pool it has no rights on, for instance).
func (b Bed) Admin() radosconn.Config {
	return radosconn.Config{CephConf: filepath.Join(b.Dir, "ceph.conf"), User: "admin"}
}

// Connect connects as the servers' user and closes the connection when the test ends.
func (b Bed) Connect(t testing.TB) *radosconn.Cluster {
	t.Helper()
	return connect(t, b.User)
}

// ConnectAdmin connects as client.admin and closes the connection when the test ends.
func (b Bed) ConnectAdmin(t testing.TB) *radosconn.Cluster {
	t.Helper()
	return connect(t, b.Admin())
}

func connect(t testing.TB, cfg radosconn.Config) *radosconn.Cluster {
	t.Helper()
	c, err := radosconn.Connect(cfg)
	if err != nil {
		t.Fatalf("connecting to the test bed: %v", err)
	}
	t.Cleanup(c.Shutdown)
	return c
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
