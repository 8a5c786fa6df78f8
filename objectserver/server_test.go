package objectserver_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/objectserver"
)

func writeConf(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "object-server.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestLoadConfig(t *testing.T) {
	for _, c := range []struct {
		name  string
		conf  string
		check func(t *testing.T, cfg objectserver.Config)
	}{
		{"an empty [app:object-server] takes Swift's defaults", "[app:object-server]\n", func(t *testing.T, cfg objectserver.Config) {
			require.Equal(t, "0.0.0.0", cfg.BindIP)
			require.Equal(t, 6200, cfg.BindPort)
			require.Equal(t, "INFO", cfg.LogLevel)
			require.Equal(t, 60*time.Second, cfg.ClientTimeout)
			require.Equal(t, 3*time.Second, cfg.NodeTimeout)
			require.Equal(t, 500*time.Millisecond, cfg.ConnTimeout)
			require.Equal(t, time.Second, cfg.ContainerUpdateTimeout)
			require.Equal(t, 86400*time.Second, cfg.MaxUploadTime)
			require.Equal(t, 1024, cfg.MaxClients)
			require.Equal(t, int64(86400), cfg.ExpirerDivisor)
			require.Equal(t, ".expiring_objects", cfg.ExpiringObjectsAccount)
			require.Equal(t, "/etc/swift/swift.conf", cfg.SwiftConf)
			require.Equal(t, swift.DefaultConstraints, cfg.Constraints)
			require.Equal(t, []string{"object-server"}, cfg.Pipeline)
			var allowed []string
			for h := range cfg.AllowedHeaders {
				allowed = append(allowed, h)
			}
			require.ElementsMatch(t, []string{"content-disposition", "content-encoding", "x-delete-at", "x-object-manifest",
				"x-static-large-object", "cache-control", "content-language", "expires", "x-robots-tag"}, allowed)
		}},
		{"[DEFAULT] values are inherited and the section's win", "[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = 6010\nnode_timeout = 9\n" +
			"[app:object-server]\nnode_timeout = 2.5\n", func(t *testing.T, cfg objectserver.Config) {
			require.Equal(t, "127.0.0.1", cfg.BindIP)
			require.Equal(t, 6010, cfg.BindPort)
			require.Equal(t, 2500*time.Millisecond, cfg.NodeTimeout)
		}},
		{"timeouts are read in seconds, fractions allowed", "[app:object-server]\nclient_timeout = 0.25\nconn_timeout = 0.1\n" +
			"container_update_timeout = 0\nmax_upload_time = 10\n", func(t *testing.T, cfg objectserver.Config) {
			require.Equal(t, 250*time.Millisecond, cfg.ClientTimeout)
			require.Equal(t, 100*time.Millisecond, cfg.ConnTimeout)
			require.Equal(t, time.Duration(0), cfg.ContainerUpdateTimeout)
			require.Equal(t, 10*time.Second, cfg.MaxUploadTime)
		}},
		{"allowed_headers are lower-cased and never include what Swift reserves", "[app:object-server]\n" +
			"allowed_headers = X-Foo, Content-Type,content-length , X-Timestamp, ETag,,Cache-Control\n", func(t *testing.T, cfg objectserver.Config) {
			require.Equal(t, map[string]bool{"x-foo": true, "cache-control": true}, cfg.AllowedHeaders)
		}},
		{"the expiring objects account is auto_create_account_prefix + expiring_objects_account_name", "[app:object-server]\n" +
			"auto_create_account_prefix = _\nexpiring_objects_account_name = exp\nexpiring_objects_container_divisor = 3600\n",
			func(t *testing.T, cfg objectserver.Config) {
				require.Equal(t, "_exp", cfg.ExpiringObjectsAccount)
				require.Equal(t, int64(3600), cfg.ExpirerDivisor)
			}},
		{"the pipeline is read from [pipeline:main]", "[pipeline:main]\npipeline = healthcheck  recon object-server\n[app:object-server]\n",
			func(t *testing.T, cfg objectserver.Config) {
				require.Equal(t, []string{"healthcheck", "recon", "object-server"}, cfg.Pipeline)
			}},
		{"engine settings stay in the section for the engines to read", "[DEFAULT]\nrados_pool = p0\n[app:object-server]\nrados_pool_1 = p1\n",
			func(t *testing.T, cfg objectserver.Config) {
				require.Equal(t, "p0", cfg.Section.Values["rados_pool"])
				require.Equal(t, "p1", cfg.Section.Values["rados_pool_1"])
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := objectserver.LoadConfig(writeConf(t, c.conf))
			require.NoError(t, err)
			c.check(t, cfg)
		})
	}
}

func TestLoadConfigRefuses(t *testing.T) {
	for _, c := range []struct {
		name, conf, mention string
	}{
		{"a file without [app:object-server]", "[DEFAULT]\nbind_port = 6200\n", "[app:object-server]"},
		{"a timeout that is not a number", "[app:object-server]\nnode_timeout = soon\n", "node_timeout"},
		{"a negative timeout", "[app:object-server]\nconn_timeout = -1\n", "conn_timeout"},
		{"a port that is not an integer", "[app:object-server]\nbind_port = http\n", "bind_port"},
		{"max_clients that is not an integer", "[app:object-server]\nmax_clients = 1.5\n", "max_clients"},
		{"a pipeline that does not end with object-server", "[pipeline:main]\npipeline = object-server healthcheck\n[app:object-server]\n", "must end with object-server"},
		{"a line that is not key = value", "[app:object-server]\nnonsense\n", "expected key = value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := objectserver.LoadConfig(writeConf(t, c.conf))
			require.Error(t, err)
			require.Contains(t, err.Error(), c.mention)
		})
	}
	t.Run("a missing file", func(t *testing.T) {
		_, err := objectserver.LoadConfig(filepath.Join(t.TempDir(), "nope.conf"))
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}

// A request fasthttp hands over without a body stream once crashed the whole process
// (fasthttp does not recover panics): the server must answer and keep serving.
func TestServerSurvivesAPUTWithNeitherLengthNorChunking(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for i := 0; i < 3; i++ {
		conn, br := h.raw()
		fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\nContent-Type: text/plain\r\n\r\n", obj, h.ts().Internal())
		expect(t, readResponse(t, br, "PUT"), 411, nil)
		// the same connection goes on serving
		fmt.Fprintf(conn, "HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", obj)
		expect(t, readResponse(t, br, "HEAD"), 404, nil)
	}
	h.put(obj, []byte("still here"), nil)
	// an explicit Content-Length: 0 is a zero-byte object, not a missing length
	conn, br := h.raw()
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n", obj, h.ts().Internal())
	expect(t, readResponse(t, br, "PUT"), 201, nil)
	expect(t, h.do("HEAD", obj, nil, nil), 200, H{"Content-Length": "0"})
}

// Connections are reused (a new connection per GET once cost the server a third of its
// CPU), except after a request that announced a body fasthttp does not read.
func TestServerKeepsConnectionsUnlessABodyWasAnnouncedAndNotRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.put(obj, []byte("kept alive"), nil)
	conn, br := h.raw()
	for _, method := range []string{"GET", "HEAD", "GET", "DELETE"} {
		ts := ""
		if method == "DELETE" {
			ts = "X-Timestamp: " + h.ts().Internal() + "\r\n"
		}
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n", method, obj, ts)
		r := readResponse(t, br, method)
		require.False(t, r.Close, method)
		require.Less(t, r.Status, 300, method)
	}
	// s3api's HEAD carries the client's Content-Length and no body: answered at once,
	// then the connection is closed.
	conn, br = h.raw()
	fmt.Fprintf(conn, "HEAD %s HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", obj)
	r := readResponse(t, br, "HEAD")
	expect(t, r, 404, nil)
	require.True(t, r.Close)
}

// The server keeps serving many requests on one connection and many connections at once.
func TestServerHandlesConcurrentClients(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	errs := make(chan error, 16)
	for c := 0; c < 16; c++ {
		go func() {
			var err error
			defer func() { errs <- err }()
			for i := 0; i < 10; i++ {
				path := fmt.Sprintf("/sda1/p/a/c/client-%d/%d", c, i)
				data := []byte(strings.Repeat(fmt.Sprint(c, i), 100))
				r := h.do("PUT", path, H{"X-Timestamp": h.ts().Internal(), "Content-Type": "text/plain"}, data)
				if r.Status != 201 {
					err = fmt.Errorf("PUT %s: %s", path, r)
					return
				}
				g := h.do("GET", path, nil, nil)
				if g.Status != 200 || string(g.Body) != string(data) {
					err = fmt.Errorf("GET %s: %s", path, g)
					return
				}
			}
		}()
	}
	for c := 0; c < 16; c++ {
		require.NoError(t, <-errs)
	}
}

// A small body is checked against its ETag before the response leaves: a corrupt object
// is quarantined and answered 404, never served as a 200 with bad bytes.
func TestServerAnswers404ForACorruptSmallObjectAndQuarantinesIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.put(obj, []byte("pristine bytes"), nil)
	h.corrupt("a", "c", "o")

	r := h.do("GET", obj, nil, nil)
	expect(t, r, 404, nil)
	require.NotContains(t, string(r.Body), "ristine")
	expect(t, h.do("GET", obj, nil, nil), 404, nil)
	count, err := h.engines[0].QuarantineCount(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, count)
}
