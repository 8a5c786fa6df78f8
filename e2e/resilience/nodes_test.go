package resilience

import (
	"context"
	"fmt"
	"maps"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// One of three storage nodes dies (every process SIGKILLed) under a steady load of PUTs
// and GETs through the proxy. With replica count 1 the proxy's handoffs are the other
// nodes, which read and write the same pool: every request that starts after the kill
// succeeds, every GET succeeds, and every acknowledged object reads back whole while the
// node is still down. A PUT whose body was streaming into the dying object server is the
// one thing the proxy cannot save (it has sent the body, and one replica is the quorum):
// it fails with 503, its retry succeeds, and it is counted apart in the report.
func TestStorageNodeKilledUnderLoadCostsNoRequestStartedAfterIt(t *testing.T) {
	d := localDeployment(t)
	client := authenticate(t, d.ProxyURL, d.User, d.Key)
	container := fmt.Sprintf("node-loss-%d", time.Now().UnixNano())
	client.createContainer(t, container, "")
	victim := d.StorageNodes[1]
	proxyLog := d.proxyLog(t)
	logBefore := fileSize(proxyLog)

	const workers = 6
	l, begin := startSteadyLoad(t, client, container, workers, 0.5, 4*time.Second)

	killed, killedAt := d.killNode(t, victim)
	t.Cleanup(func() { d.startNode(t, victim) })
	time.Sleep(12 * time.Second)
	results := l.stop()

	var acknowledged, inFlightFailures, laterFailures, getFailures []putResult
	var puts, gets int
	var slowest time.Duration
	for _, r := range results {
		if r.Method == http.MethodGet {
			gets++
		} else {
			puts++
		}
		if !r.Start.Before(killedAt) {
			slowest = max(slowest, r.took())
		}
		switch {
		case r.ok():
			if r.Method == http.MethodPut {
				acknowledged = append(acknowledged, r)
			}
		case r.Method == http.MethodGet:
			getFailures = append(getFailures, r)
		case r.Start.Before(killedAt):
			inFlightFailures = append(inFlightFailures, r)
		default:
			laterFailures = append(laterFailures, r)
		}
	}

	// A client retries what failed; the retry lands on a live node.
	var retried []string
	for _, r := range inFlightFailures {
		status, err := client.put(context.Background(), r.Path, r.body())
		require.NoError(t, err)
		retried = append(retried, fmt.Sprint(status))
		if status == http.StatusCreated {
			acknowledged = append(acknowledged, r)
		}
	}
	verifyStart := time.Now()
	wrong := verifyAll(client, acknowledged, 4)
	verifyTook := time.Since(verifyStart)
	handoffs := countSince(t, proxyLog, logBefore, victim+":")

	t.Logf(`storage node lost under load (%d clients, half PUTs of objects of 1 B-64 KiB and 1-3 MiB, half GETs of acknowledged objects, %d nodes):
  requests:      %d (%d PUT, %d GET) in %.1fs: %s
  node:          %s SIGKILLed at %s: %s
  after the kill: %d requests started, %d failed; slowest %s
  in flight at the kill: %d PUTs failed (%s), retried: %v
  GET failures:  %d
  proxy log:     %d lines name %s after the kill (its errors and error limiting: the handoffs at work)
  verified:      %d acknowledged objects read back with %s still down in %.1fs, %d wrong`,
		workers, len(d.StorageNodes),
		len(results), puts, gets, results[len(results)-1].End.Sub(begin).Seconds(), summary(results),
		victim, since(begin, killedAt), strings.Join(killed, ", "),
		countStartedAfter(results, killedAt), len(laterFailures), slowest.Round(time.Millisecond),
		len(inFlightFailures), summary(inFlightFailures), retried,
		len(getFailures),
		handoffs, victim,
		len(acknowledged), victim, verifyTook.Seconds(), len(wrong))

	require.Positive(t, countStartedAfter(results, killedAt), "the load went on after the kill")
	require.Positive(t, handoffs, "the proxy met the dead node (or the test tested nothing)")
	require.Empty(t, describe(laterFailures), "no request started after the kill fails")
	require.Empty(t, describe(getFailures), "no GET fails, not even one in flight at the kill")
	for _, r := range inFlightFailures {
		require.Equal(t, http.StatusServiceUnavailable, r.Status, "a PUT cut off by the kill: %s", describe([]putResult{r}))
		require.Positive(t, countSince(t, proxyLog, logBefore, "ERROR with Object server "+victim+":", "/"+r.Path),
			"a PUT that failed in flight was one the dying node had: the proxy logs its error there: %s", describe([]putResult{r}))
	}
	require.NotContains(t, retried, fmt.Sprint(http.StatusServiceUnavailable), "a retried PUT lands on a live node")
	require.Empty(t, wrong, "every acknowledged object reads back whole")
}

// A fourth storage node joins and the rings are rebalanced (the playbook run again with
// four nodes): since object names in RADOS never depend on the ring, nothing moves.
// Every object reads back at once, the pools' data namespaces (object heads and tails)
// hold exactly the same objects with the same sizes, and the proxy sends requests to the
// new node once it has loaded the new rings. The other namespaces are reported, not
// compared: the databases and queues there change when updaters run, ring or no ring.
func TestFourthNodeAndRebalanceMoveNothing(t *testing.T) {
	d := localDeployment(t)
	client := authenticate(t, d.ProxyURL, d.User, d.Key)
	stamp := time.Now().UnixNano()
	var objects []putResult
	rng := rand.New(rand.NewSource(stamp))
	for _, policy := range []string{"Policy-0", "Policy-1"} {
		container := fmt.Sprintf("ring-change-%s-%d", policy, stamp)
		client.createContainer(t, container, policy)
		for i := range 60 {
			size := 1 + rng.Intn(64<<10)
			if i%10 == 0 {
				size = 5<<20 + rng.Intn(4<<20) // tails of the default 4 MiB stripes
			}
			r := putResult{Method: http.MethodPut, Path: fmt.Sprintf("%s/o-%03d", container, i), Size: size}
			body := make([]byte, size)
			rng.Read(body)
			r.MD5 = md5Hex(body)
			status, err := client.put(context.Background(), r.Path, body)
			require.NoError(t, err)
			require.Equal(t, http.StatusCreated, status, r.Path)
			objects = append(objects, r)
		}
	}
	pools := strings.Split(d.Env["CEPH_POOLS"], ",")
	before := map[string]map[string]uint64{}
	namespacesBefore := map[string]map[string]int{}
	for _, pool := range pools {
		before[pool] = d.poolObjects(t, pool)
		namespacesBefore[pool] = d.namespaceCounts(t, pool)
	}
	nodesBefore := d.StorageNodes

	start := time.Now()
	require.NoError(t, d.deploy(len(nodesBefore)+1))
	deployTook := time.Since(start)
	added := d.StorageNodes[len(d.StorageNodes)-1]
	require.Len(t, d.StorageNodes, len(nodesBefore)+1)

	readStart := time.Now()
	wrongAtOnce := verifyAll(client, objects, 4)
	readTook := time.Since(readStart)
	after := map[string]map[string]uint64{}
	namespacesAfter := map[string]map[string]int{}
	for _, pool := range pools {
		after[pool] = d.poolObjects(t, pool)
		namespacesAfter[pool] = d.namespaceCounts(t, pool)
	}

	// The proxy reloads changed rings by itself (every 15 s, Swift's reload_time); then a
	// share of the partitions, and of these objects, is the new node's.
	newNodeLog := filepath.Join(d.HostRoot(added), "log", "object-server.log")
	logBefore := fileSize(newNodeLog)
	ourGETs := []string{`"GET /`, fmt.Sprintf("-%d/o-", stamp), `" 200 `} // access-log lines of these objects' reads
	deadline := time.Now().Add(40 * time.Second)
	var wrongViaNewRing []string
	for {
		wrongViaNewRing = verifyAll(client, objects, 4)
		if countSince(t, newNodeLog, logBefore, ourGETs...) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	servedByNew := countSince(t, newNodeLog, logBefore, ourGETs...)

	var report, namespaces []string
	for _, pool := range pools {
		report = append(report, fmt.Sprintf("%s: %d objects, %d bytes before; %d objects, %d bytes after",
			pool, len(before[pool]), sum(before[pool]), len(after[pool]), sum(after[pool])))
		namespaces = append(namespaces, fmt.Sprintf("%s: %v before, %v after", pool, namespacesBefore[pool], namespacesAfter[pool]))
	}
	t.Logf(`ring change (%d objects of 1 B-64 KiB and 5-9 MiB on two policies; %d nodes -> %d, %s added):
  playbook:      %.1fs (rings rebuilt and rebalanced, the new node's servers started)
  at once:       %d objects read back in %.1fs right after the playbook, %d wrong
  data (heads and tails, compared name by name with sizes): %s
  all namespaces (objects; "" is data, .db databases, .gc/.async the collector's and updater's queues, which change when their daemons run, not with the ring): %s
  new rings:     the new node's object server served %d GETs of these objects; %d wrong through the new rings`,
		len(objects), len(nodesBefore), len(d.StorageNodes), added,
		deployTook.Seconds(), len(objects), readTook.Seconds(), len(wrongAtOnce),
		strings.Join(report, "; "), strings.Join(namespaces, "; "), servedByNew, len(wrongViaNewRing))

	require.Empty(t, wrongAtOnce, "every object reads back at once")
	for _, pool := range pools {
		require.Equal(t, before[pool], after[pool], "pool %s: the same objects with the same sizes", pool)
		require.NotEmpty(t, before[pool])
	}
	require.Positive(t, servedByNew, "the proxy routes to the new node with the new rings")
	require.Empty(t, wrongViaNewRing, "every object reads back through the new rings")
}

func (d *deployment) proxyLog(t *testing.T) string {
	t.Helper()
	logs, err := filepath.Glob(filepath.Join(d.HostRoot(d.Env["PROXY_HOST"]), "log", "proxy*.log"))
	require.NoError(t, err)
	require.NotEmpty(t, logs, "no proxy log")
	return logs[0]
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// countSince counts the lines of a log, from offset on, that contain every one of substrs.
func countSince(t *testing.T, path string, offset int64, substrs ...string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	if offset > int64(len(data)) {
		offset = 0
	}
	n := 0
lines:
	for _, line := range strings.Split(string(data[offset:]), "\n") {
		for _, substr := range substrs {
			if !strings.Contains(line, substr) {
				continue lines
			}
		}
		n++
	}
	return n
}

func countStartedAfter(results []putResult, t time.Time) int {
	n := 0
	for _, r := range results {
		if !r.Start.Before(t) {
			n++
		}
	}
	return n
}

func describe(results []putResult) []string {
	var out []string
	for _, r := range results {
		out = append(out, fmt.Sprintf("%s %s: %d %s after %s (started %s)", r.Method, r.Path, r.Status, r.Err,
			r.took().Round(time.Millisecond), r.Start.Format("15:04:05.000")))
	}
	return out
}

func sum(sizes map[string]uint64) uint64 {
	var total uint64
	for v := range maps.Values(sizes) {
		total += v
	}
	return total
}
