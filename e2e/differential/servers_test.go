package differential

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/radosswift/radosswift/internal/testbed"
)

// The three backend servers of one implementation, by corpus server name.
type implementation struct {
	name  string            // "swift" or "radosswift"
	addrs map[string]string // "object", "container", "account" -> host:port
	logs  map[string]string // the same -> log file
}

var serverKinds = []string{"object", "container", "account"}

// Ports of the brief that assigned this test its place on the shared machine; a
// taken port is replaced by a free one, so two runs side by side still work.
var defaultPorts = map[string]map[string]int{
	"radosswift": {"object": 16400, "container": 16401, "account": 16402},
	"swift":      {"object": 16410, "container": 16411, "account": 16412},
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// portFor is the preferred port if it is free, else one the kernel picks.
func portFor(t *testing.T, preferred int) int {
	t.Helper()
	if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", preferred)); err == nil {
		ln.Close()
		return preferred
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("no free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// swiftConf is the one swift.conf both implementations read: two replicated policies
// (as Swift's functional tests and a SAIO have) and Swift 2.30.1's constraints written
// out, so that both sides apply the same limits.
const swiftConf = `[swift-hash]
swift_hash_path_prefix = differential
swift_hash_path_suffix = differential

[storage-policy:0]
name = Policy-0
policy_type = replication
default = yes

[storage-policy:1]
name = Policy-1
policy_type = replication

[swift-constraints]
max_file_size = 5368709122
max_meta_name_length = 128
max_meta_value_length = 256
max_meta_count = 90
max_meta_overall_size = 4096
max_header_size = 8192
max_object_name_length = 1024
container_listing_limit = 10000
account_listing_limit = 10000
max_account_name_length = 256
max_container_name_length = 256
valid_api_versions = v1,v1.0
extra_header_count = 0
auto_create_account_prefix = .
`

// startSwift starts Debian's Python object, container and account servers (Swift
// 2.30.1) through scripts/swift-launch, on local disk in dir, with mount_check off.
func startSwift(t *testing.T, dir string) implementation {
	t.Helper()
	for _, bin := range []string{"/usr/bin/swift-object-server", "/usr/bin/swift-container-server", "/usr/bin/swift-account-server"} {
		if _, err := os.Stat(bin); err != nil {
			requireOrSkip(t, "Debian's Swift servers are not installed (make deps): %s", bin)
		}
	}
	etc, srv, cache := filepath.Join(dir, "etc"), filepath.Join(dir, "srv"), filepath.Join(dir, "cache")
	for _, d := range []string{etc, filepath.Join(srv, "d1"), cache, filepath.Join(dir, "log")} {
		must(t, os.MkdirAll(d, 0o755))
	}
	mountRoomyDisk(t, filepath.Join(srv, "d1"))
	must(t, os.WriteFile(filepath.Join(etc, "swift.conf"), []byte(swiftConf), 0o644))
	impl := implementation{name: "swift", addrs: map[string]string{}, logs: map[string]string{}}
	for _, kind := range serverKinds {
		port := portFor(t, defaultPorts["swift"][kind])
		conf := filepath.Join(etc, kind+"-server.conf")
		must(t, os.WriteFile(conf, []byte(fmt.Sprintf(`[DEFAULT]
bind_ip = 127.0.0.1
bind_port = %d
workers = 1
user = %s
swift_dir = %s
devices = %s
mount_check = false
disable_fallocate = true
log_level = INFO

[pipeline:main]
pipeline = healthcheck %s-server

[app:%s-server]
use = egg:swift#%s

[filter:healthcheck]
use = egg:swift#healthcheck
`, port, username(), etc, srv, kind, kind, kind)), 0o644))
		log := filepath.Join(dir, "log", kind+"-server.log")
		start(t, log, "/usr/bin/python3", filepath.Join(repoRoot(), "scripts", "swift-launch"), kind+"-server", "-c", conf)
		impl.addrs[kind] = fmt.Sprintf("127.0.0.1:%d", port)
		impl.logs[kind] = log
	}
	return impl
}

// startRadosswift starts bin/radosswift's object, container and account servers, with
// the configs of etc/ filled in as scripts/run-stack does, on the test bed's pool
// (both policies in it, each in a namespace of this run, so a run starts empty).
func startRadosswift(t *testing.T, dir, binary string, bed testbed.Bed) implementation {
	t.Helper()
	etc := filepath.Join(dir, "etc")
	must(t, os.MkdirAll(filepath.Join(dir, "log"), 0o755))
	must(t, os.MkdirAll(etc, 0o755))
	must(t, os.WriteFile(filepath.Join(etc, "swift.conf"), []byte(swiftConf), 0o644))
	ns := fmt.Sprintf("differential-%d", time.Now().UnixNano())
	impl := implementation{name: "radosswift", addrs: map[string]string{}, logs: map[string]string{}}
	for _, kind := range serverKinds {
		port := portFor(t, defaultPorts["radosswift"][kind])
		app := "app:" + kind + "-server"
		values := []string{
			"DEFAULT|bind_ip|127.0.0.1",
			"DEFAULT|bind_port|" + strconv.Itoa(port),
			"DEFAULT|swift_dir|" + etc,
			"DEFAULT|swift_conf|" + filepath.Join(etc, "swift.conf"),
			app + "|rados_ceph_conf|" + bed.User.CephConf,
			app + "|rados_user|" + bed.User.User,
			app + "|rados_pool|" + bed.Pool,
			app + "|rados_namespace|" + ns + "-" + kind,
		}
		switch kind {
		case "object":
			values = append(values, app+"|rados_pool_1|"+bed.Pool, app+"|rados_namespace_1|"+ns+"-object-1")
		case "container":
			values = append(values, app+"|db_backend|rados", app+"|updater_interval|0")
		case "account":
			values = append(values, app+"|db_backend|rados")
		}
		sample, err := os.ReadFile(filepath.Join(repoRoot(), "etc", kind+"-server.conf"))
		must(t, err)
		conf := filepath.Join(etc, kind+"-server.conf")
		must(t, os.WriteFile(conf, []byte(setConf(string(sample), values)), 0o644))
		log := filepath.Join(dir, "log", kind+"-server.log")
		start(t, log, binary, kind+"-server", "-c", conf)
		impl.addrs[kind] = fmt.Sprintf("127.0.0.1:%d", port)
		impl.logs[kind] = log
	}
	return impl
}

// mountRoomyDisk gives Swift's device a filesystem with room for large metadata: Swift
// keeps it in xattrs (254-byte pieces), and ext4 holds about 4 KiB of them per inode, so
// on ext4 an object with 4 KiB of metadata or a 2 KiB name fails with 507 where XFS, the
// filesystem Swift asks for, takes it. A tmpfs (Linux 6.6 and later keeps user xattrs)
// stands in for XFS; without one the directory must show that room itself.
func mountRoomyDisk(t *testing.T, dir string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256m"); err == nil {
		t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	}
	probe := filepath.Join(dir, ".xattr-probe")
	must(t, os.WriteFile(probe, nil, 0o644))
	defer os.Remove(probe)
	for i := 0; i < 64; i++ { // 16 KiB: a 2 KiB name and 4 KiB of metadata, with room
		if err := syscall.Setxattr(probe, fmt.Sprintf("user.swift.metadata%d", i), make([]byte, 254), 0); err != nil {
			requireOrSkip(t, "%s has no room for Swift's metadata xattrs (%v): run as root (a tmpfs is mounted) or on XFS", dir, err)
		}
	}
}

var confKey = regexp.MustCompile(`^[#;]?\s*([A-Za-z0-9_]+)\s*=`)

// setConf is run-stack's set_conf: each SECTION|KEY|VALUE replaces the key's first
// line in its section, commented out or not, or is added at the end of the section.
func setConf(sample string, values []string) string {
	want := map[[2]string]string{}
	var order [][2]string
	for _, v := range values {
		f := strings.SplitN(v, "|", 3)
		k := [2]string{f[0], f[1]}
		want[k] = f[2]
		order = append(order, k)
	}
	done := map[[2]string]bool{}
	var out []string
	section := ""
	flush := func() {
		for _, k := range order {
			if k[0] == section && !done[k] {
				out = append(out, k[1]+" = "+want[k])
				done[k] = true
			}
		}
	}
	for _, line := range strings.Split(sample, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
			flush()
			section = trimmed[1 : len(trimmed)-1]
			out = append(out, line)
			continue
		}
		if m := confKey.FindStringSubmatch(trimmed); m != nil {
			k := [2]string{section, m[1]}
			if v, ok := want[k]; ok {
				if !done[k] {
					out = append(out, k[1]+" = "+v)
					done[k] = true
				}
				continue
			}
		}
		out = append(out, line)
	}
	flush()
	return strings.Join(out, "\n") + "\n"
}

// start runs a server in a process group of its own, its output to log, and kills the
// group when the test ends.
func start(t *testing.T, log string, name string, args ...string) {
	t.Helper()
	f, err := os.Create(log)
	must(t, err)
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, cmd.Start())
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		f.Close()
	})
}

// waitHealthy waits until every server answers GET /healthcheck with 200.
func waitHealthy(t *testing.T, impls ...implementation) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for _, impl := range impls {
		for _, kind := range serverKinds {
			for {
				if healthy(impl.addrs[kind]) {
					break
				}
				if time.Now().After(deadline) {
					log, _ := os.ReadFile(impl.logs[kind])
					if len(log) > 3000 {
						log = log[len(log)-3000:]
					}
					t.Fatalf("%s %s server does not answer /healthcheck on %s:\n%s", impl.name, kind, impl.addrs[kind], log)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	}
}

func healthy(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "GET /healthcheck HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", addr)
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "HTTP/1.1 200")
}

// requireOrSkip skips, or fails under RADOSSWIFT_REQUIRE_CEPH=1 (make test), where a
// missing piece must not pass as a skip.
func requireOrSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("RADOSSWIFT_REQUIRE_CEPH") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// username is who runs the test: Swift's servers switch to the conf's user (default
// swift), who could not read the test's directory.
func username() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}
