package resilience

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// swiftClient speaks the Swift API through a proxy, with a tempauth token.
type swiftClient struct {
	http       *http.Client
	storageURL string // http://proxy/v1/AUTH_account
	token      string
}

// requestTimeout is how long a client waits for any one request: far above every
// server-side timeout, so that a request cut off by it is a request that hung.
const requestTimeout = 60 * time.Second

func authenticate(t *testing.T, proxyURL, user, key string) *swiftClient {
	t.Helper()
	c := &swiftClient{http: &http.Client{
		Timeout:   requestTimeout,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64},
	}}
	req, err := http.NewRequest(http.MethodGet, proxyURL+"/auth/v1.0", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-User", user)
	req.Header.Set("X-Auth-Key", key)
	resp, err := c.http.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "tempauth %s", user)
	c.storageURL, c.token = resp.Header.Get("X-Storage-Url"), resp.Header.Get("X-Auth-Token")
	require.NotEmpty(t, c.token)
	return c
}

func (c *swiftClient) do(ctx context.Context, method, path string, body io.Reader, size int64, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.storageURL+"/"+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("X-Auth-Token", c.token)
	if body != nil {
		req.ContentLength = size
	}
	return c.http.Do(req)
}

// createContainer makes a container (on a storage policy when one is named).
func (c *swiftClient) createContainer(t *testing.T, name, policy string) {
	t.Helper()
	header := http.Header{}
	if policy != "" {
		header.Set("X-Storage-Policy", policy)
	}
	resp, err := c.do(context.Background(), http.MethodPut, name, nil, 0, header)
	require.NoError(t, err)
	resp.Body.Close()
	require.Contains(t, []int{http.StatusCreated, http.StatusAccepted}, resp.StatusCode, "PUT container %s", name)
}

// put stores body under path with its MD5 as ETag, which the object server checks.
func (c *swiftClient) put(ctx context.Context, path string, body []byte) (int, error) {
	sum := md5.Sum(body)
	header := http.Header{"Etag": {hex.EncodeToString(sum[:])}}
	resp, err := c.do(ctx, http.MethodPut, path, bytes.NewReader(body), int64(len(body)), header)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// get reads path whole: its status, and for a 200 the MD5 and length of the body.
func (c *swiftClient) get(ctx context.Context, path string) (status int, sum string, size int64, err error) {
	resp, err := c.do(ctx, http.MethodGet, path, nil, 0, nil)
	if err != nil {
		return 0, "", 0, err
	}
	defer resp.Body.Close()
	h := md5.New()
	size, err = io.Copy(h, resp.Body)
	if err != nil {
		return resp.StatusCode, "", size, fmt.Errorf("reading the body of %s: %w", path, err)
	}
	return resp.StatusCode, hex.EncodeToString(h.Sum(nil)), size, nil
}

// putResult is one request of the load: what was sent (or, for a GET, expected), when,
// and what came back.
type putResult struct {
	Method     string // PUT, or GET of an acknowledged object
	Path       string
	Size       int
	Seed       int64 // of the body's bytes
	MD5        string
	Start, End time.Time
	Status     int    // 0 when the request got no response
	Err        string // why there was no response
}

func (r putResult) took() time.Duration { return r.End.Sub(r.Start) }

// body is the bytes a PUT of the load sends: the same every time it is asked for.
func (r putResult) body() []byte {
	body := make([]byte, r.Size)
	rand.New(rand.NewSource(r.Seed)).Read(body)
	return body
}

func md5Hex(body []byte) string {
	sum := md5.Sum(body)
	return hex.EncodeToString(sum[:])
}

// load is a steady client load: workers PUT new objects of random sizes, each with its
// MD5, one after another, until stopped, and with readShare > 0 read that share of
// their requests back from what was acknowledged (checking the MD5). Most objects are
// small (one write op on the OSD), a quarter span several stripes (tails, then the head).
type load struct {
	client    *swiftClient
	container string
	readShare float64
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	stopOnce  sync.Once

	mu           sync.Mutex
	results      []putResult
	acknowledged []putResult
}

func startLoad(client *swiftClient, container string, workers int, readShare float64) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{client: client, container: container, readShare: readShare, cancel: cancel}
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			rng := rand.New(rand.NewSource(time.Now().UnixNano() + int64(w)))
			for n := 0; ctx.Err() == nil; n++ {
				if rng.Float64() < l.readShare && l.getOne(ctx, rng) {
					continue
				}
				l.putOne(ctx, rng, fmt.Sprintf("%s/w%02d-%06d", container, w, n))
			}
		}()
	}
	return l
}

// getOne reads back a random acknowledged object; false when there is none yet.
func (l *load) getOne(ctx context.Context, rng *rand.Rand) bool {
	l.mu.Lock()
	if len(l.acknowledged) == 0 {
		l.mu.Unlock()
		return false
	}
	want := l.acknowledged[rng.Intn(len(l.acknowledged))]
	l.mu.Unlock()
	r := putResult{Method: http.MethodGet, Path: want.Path, Size: want.Size, MD5: want.MD5, Start: time.Now()}
	status, sum, size, err := l.client.get(context.WithoutCancel(ctx), want.Path)
	r.End, r.Status = time.Now(), status
	switch {
	case err != nil:
		r.Err = err.Error()
	case status == http.StatusOK && (sum != want.MD5 || size != int64(want.Size)):
		r.Err = fmt.Sprintf("%d bytes, md5 %s: not what was acknowledged", size, sum)
	}
	l.mu.Lock()
	l.results = append(l.results, r)
	l.mu.Unlock()
	return true
}

// ok is whether a request of the load succeeded: a PUT acknowledged, a GET whole.
func (r putResult) ok() bool {
	if r.Method == http.MethodGet {
		return r.Status == http.StatusOK && r.Err == ""
	}
	return r.Status == http.StatusCreated
}

func objectSize(rng *rand.Rand) int {
	if rng.Intn(4) == 0 {
		return stripeSize + rng.Intn(2*stripeSize) // 2 or 3 stripes
	}
	return 1 + rng.Intn(64<<10)
}

func (l *load) putOne(ctx context.Context, rng *rand.Rand, path string) {
	r := putResult{Method: http.MethodPut, Path: path, Size: objectSize(rng), Seed: rng.Int63()}
	body := r.body()
	r.MD5, r.Start = md5Hex(body), time.Now()
	// The load's own stop does not cut a request short: every request runs to its answer.
	status, err := l.client.put(context.WithoutCancel(ctx), path, body)
	r.End, r.Status = time.Now(), status
	if err != nil {
		r.Err = err.Error()
	}
	l.mu.Lock()
	l.results = append(l.results, r)
	if r.ok() {
		l.acknowledged = append(l.acknowledged, r)
	}
	l.mu.Unlock()
}

// startSteadyLoad starts a load that the test's end stops (if nothing stopped it before)
// and returns once it is steady: four PUTs per worker acknowledged and warmUp passed.
// By then the proxy has the account and container in its cache.
func startSteadyLoad(t *testing.T, client *swiftClient, container string, workers int, readShare float64, warmUp time.Duration) (*load, time.Time) {
	t.Helper()
	begin := time.Now()
	l := startLoad(client, container, workers, readShare)
	t.Cleanup(func() { l.stop() })
	l.waitForSuccesses(t, begin, 4*workers, 60*time.Second)
	time.Sleep(time.Until(begin.Add(warmUp)))
	return l, begin
}

// stop ends the load once every request in flight has its answer (again: at once).
func (l *load) stop() []putResult {
	l.stopOnce.Do(func() {
		l.cancel()
		l.wg.Wait()
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	sort.Slice(l.results, func(i, j int) bool { return l.results[i].Start.Before(l.results[j].Start) })
	return l.results
}

// snapshot is the results so far.
func (l *load) snapshot() []putResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]putResult(nil), l.results...)
}

// waitForSuccesses waits until n PUTs that started after since were acknowledged, and
// returns the first of them; it fails the test after limit.
func (l *load) waitForSuccesses(t *testing.T, since time.Time, n int, limit time.Duration) putResult {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var ok []putResult
		for _, r := range l.snapshot() {
			if r.Method == http.MethodPut && r.ok() && !r.Start.Before(since) {
				ok = append(ok, r)
			}
		}
		if len(ok) >= n {
			sort.Slice(ok, func(i, j int) bool { return ok[i].End.Before(ok[j].End) })
			return ok[0]
		}
		require.True(t, time.Now().Before(deadline), "only %d PUTs acknowledged in the %s after %s", len(ok), limit, since.Format("15:04:05.000"))
		time.Sleep(100 * time.Millisecond)
	}
}

// summary counts results by outcome: "PUT 201 × 760, PUT 503 × 52, GET 200 × 80".
func summary(results []putResult) string {
	counts := map[string]int{}
	for _, r := range results {
		key := fmt.Sprintf("%s %d", r.Method, r.Status)
		switch {
		case r.Status == 0:
			key = r.Method + " no response"
		case r.Method == http.MethodGet && r.Status == http.StatusOK && r.Err != "":
			key = "GET 200 wrong body"
		}
		counts[key]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s × %d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}

// verifyAll reads back every acknowledged object through the proxy (concurrently) and
// returns the paths whose bytes are not what was acknowledged, with what came back.
func verifyAll(client *swiftClient, acknowledged []putResult, workers int) []string {
	var (
		mu    sync.Mutex
		wrong []string
		next  = make(chan putResult)
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				status, sum, size, err := client.get(context.Background(), r.Path)
				if err == nil && status == http.StatusOK && sum == r.MD5 && size == int64(r.Size) {
					continue
				}
				mu.Lock()
				wrong = append(wrong, fmt.Sprintf("%s: status %d, %d bytes, md5 %s (want %d bytes, md5 %s) %v",
					r.Path, status, size, sum, r.Size, r.MD5, err))
				mu.Unlock()
			}
		}()
	}
	for _, r := range acknowledged {
		next <- r
	}
	close(next)
	wg.Wait()
	return wrong
}

func since(t0, t time.Time) string { return fmt.Sprintf("+%.1fs", t.Sub(t0).Seconds()) }
