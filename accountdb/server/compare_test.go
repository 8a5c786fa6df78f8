package server

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// debianContainerServer starts Debian's swift-container-server (Swift 2.30.1) through
// scripts/swift-launch on a directory of its own and returns its host:port; it is
// stopped when the test ends.
func debianContainerServer(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/swift-container-server"); err != nil {
		t.Skip("Debian's swift-container is not installed (make deps)")
	}
	_, file, _, _ := runtime.Caller(0)
	launcher := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "swift-launch")
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "srv", "sda"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "swift.conf"), []byte(`[swift-hash]
swift_hash_path_prefix = compare
swift_hash_path_suffix = compare
[storage-policy:0]
name = Policy-0
default = yes
[storage-policy:1]
name = Policy-1
`), 0o644))
	conf := filepath.Join(dir, "container-server.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`[DEFAULT]
bind_ip = 127.0.0.1
bind_port = %s
workers = 0
swift_dir = %s
devices = %s/srv
mount_check = false
disable_fallocate = true
log_level = WARNING

[pipeline:main]
pipeline = container-server

[app:container-server]
use = egg:swift#container
`, port, dir, dir)), 0o644))
	cmd := exec.Command("/usr/bin/python3", launcher, "container-server", "-c", conf)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		logFile.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logFile.Name())
			t.Fatalf("Debian's container server does not listen on %s:\n%s", addr, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// compareRows are the rows both servers get: names with delimiters, reserved XML and
// JSON characters and non-ASCII letters; content types with parameters and swift_bytes.
var compareRows = []struct {
	name, contentType string
	size              int
	metaOffset        int // X-Meta-Timestamp this many ticks after X-Timestamp (0: none)
}{
	{"a", "text/plain", 1, 0},
	{"a/b", "text/plain; charset=utf-8", 22, 0},
	{"a/b/c", "application/json", 333, 7},
	{"a-b", "", 0, 0},
	{"a/c d", "image/jpeg;q=1; x=\"y z\"", 5, 0},
	{"b", "application/x-slo;swift_bytes=12345", 700, 0},
	{"b/", "text/plain", 3, 0},
	{"c<&>\"'", "text/html", 4, 0},
	{"d\u00e9j\u00e0/vu", "text/plain", 5, 0},
	{"\u65e5\u672c/\u8a9e", "text/plain", 6, 0},
	{"emoji\U0001F600", "text/plain", 7, 0},
	{"tab\tand\\back", "text/plain", 8, 0},
	{"zz", "application/octet-stream;swift_bytes=9;foo=bar", 9, 3},
}

// compareQueries are listing requests sent to both servers.
var compareQueries = []string{
	"", "prefix=a", "prefix=a/", "delimiter=/", "prefix=a/&delimiter=/", "delimiter=-", "delimiter=b",
	"marker=b", "end_marker=b", "marker=a&end_marker=c", "marker=a/b&end_marker=zz", "limit=1", "limit=3&reverse=true",
	"reverse=1", "reverse=on&delimiter=/", "reverse=yes&marker=c&end_marker=a", "path=a", "path=", "path=a/b",
	"path=d%C3%A9j%C3%A0", "prefix=%E6%97%A5", "limit=0", "limit=10001", "limit=x", "marker=zzz", "prefix=nothing",
	"delimiter=/&prefix=a&limit=2", "delimiter=/&prefix=a/&reverse=true&limit=2", "end_marker=a", "prefix=a&path=a",
}

func TestListingsAreByteForByteDebianSwifts(t *testing.T) {
	debian := debianContainerServer(t)
	forEachBackend(t, func(t *testing.T, h *harness) {
		account := h.ns
		container := "cmp\u00e9 &<\">"
		path := h.containerPath(account, container)
		base := int64(1700000000_00000)
		stamp := func(ticks int64) string { return fmt.Sprintf("%d.%05d", ticks/100000, ticks%100000) }
		putTS := stamp(base)
		for _, host := range []string{debian, h.container} {
			r := do(t, host, "PUT", path, H{"X-Timestamp": putTS, "X-Backend-Storage-Policy-Index": "0"}, nil)
			require.Equal(t, 201, r.status, "%s: %s", host, r.body)
			for i, row := range compareRows {
				ticks := base + int64(i+1)*1234
				headers := H{"X-Timestamp": stamp(ticks), "X-Size": strconv.Itoa(row.size), "X-Content-Type": row.contentType,
					"X-Etag": fmt.Sprintf("%032x", i), "X-Backend-Storage-Policy-Index": "0"}
				if row.metaOffset != 0 {
					headers["X-Meta-Timestamp"] = stamp(ticks + int64(row.metaOffset))
				}
				r := do(t, host, "PUT", path+"/"+quote(row.name), headers, nil)
				require.Equal(t, 201, r.status, "%s %q: %s", host, row.name, r.body)
			}
			// A deleted row is never listed.
			r = do(t, host, "DELETE", path+"/"+quote("b/"), H{"X-Timestamp": stamp(base + 99999), "X-Backend-Storage-Policy-Index": "0"}, nil)
			require.Equal(t, 204, r.status)
		}
		compared := 0
		for _, query := range compareQueries {
			for _, format := range []string{"", "json", "xml", "plain"} {
				q := query
				if format != "" {
					q = strings.TrimPrefix(q+"&format="+format, "&")
				}
				want := do(t, debian, "GET", path+"?"+q, nil, nil)
				got := do(t, h.container, "GET", path+"?"+q, nil, nil)
				assert.Equal(t, want.status, got.status, "status of ?%s", q)
				assert.Equal(t, want.body, got.body, "body of ?%s", q)
				assert.Equal(t, want.header.Get("Content-Type"), got.header.Get("Content-Type"), "content type of ?%s", q)
				if want.status/100 == 2 {
					for _, k := range []string{"X-Container-Object-Count", "X-Container-Bytes-Used", "X-Backend-Storage-Policy-Index", "X-Put-Timestamp", "Last-Modified"} {
						assert.Equal(t, want.header.Get(k), got.header.Get(k), "%s of ?%s", k, q)
					}
				}
				compared++
			}
		}
		for _, accept := range []string{"application/json", "text/xml", "*/*;q=0.5, application/xml", "application/xml;q=0.1, text/plain;q=0.2", "image/png", "text/*"} {
			want := do(t, debian, "GET", path, H{"Accept": accept}, nil)
			got := do(t, h.container, "GET", path, H{"Accept": accept}, nil)
			assert.Equal(t, want.status, got.status, "status with Accept: %s", accept)
			assert.Equal(t, want.header.Get("Content-Type"), got.header.Get("Content-Type"), "Accept: %s", accept)
			if want.status == 200 {
				assert.Equal(t, want.body, got.body, "Accept: %s", accept)
			}
		}
		t.Logf("%d listings compared with Debian's container server", compared)
	})
}
