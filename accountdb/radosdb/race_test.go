package radosdb_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
)

// racerUpdates are the rows one racing process merges, derived from its id alone so the
// parent can compute the expected outcome. Few names and jittered timestamps make the
// two processes update the same rows (and the same shards' stats) out of order all the
// time; the offset keeps every timestamp distinct between processes.
func racerUpdates(id, count int) []accountdb.ObjectRow {
	rng := rand.New(rand.NewSource(int64(id) * 7919))
	rows := make([]accountdb.ObjectRow, count)
	for i := range rows {
		row := accountdb.ObjectRow{
			Name:      fmt.Sprintf("obj-%02d", rng.Intn(40)),
			Timestamp: swift.Timestamp{Ticks: 1700000000_00000 + int64(rng.Intn(count*4)), Offset: uint64(id)},
			Size:      int64(rng.Intn(1 << 20)),
			ETag:      strconv.Itoa(i),
		}
		row.Deleted = rng.Intn(4) == 0
		if rng.Intn(10) == 0 {
			row.StoragePolicyIndex = 1 // a misplaced row: counted under its own policy, never listed
		}
		rows[i] = row
	}
	return rows
}

const racerAccount, racerContainer = "AUTH_race", "contended"

// TestHelperMergeRacer is not a test: it is one of the racing processes.
func TestHelperMergeRacer(t *testing.T) {
	id, _ := strconv.Atoi(os.Getenv("MERGE_RACER_ID"))
	if id == 0 {
		t.Skip("helper process for TestTwoProcessesMergingIntoOneContainerKeepExactStats")
	}
	count, _ := strconv.Atoi(os.Getenv("MERGE_RACER_COUNT"))
	b := openBackendIn(t, testbed.Require(t), os.Getenv("MERGE_RACER_NAMESPACE"), 2)
	c := b.Container(racerAccount, racerContainer)
	rows := racerUpdates(id, count)
	rng := rand.New(rand.NewSource(int64(id)))
	for len(rows) > 0 {
		n := min(len(rows), 1+rng.Intn(3)) // mostly single rows, as object servers send them
		require.NoError(t, c.MergeObjects(context.Background(), rows[:n]))
		rows = rows[n:]
	}
	fmt.Printf("RESULT conflicts=%d\n", b.Conflicts.Load())
}

func TestTwoProcessesMergingIntoOneContainerKeepExactStats(t *testing.T) {
	bed := testbed.Require(t)
	namespace := fmt.Sprintf("race%d", time.Now().UnixNano())
	count := 3000
	if testing.Short() {
		count = 500
	}
	b := openBackendIn(t, bed, namespace, 2)
	c := b.Container(racerAccount, racerContainer)
	ctx := context.Background()
	require.NoError(t, c.Initialize(ctx, swift.Now(), 0))

	done := make(chan string, 2)
	for id := 1; id <= 2; id++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMergeRacer$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "MERGE_RACER_ID="+strconv.Itoa(id), "MERGE_RACER_NAMESPACE="+namespace, "MERGE_RACER_COUNT="+strconv.Itoa(count))
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		go func() {
			result := ""
			scanner := bufio.NewScanner(stdout)
			for scanner.Scan() {
				line := scanner.Text()
				if strings.HasPrefix(line, "RESULT ") || strings.HasPrefix(line, "--- FAIL") || strings.Contains(line, "Error") {
					result += line + "\n"
				}
			}
			if err := cmd.Wait(); err != nil {
				result += "FAILED: " + err.Error()
			}
			done <- result
		}()
	}
	totalConflicts := 0
	for range 2 {
		select {
		case result := <-done:
			require.NotContains(t, result, "FAIL", result)
			var conflicts int
			_, err := fmt.Sscanf(strings.TrimSpace(result), "RESULT conflicts=%d", &conflicts)
			require.NoError(t, err, result)
			totalConflicts += conflicts
		case <-time.After(5 * time.Minute):
			t.Fatal("racers did not finish")
		}
	}
	t.Logf("%d rows merged by two processes, %d guarded steps redone after conflicts", 2*count, totalConflicts)
	require.Positive(t, totalConflicts, "the processes must really have contended")

	// The expected outcome: per name, the rows merged in timestamp order (merge order
	// must not matter), and stats over the winners.
	all := append(racerUpdates(1, count), racerUpdates(2, count)...)
	winners := map[string]*accountdb.ObjectRow{}
	for _, row := range all {
		merged, apply := accountdb.MergeObjectRow(winners[row.Name], row)
		if apply {
			winners[row.Name] = &merged
		}
	}
	var wantCount, wantBytes int64
	var wantListed []string
	for _, row := range winners {
		if !row.Deleted && row.StoragePolicyIndex == 0 {
			wantCount++
			wantBytes += row.Size
			wantListed = append(wantListed, row.Name)
		}
	}
	info, err := c.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, wantCount, info.ObjectCount)
	require.Equal(t, wantBytes, info.BytesUsed)
	listed, err := c.ListObjects(ctx, accountdb.ListParams{Limit: 1000})
	require.NoError(t, err)
	require.ElementsMatch(t, wantListed, names(listed))
	for _, e := range listed {
		require.Equal(t, *winners[e.Name], e.ObjectRow, "the newest row wins: %s", e.Name)
	}
}
