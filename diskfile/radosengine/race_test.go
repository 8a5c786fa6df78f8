package radosengine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/diskfiletest"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
)

// racerResult is what one racing process reports: its newest successful operation.
type racerResult struct {
	Ops, Conflicts, Errors int
	NewestTS               string // internal timestamp of its newest acknowledged op
	NewestDelete           bool
	NewestSize             int64
}

const racerStripe = 64 << 10

// TestHelperRacerProcess is not a test: it is one of the racing processes.
func TestHelperRacerProcess(t *testing.T) {
	id := os.Getenv("RACER_ID")
	if id == "" {
		t.Skip("helper process for TestTwoProcessesRacingOnOneNameLeaveTheNewest")
	}
	bed := testbed.Require(t)
	cfg := radosengine.DefaultConfig(bed.Pool)
	cfg.Namespace = os.Getenv("RACER_NAMESPACE")
	cfg.StripeSize = racerStripe
	e, err := radosengine.New(bed.Connect(t), cfg)
	require.NoError(t, err)
	defer e.Close()
	ref := diskfile.ObjectRef{Account: "AUTH_race", Container: "c", Object: "contended"}
	offset, _ := strconv.ParseUint(id, 10, 64)
	duration, _ := time.ParseDuration(os.Getenv("RACER_DURATION"))
	rng := rand.New(rand.NewSource(int64(offset) * 7919))

	var res racerResult
	var newest swift.Timestamp
	for end := time.Now().Add(duration); time.Now().Before(end); {
		// Timestamps jitter around now, so the two processes' operations arrive out of
		// order all the time; the offset keeps them distinct between processes.
		ts := swift.FromTime(time.Now().Add(time.Duration(rng.Intn(40)-20) * time.Millisecond))
		ts.Offset = offset
		size := []int64{0, 1000, 3*racerStripe + 17}[rng.Intn(3)]
		del := rng.Intn(5) == 0
		if del {
			err = e.Delete(context.Background(), ref, ts)
		} else {
			err = diskfiletest.Put(t, e, ref, ts, payloadFor(ts, size), map[string]string{"X-Object-Meta-Ts": ts.Internal()})
		}
		res.Ops++
		var conflict *diskfile.ConflictError
		switch {
		case errors.As(err, &conflict):
			res.Conflicts++
		case err != nil:
			res.Errors++
		case ts.After(newest):
			newest, res.NewestDelete, res.NewestSize = ts, del, size
		}
	}
	res.NewestTS = newest.Internal()
	out, _ := json.Marshal(res)
	fmt.Println("RESULT " + string(out))
}

func payloadFor(ts swift.Timestamp, size int64) []byte {
	return diskfiletest.Payload(size, ts.Ticks^int64(ts.Offset))
}

func TestTwoProcessesRacingOnOneNameLeaveTheNewest(t *testing.T) {
	bed := testbed.Require(t)
	namespace := fmt.Sprintf("race-%d", time.Now().UnixNano())
	duration := "20s"
	if testing.Short() {
		duration = "3s"
	}
	results := make(chan racerResult, 2)
	for id := 1; id <= 2; id++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRacerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "RACER_ID="+strconv.Itoa(id), "RACER_NAMESPACE="+namespace, "RACER_DURATION="+duration)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		go func() {
			scanner := bufio.NewScanner(stdout)
			var res racerResult
			for scanner.Scan() {
				if line := scanner.Text(); len(line) > 7 && line[:7] == "RESULT " {
					json.Unmarshal([]byte(line[7:]), &res)
				}
			}
			results <- res
		}()
	}
	var newest racerResult
	var newestTS swift.Timestamp
	for i := 0; i < 2; i++ {
		select {
		case res := <-results:
			t.Logf("racer: %d ops, %d conflicts, %d errors", res.Ops, res.Conflicts, res.Errors)
			require.Zero(t, res.Errors)
			require.Positive(t, res.Conflicts, "the timestamps must really interleave")
			ts, err := swift.ParseTimestamp(res.NewestTS)
			require.NoError(t, err, "a racer reported no acknowledged op")
			if ts.After(newestTS) {
				newest, newestTS = res, ts
			}
		case <-time.After(2 * time.Minute):
			t.Fatal("racers did not finish")
		}
	}

	cfg := radosengine.DefaultConfig(bed.Pool)
	cfg.Namespace = namespace
	cfg.StripeSize = racerStripe
	e, err := radosengine.New(bed.Connect(t), cfg)
	require.NoError(t, err)
	defer e.Close()
	ref := diskfile.ObjectRef{Account: "AUTH_race", Container: "c", Object: "contended"}
	obj, data, err := diskfiletest.ReadAll(t, e, ref)
	if newest.NewestDelete {
		var del *diskfile.DeletedError
		require.ErrorAs(t, err, &del)
		require.Equal(t, newestTS, del.Timestamp)
		return
	}
	require.NoError(t, err)
	require.Equal(t, newestTS, obj.DataTimestamp(), "the newest acknowledged write wins")
	require.Equal(t, newestTS.Internal(), obj.Metadata()["X-Object-Meta-Ts"])
	require.Equal(t, payloadFor(newestTS, newest.NewestSize), data, "content intact")
}
