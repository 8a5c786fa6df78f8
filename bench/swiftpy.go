package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// SwiftPy is stock Swift's Python object server (Debian's python3-swift, started through
// scripts/swift-launch) on local disk, in a directory of its own: etc/ (swift.conf,
// object ring, object-server.conf), srv/d1 (the device), object-server.log.
type SwiftPy struct {
	Dir     string
	Port    int
	Workers int
	cmd     *exec.Cmd
	done    chan error
}

// SwiftPyConfig says how to start it.
type SwiftPyConfig struct {
	Dir         string // created if missing
	SwiftLaunch string // path of scripts/swift-launch
	Python      string // default /usr/bin/python3 (Debian's, with python3-swift)
	Workers     int    // object server worker processes (default 2)
}

// StartSwiftPy writes the configuration, builds a one-device object ring, starts the
// server on a free port of 127.0.0.1 and waits until /healthcheck answers.
func StartSwiftPy(ctx context.Context, cfg SwiftPyConfig) (*SwiftPy, error) {
	if cfg.Python == "" {
		cfg.Python = "/usr/bin/python3"
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	etc, dev := filepath.Join(cfg.Dir, "etc"), filepath.Join(cfg.Dir, "srv", "d1")
	for _, d := range []string{etc, dev, filepath.Join(cfg.Dir, "cache")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	var secret [16]byte
	rand.Read(secret[:])
	swiftConf := fmt.Sprintf(`[swift-hash]
swift_hash_path_prefix = %s
swift_hash_path_suffix = %s

[storage-policy:0]
name = Policy-0
policy_type = replication
default = yes
`, hex.EncodeToString(secret[:8]), hex.EncodeToString(secret[8:]))
	// Stock settings but for the paths, the port, mount_check (a directory, not a mount),
	// the user (the harness's) and the number of workers (this machine's cores); logs go
	// to a file, not syslog.
	objConf := fmt.Sprintf(`[DEFAULT]
bind_ip = 127.0.0.1
bind_port = %d
devices = %s
mount_check = false
swift_dir = %s
workers = %d
user = %s
log_level = INFO

[pipeline:main]
pipeline = healthcheck recon object-server

[app:object-server]
use = egg:swift#object

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:recon]
use = egg:swift#recon
recon_cache_path = %s
`, port, filepath.Join(cfg.Dir, "srv"), etc, cfg.Workers, username(), filepath.Join(cfg.Dir, "cache"))
	if err := os.WriteFile(filepath.Join(etc, "swift.conf"), []byte(swiftConf), 0o644); err != nil {
		return nil, err
	}
	conf := filepath.Join(etc, "object-server.conf")
	if err := os.WriteFile(conf, []byte(objConf), 0o644); err != nil {
		return nil, err
	}
	ring := exec.CommandContext(ctx, cfg.Python, "-c", `
import sys
from swift.common.ring import RingBuilder
b = RingBuilder(10, 1, 1)
b.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(sys.argv[2]), "device": "d1", "weight": 100})
b.rebalance()
b.get_ring().save(sys.argv[1] + "/object.ring.gz")
`, etc, strconv.Itoa(port))
	if out, err := ring.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench: building the object ring: %v: %s", err, out)
	}
	logf, err := os.Create(filepath.Join(cfg.Dir, "object-server.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(cfg.Python, cfg.SwiftLaunch, "object-server", "-c", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop() signals the whole group
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting Swift's object server: %w", err)
	}
	s := &SwiftPy{Dir: cfg.Dir, Port: port, Workers: cfg.Workers, cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL() + "/healthcheck")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			log, _ := os.ReadFile(filepath.Join(cfg.Dir, "object-server.log"))
			return nil, fmt.Errorf("bench: Swift's object server exited (%v): %s", err, tail(log, 2000))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.Stop()
			return nil, fmt.Errorf("bench: Swift's object server does not answer on port %d after 30s", port)
		}
	}
}

// URL is the server's base URL.
func (s *SwiftPy) URL() string { return "http://127.0.0.1:" + strconv.Itoa(s.Port) }

// Stop sends SIGTERM to the server's process group (the parent and its workers), and
// SIGKILL after 10 s.
func (s *SwiftPy) Stop() error {
	pgid := s.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.done
	}
	// Workers that outlive the parent are in the same group.
	for i := 0; i < 50 && syscall.Kill(-pgid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}

// username is who runs the harness: Swift's servers switch to the conf's user (default
// swift), which could not read this directory.
func username() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
