// Package e2e runs the whole tier as `make run` starts it (Ceph, the radosswift object,
// container and account servers, Debian's Swift proxy) and drives it with real clients:
// the swift CLI, s3cmd, swift-recon and the object expirer.
package e2e

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/testbed"
)

var (
	root     string // the repository
	stackDir string // the running stack's directory
	// ports are the stack's, free ones chosen at start (never `make run`'s 8080 and
	// 6200-6202); every URL of the tests derives from them.
	ports testbed.StackPorts
)

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	root = filepath.Dir(filepath.Dir(file))
	if testbed.EndToEndOff() {
		fmt.Println("e2e: skipped (RADOSSWIFT_E2E=0)")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "radosswift-e2e.")
	if err != nil {
		panic(err)
	}
	stackDir = filepath.Join(dir, "stack")
	if ports, err = testbed.FreeStackPorts(); err != nil {
		panic(err)
	}
	// Set for the whole process, so that every run-stack the tests start (a restart
	// too) and every tool they run see the stack's ports.
	for _, kv := range ports.Env() {
		name, value, _ := strings.Cut(kv, "=")
		os.Setenv(name, value)
	}
	up := exec.Command(filepath.Join(root, "scripts", "run-stack"), "up", stackDir)
	up.Dir = root
	up.Stdout, up.Stderr = os.Stdout, os.Stderr
	code := 1
	if err := up.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the stack did not come up:", err)
	} else {
		code = m.Run()
	}
	down := exec.Command(filepath.Join(root, "scripts", "run-stack"), "down", stackDir)
	down.Dir = root
	down.Stdout, down.Stderr = os.Stdout, os.Stderr
	down.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs a command with the stack's swift CLI environment and returns its output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := runErr(name, args...)
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return out
}

func runErr(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "ST_AUTH="+ports.AuthURL(), "ST_USER=test:tester", "ST_KEY=testing")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func swiftCLI(t *testing.T, args ...string) string { return run(t, "swift", args...) }

func writeRandomFile(t *testing.T, path string, size int64, seed int64) string {
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	h := md5.New()
	_, err = io.Copy(io.MultiWriter(f, h), io.LimitReader(rand.New(rand.NewSource(seed)), size))
	require.NoError(t, err)
	return hex.EncodeToString(h.Sum(nil))
}

func fileMD5(t *testing.T, path string) string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h := md5.New()
	_, err = io.Copy(h, f)
	require.NoError(t, err)
	return hex.EncodeToString(h.Sum(nil))
}

func TestSwiftCLIRoundTripsObjectsOfEverySize(t *testing.T) {
	work := t.TempDir()
	container := fmt.Sprintf("sizes-%d", time.Now().UnixNano())
	for _, tc := range []struct {
		name string
		size int64
		slo  bool
	}{
		{"empty", 0, false},
		{"4k", 4 << 10, false},
		{"10m", 10 << 20, false},
		{"1g-slo", 1 << 30, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(work, tc.name)
			sum := writeRandomFile(t, src, tc.size, tc.size+1)
			args := []string{"upload", "--object-name", tc.name, container, src}
			if tc.slo {
				args = append(args, "--use-slo", "--segment-size", "104857600")
			}
			swiftCLI(t, args...)
			require.Contains(t, swiftCLI(t, "list", container), tc.name)
			stat := swiftCLI(t, "stat", container, tc.name)
			require.Contains(t, stat, fmt.Sprintf("Content Length: %d", tc.size))
			dst := filepath.Join(work, tc.name+".back")
			swiftCLI(t, "download", container, tc.name, "-o", dst)
			require.Equal(t, sum, fileMD5(t, dst), "downloaded bytes")
			os.Remove(dst)
			swiftCLI(t, "delete", container, tc.name)
			_, err := runErr("swift", "stat", container, tc.name)
			require.Error(t, err, "deleted")
			os.Remove(src)
		})
	}
}

func TestPostedMetadataShowsInSwiftStat(t *testing.T) {
	container := fmt.Sprintf("meta-%d", time.Now().UnixNano())
	src := filepath.Join(t.TempDir(), "obj")
	require.NoError(t, os.WriteFile(src, []byte("metadata test"), 0o600))
	swiftCLI(t, "upload", "--object-name", "obj", container, src)
	swiftCLI(t, "post", container, "obj", "-m", "Color:blue", "-H", "Content-Type:text/x-test")
	stat := swiftCLI(t, "stat", container, "obj")
	require.Contains(t, stat, "Meta Color: blue")
	require.Contains(t, stat, "Content Type: text/x-test")
}

func s3cmd(t *testing.T, args ...string) string {
	return run(t, "s3cmd", append([]string{"-c", filepath.Join(stackDir, "etc", "s3cfg")}, args...)...)
}

func TestS3ClientPutGetListDeleteAndMultipart(t *testing.T) {
	work := t.TempDir()
	bucket := fmt.Sprintf("s3://bucket-%d", time.Now().UnixNano())
	s3cmd(t, "mb", bucket)
	small := filepath.Join(work, "small")
	smallSum := writeRandomFile(t, small, 100<<10, 1)
	big := filepath.Join(work, "big")
	bigSum := writeRandomFile(t, big, 12<<20, 2)
	s3cmd(t, "put", small, bucket+"/small")
	s3cmd(t, "put", "--multipart-chunk-size-mb=5", big, bucket+"/big")
	proxyLog, err := os.ReadFile(filepath.Join(stackDir, "log", "proxy-server.log"))
	require.NoError(t, err)
	require.Contains(t, string(proxyLog), strings.TrimPrefix(bucket, "s3://")+"/big%3FpartNumber%3D3%26uploadId",
		"uploaded as a three-part multipart upload")
	list := s3cmd(t, "ls", bucket)
	require.Contains(t, list, bucket+"/small")
	require.Contains(t, list, bucket+"/big")
	for name, sum := range map[string]string{"small": smallSum, "big": bigSum} {
		dst := filepath.Join(work, name+".back")
		s3cmd(t, "get", bucket+"/"+name, dst)
		require.Equal(t, sum, fileMD5(t, dst), name)
		s3cmd(t, "del", bucket+"/"+name)
	}
	require.NotContains(t, s3cmd(t, "ls", bucket), "/small")
	s3cmd(t, "rb", bucket)
}

func TestSwiftReconReadsTheNode(t *testing.T) {
	out := run(t, filepath.Join(root, "scripts", "swift-launch"), "recon", "--swiftdir", filepath.Join(stackDir, "etc"),
		"object", "--md5", "-a", "-q", "-d", "-l", "--sockstat", "--time", "--swift-versions")
	require.Contains(t, out, "Checking ring md5sums")
	require.NotContains(t, out, "Traceback")
	require.Regexp(t, `\[async_pending\] low: \d+`, out)
	require.Regexp(t, `quarantined_objects\] low: \d+`, out)
	require.Contains(t, out, "Disk usage: space used")
	require.Regexp(t, `1/1 hosts matched, 0 error\[s\] while checking hosts`, out)
	require.Contains(t, out, "Versions matched")
	require.NotRegexp(t, `[1-9]\d* error\[s\]`, out)
}

func TestObjectWithDeleteAfterIsGoneOnceTheExpirerRan(t *testing.T) {
	container := fmt.Sprintf("expiring-%d", time.Now().UnixNano())
	src := filepath.Join(t.TempDir(), "obj")
	require.NoError(t, os.WriteFile(src, []byte("short-lived"), 0o600))
	swiftCLI(t, "upload", "--object-name", "obj", "-H", "X-Delete-After: 2", container, src)
	swiftCLI(t, "stat", container, "obj")
	time.Sleep(3 * time.Second)
	launch := filepath.Join(root, "scripts", "swift-launch")
	// The hidden .expiring_objects account lists its queue containers once they are reported.
	run(t, filepath.Join(root, "bin", "radosswift"), "container-updater", "--once", "-c", filepath.Join(stackDir, "etc", "container-server.conf"))
	out := run(t, launch, "object-expirer", "-c", filepath.Join(stackDir, "etc", "object-expirer.conf"), "--once")
	t.Log(out)
	_, err := runErr("swift", "stat", container, "obj")
	require.Error(t, err, "the expirer deleted the object")
	require.NotContains(t, swiftCLI(t, "list", container), "obj")
}

func TestEncryptedBytesInRADOSAreNotThePlaintext(t *testing.T) {
	container := fmt.Sprintf("secret-%d", time.Now().UnixNano())
	marker := fmt.Sprintf("PLAINTEXT-MARKER-%d-", time.Now().UnixNano())
	body := bytes.Repeat([]byte(marker), 200)
	src := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(src, body, 0o600))
	swiftCLI(t, "upload", "--object-name", "secret", container, src)
	dst := src + ".back"
	swiftCLI(t, "download", container, "secret", "-o", dst)
	back, err := os.ReadFile(dst)
	require.NoError(t, err)
	require.Equal(t, body, back, "decrypted on the way out")

	conf := filepath.Join(stackDir, "ceph", "ceph.conf")
	names := strings.Fields(run(t, "rados", "-c", conf, "-p", "radosswift", "ls"))
	require.NotEmpty(t, names)
	found := 0
	for _, name := range names {
		out := filepath.Join(t.TempDir(), "obj")
		if _, err := runErr("rados", "-c", conf, "-p", "radosswift", "get", name, out); err != nil {
			continue
		}
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		found++
		require.False(t, bytes.Contains(data, []byte(marker)), "object %s holds the plaintext", name)
	}
	require.Positive(t, found)
}

func TestAsyncPendingsFromAStoppedContainerServerAreDelivered(t *testing.T) {
	container := fmt.Sprintf("async-%d", time.Now().UnixNano())
	src := filepath.Join(t.TempDir(), "obj")
	require.NoError(t, os.WriteFile(src, []byte("x"), 0o600))
	swiftCLI(t, "upload", "--object-name", "first", container, src)

	pidFile := filepath.Join(stackDir, "run", "container-server.pid")
	pidText, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	var pid int
	fmt.Sscan(string(pidText), &pid)
	require.NoError(t, syscall.Kill(-pid, syscall.SIGKILL), "stop the container server (its process group)")
	time.Sleep(time.Second)

	const n = 10
	for i := 0; i < n; i++ {
		// The proxy knows the container from memcache, so the PUTs reach the object
		// server, whose container updates fail and are queued in RADOS.
		swiftCLI(t, "upload", "--skip-container-put", "--object-name", fmt.Sprintf("during-%02d", i), container, src)
	}
	run(t, filepath.Join(root, "scripts", "run-stack"), "up", stackDir) // restarts what is missing
	listing := swiftCLI(t, "list", container)
	require.NotContains(t, listing, "during-00", "the listing misses the PUTs made while it was down")

	out := run(t, filepath.Join(root, "bin", "radosswift"), "object-updater", "--once", "-c", filepath.Join(stackDir, "etc", "object-server.conf"))
	t.Log(out)
	listing = swiftCLI(t, "list", container)
	for i := 0; i < n; i++ {
		require.Contains(t, listing, fmt.Sprintf("during-%02d", i))
	}
}
