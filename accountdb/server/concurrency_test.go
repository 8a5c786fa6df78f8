package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/accountdb"
)

// serveEnv makes the test binary a container server process on the RADOS backend
// settings it holds (JSON): the concurrency test starts two of them.
const serveEnv = "RADOSSWIFT_TEST_CONTAINER_SERVER"

func TestMain(m *testing.M) {
	if settings := os.Getenv(serveEnv); settings != "" {
		serveContainerProcess(settings)
		return
	}
	os.Exit(m.Run())
}

// serveContainerProcess prints its address, then serves until killed.
func serveContainerProcess(settingsJSON string) {
	var settings map[string]string
	if err := json.Unmarshal([]byte(settingsJSON), &settings); err != nil {
		panic(err)
	}
	db, err := accountdb.Open("rados", settings)
	if err != nil {
		panic(err)
	}
	srv := New(testConfig(ContainerServer), Deps{Backend: db, Policies: testPolicies})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr().String())
	srv.Serve(ln)
}

// startContainerProcess starts this test binary as a container server process.
func startContainerProcess(t *testing.T, settings map[string]string) string {
	encoded, err := json.Marshal(settings)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"="+string(encoded))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "the container server process did not start")
	return strings.TrimSpace(line)
}

// The concurrency test: 16 clients PUT 10 000 object rows into one container
// through two container server processes on the RADOS backend; the listing has
// exactly 10 000 names and the stats are exact; then half are deleted at once and
// exactly 5 000 remain.
func TestSixteenClientsThroughTwoProcessesKeepOneContainerExact(t *testing.T) {
	settings := radosSettings(t)
	servers := []string{startContainerProcess(t, settings), startContainerProcess(t, settings)}
	const objects, clients = 10000, 16
	deadline := time.Now().Add(8 * time.Minute)
	path := "/sda/1/AUTH_concurrency/busy"
	r := do(t, servers[0], "PUT", path, H{"X-Timestamp": ts(), "X-Backend-Storage-Policy-Index": "0"}, nil)
	require.Equal(t, 201, r.status, r.body)

	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	hc := &http.Client{Transport: transport, Timeout: 60 * time.Second}
	send := func(method string, i int) error {
		req, err := http.NewRequest(method, "http://"+servers[i%2]+path+"/"+fmt.Sprintf("obj-%05d", i), nil)
		if err != nil {
			return err
		}
		req.Header.Set("X-Timestamp", ts())
		req.Header.Set("X-Backend-Storage-Policy-Index", "0")
		req.Header.Set("X-Size", strconv.Itoa(i%100+1))
		req.Header.Set("X-Content-Type", "application/octet-stream")
		req.Header.Set("X-Etag", "d41d8cd98f00b204e9800998ecf8427e")
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			return fmt.Errorf("%s obj-%05d: %d", method, i, res.StatusCode)
		}
		return nil
	}
	// all runs send for every i that keep says, from 16 clients at once.
	all := func(method string, keep func(i int) bool) {
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < objects; i = int(next.Add(1) - 1) {
					if !keep(i) {
						continue
					}
					if time.Now().After(deadline) {
						errs <- fmt.Errorf("out of time")
						return
					}
					if err := send(method, i); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	}
	check := func(want func(i int) bool) {
		var names []string
		var count, bytes int64
		for i := range objects {
			if want(i) {
				names = append(names, fmt.Sprintf("obj-%05d", i))
				count++
				bytes += int64(i%100 + 1)
			}
		}
		for _, server := range servers {
			r := do(t, server, "GET", path+"?limit=10000", nil, nil)
			require.Equal(t, 200, r.status)
			require.Equal(t, strings.Join(names, "\n")+"\n", r.body, "the listing from %s", server)
			r = do(t, server, "HEAD", path, nil, nil)
			require.Equal(t, strconv.FormatInt(count, 10), r.header.Get("X-Container-Object-Count"))
			require.Equal(t, strconv.FormatInt(bytes, 10), r.header.Get("X-Container-Bytes-Used"))
		}
	}

	start := time.Now()
	all("PUT", func(int) bool { return true })
	t.Logf("%d PUTs from %d clients through 2 processes in %s", objects, clients, time.Since(start).Round(time.Millisecond))
	check(func(int) bool { return true })
	start = time.Now()
	all("DELETE", func(i int) bool { return i%2 == 0 })
	t.Logf("%d DELETEs in %s", objects/2, time.Since(start).Round(time.Millisecond))
	check(func(i int) bool { return i%2 == 1 })
}
