package resilience

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The OSD is SIGKILLed while clients write through the proxy, and restarted after a
// while. Requests in the gap fail fast with 503 (the servers give up after
// rados_op_timeout), the servers recover by themselves (same processes), and every
// write acknowledged with 201, before, during or after the gap, reads back whole.
func TestOSDKilledAndRestartedUnderLoadLosesNoAcknowledgedWrite(t *testing.T) {
	s := privateStack(t)
	client := authenticate(t, s.proxyURL, "test:tester", "testing")
	container := fmt.Sprintf("osd-restart-%d", time.Now().UnixNano())
	client.createContainer(t, container, "")
	servers := map[string]int{}
	for _, name := range []string{"object-server", "container-server", "account-server", "proxy-server"} {
		servers[name] = s.pid(t, name)
	}

	const (
		workers = 6
		// Long enough that requests start, time out and fail inside the gap.
		outage = 3 * radosOpTimeout
		// A request stalled on the dead OSD ends after one librados timeout, or two when
		// the OSD died between a PUT's tails and its head; the rest is margin for two
		// busy cores.
		failBound = 2*radosOpTimeout + 3*time.Second
	)
	l, begin := startSteadyLoad(t, client, container, workers, 0, 3*time.Second)

	killed := time.Now()
	s.killOSD(t)
	osdDown := true
	t.Cleanup(func() {
		if osdDown {
			s.startOSD(t)
		}
	})
	time.Sleep(outage)
	restarted := time.Now()
	s.startOSD(t)
	osdDown = false
	firstAfter := l.waitForSuccesses(t, restarted, 3*workers, 90*time.Second)
	time.Sleep(2 * time.Second) // a stretch of steady load after the recovery
	results := l.stop()

	var acknowledged, failed []putResult
	var slowest, slowestFailure time.Duration
	var lastFailure time.Time
	for _, r := range results {
		slowest = max(slowest, r.took())
		if r.ok() {
			acknowledged = append(acknowledged, r)
			continue
		}
		failed = append(failed, r)
		slowestFailure = max(slowestFailure, r.took())
		if r.End.After(lastFailure) {
			lastFailure = r.End
		}
	}
	var notUnavailable []string
	for _, r := range failed {
		if r.Status != http.StatusServiceUnavailable {
			notUnavailable = append(notUnavailable, fmt.Sprintf("%s: %d %s after %s", r.Path, r.Status, r.Err, r.took()))
		}
	}

	// A PUT that failed may still have been applied (the OSD had the op when it died, or
	// finished it after the server gave up): then it is that version, whole; or nothing.
	var absent, whole int
	var partial []string
	for _, r := range failed {
		status, sum, size, err := client.get(context.Background(), r.Path)
		switch {
		case err == nil && status == http.StatusNotFound:
			absent++
		case err == nil && status == http.StatusOK && sum == r.MD5 && size == int64(r.Size):
			whole++
		default:
			partial = append(partial, fmt.Sprintf("%s: status %d, %d of %d bytes, md5 %s, %v", r.Path, status, size, r.Size, sum, err))
		}
	}
	after := map[string]int{}
	for name := range servers {
		after[name] = s.pid(t, name)
	}
	verifyStart := time.Now()
	wrong := verifyAll(client, acknowledged, 4)
	verifyTook := time.Since(verifyStart)

	t.Logf(`OSD restart under load (%d clients, objects of 1 B-64 KiB and 1-3 MiB with %d KiB stripes, rados_op_timeout %s):
  PUT requests:   %d in %.1fs: %s
  OSD:            SIGKILLed at %s, restarted at %s, load from %s to %s
  failures:       %d, between %s and %s; slowest failure %s, slowest request %s (bound %s)
  recovery:       first 201 of a PUT started after the restart at %s (%.1fs after the restart)
  servers:        pids before %v, after %v
  verified:       %d acknowledged objects read back in %.1fs, %d wrong; failed PUTs: %d absent, %d whole, %d partial`,
		workers, stripeSize>>10, radosOpTimeout,
		len(results), results[len(results)-1].End.Sub(begin).Seconds(), summary(results),
		since(begin, killed), since(begin, restarted), since(begin, begin), since(begin, results[len(results)-1].End),
		len(failed), since(begin, failedFirstEnd(failed)), since(begin, lastFailure), slowestFailure.Round(time.Millisecond),
		slowest.Round(time.Millisecond), failBound,
		since(begin, firstAfter.End), firstAfter.End.Sub(restarted).Seconds(), servers, after,
		len(acknowledged), verifyTook.Seconds(), len(wrong), absent, whole, len(partial))

	require.GreaterOrEqual(t, len(failed), workers, "the outage must have failed requests, or it tested nothing")
	require.Empty(t, notUnavailable, "every request in the gap fails with 503")
	require.LessOrEqual(t, slowest, failBound, "no request hangs on the dead OSD")
	require.Empty(t, wrong, "every acknowledged write reads back whole")
	require.Empty(t, partial, "a failed PUT leaves nothing or its whole version")
	require.Equal(t, servers, after, "every server recovered without a restart")
}

func failedFirstEnd(failed []putResult) time.Time {
	var first time.Time
	for _, r := range failed {
		if first.IsZero() || r.End.Before(first) {
			first = r.End
		}
	}
	return first
}
