package resilience

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The object server is SIGKILLed while two large PUTs stream through the proxy: one
// replacing an object, one creating a new object. No reader ever sees a partial object,
// before, during or after; the replaced object stays its previous version, whole; the
// new one does not exist; and one collector pass reclaims every tail the killed uploads
// had written, leaving exactly the previous version's.
func TestObjectServerKilledMidPutServesNoPartialObjectAndLeavesNoGarbage(t *testing.T) {
	s := privateStack(t)
	client := authenticate(t, s.proxyURL, "test:tester", "testing")
	// Policy 1's pool is this test's alone, so its tails can be counted exactly.
	const pool = "radosswift-1"
	container := fmt.Sprintf("killed-put-%d", time.Now().UnixNano())
	client.createContainer(t, container, "Policy-1")
	keep, fresh := container+"/replaced", container+"/created"

	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	previous := make([]byte, 6*stripeSize)
	rng.Read(previous)
	previousSum := md5.Sum(previous)
	previousMD5 := hex.EncodeToString(previousSum[:])
	status, err := client.put(context.Background(), keep, previous)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status)
	tailsBefore := s.tails(t, pool)
	require.GreaterOrEqual(t, len(tailsBefore), 6, "the previous version is in tails")

	const (
		declared  = 48 << 20 // each PUT's Content-Length
		sentFirst = 16 << 20 // sent before the kill
	)
	begin := time.Now()
	readers := startReaders(client, keep, fresh, previousMD5)
	t.Cleanup(func() { readers.stop() })
	keepPut := startStreamingPut(client, keep, declared, sentFirst)
	freshPut := startStreamingPut(client, fresh, declared, sentFirst)

	// Both uploads are under way when the tails they wrote are in the pool.
	deadline := time.Now().Add(60 * time.Second)
	for len(s.tails(t, pool)) < len(tailsBefore)+10 {
		require.True(t, time.Now().Before(deadline), "the uploads wrote no tails within 60 s")
		time.Sleep(300 * time.Millisecond)
	}
	oldPid := s.pid(t, "object-server")
	killed := time.Now()
	killSession(t, oldPid)
	keepPut.sendRest()
	freshPut.sendRest()
	keepResult, freshResult := keepPut.wait(), freshPut.wait()
	tailsLeft := s.tails(t, pool)
	time.Sleep(time.Second) // readers meet the proxy while no object server runs

	restartBegin := time.Now()
	out, err := s.runStack("up")
	require.NoError(t, err, "run-stack up restarts the object server:\n%s", tail(out, 30))
	restarted := time.Now()
	newPid := s.pid(t, "object-server")
	time.Sleep(time.Second) // readers meet the restarted server
	reads := readers.stop()

	keepStatus, keepMD5, _, err := client.get(context.Background(), keep)
	require.NoError(t, err)
	freshStatus, _, _, err := client.get(context.Background(), fresh)
	require.NoError(t, err)

	gcOut := s.collectGarbageNow(t)
	tailsAfter := s.tails(t, pool)
	afterGCStatus, afterGCMD5, _, err := client.get(context.Background(), keep)
	require.NoError(t, err)

	t.Logf(`object server killed mid-PUT (two PUTs of %d MiB through the proxy, %d MiB of each sent, %d KiB stripes, pool %s):
  PUTs:          replacing %q: %s; creating %q: %s
  object server: pid %d SIGKILLed at %s, pid %d serving again at %s (run-stack up took %.1fs)
  readers:       %d GETs of both objects from %s to %s: %s; partial bodies %d, created object served %d times
  afterwards:    %q: %d, md5 %s (previous %s); %q: %d
  tails:         %d before, %d after the kill, %d after one collector pass (%s)
  after gc:      %q: %d, md5 %s`,
		declared>>20, sentFirst>>20, stripeSize>>10, pool,
		keep, keepResult, fresh, freshResult,
		oldPid, since(begin, killed), newPid, since(begin, restarted), restarted.Sub(restartBegin).Seconds(),
		reads.total, since(begin, begin), since(begin, time.Now()), reads.summary(), len(reads.partial), reads.freshServed,
		keep, keepStatus, keepMD5, previousMD5, fresh, freshStatus,
		len(tailsBefore), len(tailsLeft), len(tailsAfter), strings.ReplaceAll(strings.TrimSpace(gcOut), "\n", "; "),
		keep, afterGCStatus, afterGCMD5)

	require.NotEqual(t, http.StatusCreated, keepResult.status, "a PUT whose object server died is not acknowledged")
	require.NotEqual(t, http.StatusCreated, freshResult.status, "a PUT whose object server died is not acknowledged")
	require.Empty(t, reads.partial, "no reader ever gets a partial or mixed object")
	require.Zero(t, reads.freshServed, "the object being created is never served")
	require.Positive(t, reads.counts[http.StatusOK], "readers saw the previous version during the test")
	require.Equal(t, http.StatusOK, keepStatus)
	require.Equal(t, previousMD5, keepMD5, "the replaced object is its previous version, whole")
	require.Equal(t, http.StatusNotFound, freshStatus, "the created object does not exist")
	require.Greater(t, len(tailsLeft), len(tailsBefore), "the killed uploads left tails (or the test tested nothing)")
	require.Regexp(t, `policy 1: \d+ entries, [1-9]\d* uploads`, gcOut)
	require.Equal(t, tailsBefore, tailsAfter, "the collector reclaims the killed uploads' tails and keeps the live version's")
	require.Equal(t, http.StatusOK, afterGCStatus)
	require.Equal(t, previousMD5, afterGCMD5, "the live version survives the collector")
}

// tails lists the tail objects of a pool (the data namespace), sorted.
func (s *stack) tails(t *testing.T, pool string) []string {
	t.Helper()
	var tails []string
	for _, name := range strings.Fields(s.rados(t, "-p", pool, "ls")) {
		if strings.HasPrefix(name, "t.") {
			tails = append(tails, name)
		}
	}
	slices.Sort(tails)
	return tails
}

// collectGarbageNow runs one `radosswift gc` pass with the stack's object server config,
// except that nothing waits: no grace for readers (none reads an abandoned upload) and
// no time for an upload to still commit (no upload runs now).
func (s *stack) collectGarbageNow(t *testing.T) string {
	t.Helper()
	conf, err := os.ReadFile(filepath.Join(s.dir, "etc", "object-server.conf"))
	require.NoError(t, err)
	text := regexp.MustCompile(`(?m)^\s*#?\s*gc_grace\s*=.*$`).ReplaceAllString(string(conf), "gc_grace = 0")
	text = regexp.MustCompile(`(?m)^\s*#?\s*upload_timeout\s*=.*$`).ReplaceAllString(text, "upload_timeout = 0")
	require.Contains(t, text, "gc_grace = 0")
	require.Contains(t, text, "upload_timeout = 0")
	path := filepath.Join(t.TempDir(), "gc.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	out, err := exec.Command(filepath.Join(root, "bin", "radosswift"), "gc", "-c", path).CombinedOutput()
	require.NoError(t, err, "radosswift gc: %s", out)
	return string(out)
}

// streamingPut is a PUT whose body is sent in two parts: the first at once, the rest
// when told.
type streamingPut struct {
	rest   chan struct{}
	result chan putOutcome
}

type putOutcome struct {
	status int // 0: no response
	err    error
	took   time.Duration
}

func (o putOutcome) String() string {
	if o.status == 0 {
		return fmt.Sprintf("no response after %s (%v)", o.took.Round(time.Millisecond), o.err)
	}
	return fmt.Sprintf("%d after %s", o.status, o.took.Round(time.Millisecond))
}

func startStreamingPut(client *swiftClient, path string, size, first int64) *streamingPut {
	p := &streamingPut{rest: make(chan struct{}), result: make(chan putOutcome, 1)}
	body, writer := io.Pipe()
	go func() {
		data := rand.New(rand.NewSource(size))
		_, err := io.CopyN(writer, data, first)
		if err == nil {
			<-p.rest
			_, err = io.CopyN(writer, data, size-first)
		}
		writer.CloseWithError(err)
	}()
	go func() {
		start := time.Now()
		resp, err := client.do(context.Background(), http.MethodPut, path, body, size, nil)
		body.CloseWithError(io.ErrClosedPipe) // the writer stops if the request ended early
		if err != nil {
			p.result <- putOutcome{err: err, took: time.Since(start)}
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		p.result <- putOutcome{status: resp.StatusCode, took: time.Since(start)}
	}()
	return p
}

func (p *streamingPut) sendRest()        { close(p.rest) }
func (p *streamingPut) wait() putOutcome { return <-p.result }

// readers GET two objects over and over: the one being replaced must always be its
// previous version, whole, and the one being created must never be served.
type readers struct {
	cancel context.CancelFunc
	done   chan struct{}

	total       int
	counts      map[int]int // by status; 0: no response or a body cut short
	partial     []string
	freshServed int
}

func startReaders(client *swiftClient, keep, fresh, keepMD5 string) *readers {
	ctx, cancel := context.WithCancel(context.Background())
	r := &readers{cancel: cancel, done: make(chan struct{}), counts: map[int]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, path := range []string{keep, fresh} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				status, sum, size, err := client.get(context.Background(), path)
				mu.Lock()
				r.total++
				if err != nil {
					r.counts[0]++
				} else {
					r.counts[status]++
				}
				switch {
				case status != http.StatusOK:
				case path == fresh:
					r.freshServed++
				case err != nil:
					// A body cut short (the server died while sending it) fails the
					// read: the client sees fewer bytes than Content-Length said, so
					// it never takes them for the object. Counted above.
				case sum != keepMD5:
					r.partial = append(r.partial, fmt.Sprintf("%d bytes, md5 %s", size, sum))
				}
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	go func() { wg.Wait(); close(r.done) }()
	return r
}

// stop ends the readers and returns what they saw.
func (r *readers) stop() *readers {
	r.cancel()
	<-r.done
	return r
}

func (r *readers) summary() string {
	var parts []string
	for _, status := range slices.Sorted(maps.Keys(r.counts)) {
		name := fmt.Sprint(status)
		if status == 0 {
			name = "no response or cut short"
		}
		parts = append(parts, fmt.Sprintf("%s × %d", name, r.counts[status]))
	}
	return strings.Join(parts, ", ")
}
