package radosengine_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/diskfiletest"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
)

// The crash tests run with small stripes, so that a few MiB make many tails, and two
// stripes in flight, so that a killed writer can leave a hole below its last tail.
const (
	crashStripe   = 256 << 10
	crashParallel = 2
	crashStripes  = 10 // full stripes the killed writer hands to tails
	crashTimeout  = 60 * time.Second
)

// crashConfig is the engine of the crash tests: nothing is kept for grace or for an
// upload that might still commit, so one collector pass reclaims all it ever will.
func crashConfig(c *radosengine.Config) {
	c.StripeSize = crashStripe
	c.Parallel = crashParallel
	c.GCGrace = 0
	c.UploadTimeout = 0
}

// sameNamespace opens another engine on e's namespace, tuned otherwise, as another
// node of the same installation would be.
func sameNamespace(t *testing.T, e *radosengine.Engine, tune func(*radosengine.Config)) *radosengine.Engine {
	t.Helper()
	bed := testbed.Require(t)
	cfg := e.Config()
	tune(&cfg)
	other, err := radosengine.New(bed.Connect(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { other.Close() })
	return other
}

// tailsFor is how many tails an object of size bytes has: none when it fits in its head.
func tailsFor(size int64) int {
	if size <= crashStripe {
		return 0
	}
	return int((size + crashStripe - 1) / crashStripe)
}

// sorted lists the names of a namespace with prefix, sorted.
func sorted(raw *rawIO, prefix string) []string {
	names := raw.names(prefix)
	sort.Strings(names)
	return names
}

// minus is what of names is not in old.
func minus(names, old []string) []string {
	seen := map[string]bool{}
	for _, n := range old {
		seen[n] = true
	}
	var out []string
	for _, n := range names {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}

// requireNames compares lists of names and reports only the difference: a leak can be
// thousands of names.
func requireNames(t *testing.T, want, got []string, what string) {
	t.Helper()
	extra, missing := minus(got, want), minus(want, got)
	if len(extra)+len(missing) > 0 {
		t.Fatalf("%s: %d names too many %v, %d missing %v", what, len(extra), sample(extra), len(missing), sample(missing))
	}
}

func sample(names []string) []string {
	if len(names) > 4 {
		return append(names[:4:4], fmt.Sprintf("... (%d more)", len(names)-4))
	}
	return names
}

// uploadsOf groups tail names "t.<upload>.<index>" by upload: upload -> tail count.
func uploadsOf(tails []string) map[string]int {
	out := map[string]int{}
	for _, n := range tails {
		upload := strings.Split(n, ".")[1]
		out[upload]++
	}
	return out
}

// gcIndexEntry is what the tests read of a collector index entry.
type gcIndexEntry struct {
	Committed bool  `json:"committed"`
	Noticed   int64 `json:"noticed"`
}

// gcEntries reads every entry of the collector's index of e, behind the engine's back.
func gcEntries(t *testing.T, e *radosengine.Engine) map[string]gcIndexEntry {
	t.Helper()
	bed := testbed.Require(t)
	ioctx, err := bed.Connect(t).OpenPool(bed.Pool)
	require.NoError(t, err)
	defer ioctx.Destroy()
	ioctx.SetNamespace(e.Config().Namespace + ".gc")
	iter, err := ioctx.Iter()
	require.NoError(t, err)
	defer iter.Close()
	out := map[string]gcIndexEntry{}
	for iter.Next() {
		vals, err := ioctx.GetAllOmapValues(iter.Value(), "", "", 100)
		require.NoError(t, err)
		for k, v := range vals {
			var entry gcIndexEntry
			require.NoError(t, json.Unmarshal(v, &entry), "entry %s: %s", k, v)
			out[k] = entry
		}
	}
	require.NoError(t, iter.Err())
	return out
}

func keysOf(m map[string]gcIndexEntry) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// requireWhole reads ref whole and checks it is exactly want, stored at ts.
func requireWhole(t *testing.T, e diskfile.Engine, ref diskfile.ObjectRef, ts swift.Timestamp, want []byte) {
	t.Helper()
	obj, got, err := diskfiletest.ReadAll(t, e, ref)
	require.NoError(t, err)
	require.Equal(t, ts, obj.DataTimestamp(), "the version")
	require.Equal(t, int64(len(want)), obj.ContentLength())
	require.Equal(t, diskfiletest.MD5(want), obj.ETag(), "stored ETag")
	require.Equal(t, diskfiletest.MD5(want), diskfiletest.MD5(got), "md5 of the bytes read")
	require.True(t, bytes.Equal(want, got), "content differs")
}

func collect(t *testing.T, e *radosengine.Engine) diskfile.GCReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), crashTimeout)
	defer cancel()
	rep, err := e.CollectGarbage(ctx)
	require.NoError(t, err)
	require.Zero(t, rep.Errors, "collector: %v", rep)
	t.Logf("collector: %v", rep)
	return rep
}

// clock hands out increasing timestamps a second apart, starting an hour ago.
type clock struct{ next swift.Timestamp }

func newClock() *clock { return &clock{next: swift.FromTime(time.Now().Add(-time.Hour))} }

func (c *clock) tick() swift.Timestamp {
	c.next.Ticks += 100000
	return c.next
}

// The killed writer. TestHelperWriterProcess runs in a process of its own, started by
// startWriter; it writes a new version of one object and stops at a point, printing
// "at <point>", until the test kills it.

const (
	envPoint     = "CRASH_WRITER_POINT"
	envNamespace = "CRASH_WRITER_NAMESPACE"
	envObject    = "CRASH_WRITER_OBJECT"
	envStripe    = "CRASH_WRITER_STRIPE"
	envStripes   = "CRASH_WRITER_STRIPES"
)

// Points where the writer stops.
const (
	beforeFirstTail = "before-first-tail" // less than a stripe fed: nothing written yet
	betweenTails    = "between-tails"     // some stripes in tails, more to come
	beforeHead      = "before-head"       // every full stripe in its tail, the head not written
	discarding      = "discarding"        // aborted: removing its tails
)

// TestHelperWriterProcess is not a test: it is the writer that TestKilledWriterLeavesOldVersionWhole kills.
func TestHelperWriterProcess(t *testing.T) {
	point := os.Getenv(envPoint)
	if point == "" {
		t.Skip("helper process for TestKilledWriterLeavesOldVersionWhole")
	}
	bed := testbed.Require(t)
	cluster := bed.Connect(t)
	cfg := radosengine.DefaultConfig(bed.Pool)
	cfg.Namespace = os.Getenv(envNamespace)
	var err error
	cfg.StripeSize, err = strconv.ParseInt(os.Getenv(envStripe), 10, 64)
	require.NoError(t, err)
	stripes, err := strconv.Atoi(os.Getenv(envStripes))
	require.NoError(t, err)
	cfg.Parallel = crashParallel
	e, err := radosengine.New(cluster, cfg)
	require.NoError(t, err)
	ioctx, err := cluster.OpenPool(bed.Pool)
	require.NoError(t, err)
	ioctx.SetNamespace(cfg.Namespace)
	raw := &rawIO{t: t, ioctx: ioctx}
	old := raw.names("t.")

	ref := diskfile.ObjectRef{Account: "AUTH_test", Container: "c", Object: os.Getenv(envObject)}
	size := int64(stripes)*cfg.StripeSize + 777
	data := diskfiletest.Payload(size, 99)
	w, err := e.Create(context.Background(), ref, size)
	require.NoError(t, err)
	feed := func(upTo int64) {
		for w.Written() < upTo {
			n := min(upTo-w.Written(), 100003)
			_, err := w.Write(data[w.Written() : w.Written()+n])
			require.NoError(t, err)
			fmt.Printf("fed %d\n", w.Written())
		}
	}
	// waitTails waits until the upload's tails are written, as far as wanted.
	waitTails := func(want int) {
		for deadline := time.Now().Add(crashTimeout); len(minus(raw.names("t."), old)) < want; {
			require.True(t, time.Now().Before(deadline), "fewer than %d tails were written", want)
			time.Sleep(20 * time.Millisecond)
		}
	}
	switch point {
	case beforeFirstTail:
		feed(cfg.StripeSize / 2)
	case betweenTails:
		feed(4*cfg.StripeSize + 1) // four stripes handed to tails
		waitTails(2)
	case beforeHead:
		feed(size)
		waitTails(stripes)
	case discarding:
		feed(size)
		waitTails(stripes)
	default:
		t.Fatalf("unknown point %q", point)
	}
	fmt.Printf("at %s\n", point)
	if point == discarding {
		w.Abort()
		fmt.Println("aborted")
	}
	time.Sleep(2 * time.Minute) // the test kills the process long before
}

// writerProcess is a running TestHelperWriterProcess.
type writerProcess struct {
	cmd      *exec.Cmd
	lines    chan string
	output   []string
	killOnce sync.Once
}

func startWriter(t *testing.T, e *radosengine.Engine, ref diskfile.ObjectRef, point string, stripe int64, stripes int) *writerProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriterProcess$", "-test.count=1", "-test.timeout=3m")
	cmd.Env = append(os.Environ(),
		envPoint+"="+point,
		envNamespace+"="+e.Config().Namespace,
		envObject+"="+ref.Object,
		envStripe+"="+strconv.FormatInt(stripe, 10),
		envStripes+"="+strconv.Itoa(stripes))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	p := &writerProcess{cmd: cmd, lines: make(chan string, 4096)}
	t.Cleanup(p.kill)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			p.lines <- scanner.Text()
		}
		close(p.lines)
	}()
	return p
}

// waitFor reads the writer's output until the line want, failing on exit or timeout.
func (p *writerProcess) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.NewTimer(crashTimeout)
	defer timeout.Stop()
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.kill()
				t.Fatalf("the writer ended before %q:\n%s", want, strings.Join(p.output, "\n"))
			}
			p.output = append(p.output, line)
			if line == want {
				return
			}
		case <-timeout.C:
			p.kill()
			t.Fatalf("the writer did not say %q within %s:\n%s", want, crashTimeout, strings.Join(p.output, "\n"))
		}
	}
}

// fed is the last progress the writer reported.
func (p *writerProcess) fed() string {
	for i := len(p.output) - 1; i >= 0; i-- {
		if strings.HasPrefix(p.output[i], "fed ") {
			return p.output[i]
		}
	}
	return "fed 0"
}

// kill sends SIGKILL, the crash no code of the writer sees coming, and reaps it.
func (p *writerProcess) kill() {
	p.killOnce.Do(func() {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	})
}

func TestKilledWriterLeavesOldVersionWhole(t *testing.T) {
	testbed.Require(t)
	for _, old := range []struct {
		name string
		size int64
	}{
		{"the large old version", 3*crashStripe + 1234},
		{"the small inline old version", 5000},
	} {
		for _, tc := range []struct {
			name  string
			point string
			// deadTails is how many tails of the killed upload exist at the kill: exactly,
			// or at least when atLeast.
			deadTails int
			atLeast   bool
		}{
			{"before its first tail", beforeFirstTail, 0, false},
			{"between tails", betweenTails, 2, true},
			{"just before writing the head", beforeHead, crashStripes, false},
		} {
			t.Run(fmt.Sprintf("a writer killed %s leaves %s whole and the collector all but it", tc.name, old.name), func(t *testing.T) {
				e := newEngine(t, crashConfig)
				raw := rawData(t, e)
				ref := testRef(t)
				oldData := diskfiletest.Payload(old.size, old.size)
				oldTS := swift.Now()
				require.NoError(t, diskfiletest.Put(t, e, ref, oldTS, oldData, map[string]string{"X-Object-Meta-Version": "old"}))
				liveTails := sorted(raw, "t.")
				require.Len(t, liveTails, tailsFor(old.size))
				heads := sorted(raw, "o.")
				require.Len(t, heads, 1)
				liveEntries := gcEntries(t, e)

				writer := startWriter(t, e, ref, tc.point, crashStripe, crashStripes)
				writer.waitFor(t, "at "+tc.point)
				deadTails := minus(sorted(raw, "t."), liveTails)
				deadEntries := minus(keysOf(gcEntries(t, e)), keysOf(liveEntries))
				writer.kill()
				t.Logf("killed after %q with %d tails and %d index entries of its own", writer.fed(), len(deadTails), len(deadEntries))
				if tc.atLeast {
					require.GreaterOrEqual(t, len(deadTails), tc.deadTails)
				} else {
					require.Len(t, deadTails, tc.deadTails)
				}
				if tc.deadTails > 0 {
					require.Len(t, deadEntries, 1, "the upload's intent is in the index before its first tail")
				} else {
					require.Empty(t, deadEntries, "nothing is written before the first stripe is full")
				}

				requireWhole(t, e, ref, oldTS, oldData)

				rep := collect(t, e)
				require.Equal(t, len(deadEntries), rep.UploadsReclaimed)
				require.Len(t, sorted(raw, ""), 1+tailsFor(old.size), "one head and the live version's tails")
				requireNames(t, heads, sorted(raw, "o."), "heads")
				requireNames(t, liveTails, sorted(raw, "t."), "no tail of the killed upload remains")
				require.Equal(t, keysOf(liveEntries), keysOf(gcEntries(t, e)), "no index entry of the killed upload remains")
				requireWhole(t, e, ref, oldTS, oldData)

				// The name takes new versions as before.
				newData := diskfiletest.Payload(2*crashStripe+1, 3)
				newTS := swift.Now()
				require.NoError(t, diskfiletest.Put(t, e, ref, newTS, newData, nil))
				requireWhole(t, e, ref, newTS, newData)
			})
		}
	}

	// A writer that aborts removes its tails one by one; killed halfway through, it leaves
	// some of them, and the collector must find every one that is left.
	t.Run("a writer killed while removing the tails of its aborted upload leaves the collector none to miss", func(t *testing.T) {
		const stripe, stripes = 4 << 10, 1500
		e := newEngine(t, crashConfig)
		raw := rawData(t, e)
		ref := testRef(t)
		oldData := diskfiletest.Payload(3*crashStripe+1234, 1)
		oldTS := swift.Now()
		require.NoError(t, diskfiletest.Put(t, e, ref, oldTS, oldData, nil))
		liveTails := sorted(raw, "t.")
		liveEntries := gcEntries(t, e)

		writer := startWriter(t, e, ref, discarding, stripe, stripes)
		writer.waitFor(t, "at "+discarding)
		// Kill as soon as the first tails are gone.
		for deadline := time.Now().Add(crashTimeout); len(raw.names("t.")) >= len(liveTails)+stripes; {
			require.True(t, time.Now().Before(deadline), "the aborted writer removed no tail")
			time.Sleep(5 * time.Millisecond)
		}
		writer.kill()
		left := len(minus(sorted(raw, "t."), liveTails))
		t.Logf("killed with %d of its %d tails left", left, stripes)
		require.Positive(t, left, "the kill came after the writer removed all its tails; the test needs more tails")
		require.Less(t, left, stripes)

		requireWhole(t, e, ref, oldTS, oldData)
		rep := collect(t, e)
		require.Equal(t, 1, rep.UploadsReclaimed)
		requireNames(t, liveTails, sorted(raw, "t."), "no tail of the aborted upload remains")
		require.Len(t, sorted(raw, ""), 1+len(liveTails))
		require.Equal(t, keysOf(liveEntries), keysOf(gcEntries(t, e)))
		requireWhole(t, e, ref, oldTS, oldData)
	})
}

func TestOverwritesAndDeletesLeaveOnlyWhatLiveObjectsNeed(t *testing.T) {
	e := newEngine(t, crashConfig)
	inGrace := sameNamespace(t, e, func(c *radosengine.Config) { c.GCGrace = time.Hour })
	reclaiming := sameNamespace(t, e, func(c *radosengine.Config) { c.ReclaimAge = 0 })
	raw := rawData(t, e)
	c := newClock()

	type version struct {
		ts   swift.Timestamp
		data []byte
	}
	put := func(ref diskfile.ObjectRef, size int64) version {
		v := version{c.tick(), diskfiletest.Payload(size, size+c.next.Ticks)}
		require.NoError(t, diskfiletest.Put(t, e, ref, v.ts, v.data, nil))
		return v
	}
	ref := func(name string) diskfile.ObjectRef {
		return diskfile.ObjectRef{Account: "AUTH_test", Container: "c", Object: name}
	}
	large, larger, small := int64(3*crashStripe+11), int64(5*crashStripe), int64(1000)
	a, b, d, gone := ref("large overwritten by large, twice"), ref("large overwritten by small"), ref("small overwritten by large"), ref("large then deleted")

	a1 := put(a, large)
	put(b, large)
	put(d, small)
	put(gone, large)
	require.Len(t, sorted(raw, "t."), 3*tailsFor(large))

	// A reader opens the first version of a and streams its first stripe...
	oldA, err := e.Open(context.Background(), a)
	require.NoError(t, err)
	oldReader, err := oldA.Reader(context.Background(), 0, oldA.ContentLength())
	require.NoError(t, err)
	defer oldReader.Close()
	first := make([]byte, crashStripe)
	_, err = io.ReadFull(oldReader, first)
	require.NoError(t, err)

	// ...while everything is overwritten or deleted.
	put(a, larger)
	a3 := put(a, large)
	b2 := put(b, small)
	d2 := put(d, larger)
	goneTS := c.tick()
	require.NoError(t, e.Delete(context.Background(), gone, goneTS))
	allTails := sorted(raw, "t.")
	require.Len(t, allTails, 4*tailsFor(large)+2*tailsFor(larger))

	t.Run("the collector keeps superseded tails in grace and the old reader finishes whole", func(t *testing.T) {
		rep := collect(t, inGrace)
		require.Zero(t, rep.UploadsReclaimed)
		requireNames(t, allTails, sorted(raw, "t."), "tails")
		noticed := 0
		for _, entry := range gcEntries(t, e) {
			if entry.Noticed != 0 {
				noticed++
			}
		}
		require.Equal(t, 4, noticed, "the superseded uploads are marked, their grace begins")
		rest, err := io.ReadAll(oldReader)
		require.NoError(t, err, "the old version's tails are still there")
		require.Equal(t, a1.data, append(first, rest...))
		_, got, err := diskfiletest.ReadAll(t, e, a)
		require.NoError(t, err)
		require.Equal(t, a3.data, got)
	})

	liveHeads := sorted(raw, "o.")
	require.Len(t, liveHeads, 4, "a, b, d and the tombstone of gone")
	t.Run("after grace the collector leaves exactly the heads and the live tails", func(t *testing.T) {
		rep := collect(t, e)
		require.Equal(t, 4, rep.UploadsReclaimed, "a's first two versions, b's and gone's first")
		require.Zero(t, rep.TombstonesReclaimed, "the tombstone is younger than reclaim_age")
		tails := sorted(raw, "t.")
		require.Len(t, tails, tailsFor(large)+tailsFor(larger), "a's third version and d's second")
		require.Len(t, uploadsOf(tails), 2)
		require.Empty(t, minus(tails, allTails))
		requireNames(t, liveHeads, sorted(raw, "o."), "heads")
		require.Len(t, sorted(raw, ""), len(liveHeads)+len(tails))
		entries := gcEntries(t, e)
		require.Len(t, entries, 3, "the live uploads of a and d, the tombstone of gone: %v", keysOf(entries))
		for upload := range uploadsOf(tails) {
			require.True(t, entries["u."+upload].Committed, "upload %s", upload)
		}

		requireWhole(t, e, a, a3.ts, a3.data)
		requireWhole(t, e, b, b2.ts, b2.data)
		requireWhole(t, e, d, d2.ts, d2.data)
		_, err := e.Open(context.Background(), gone)
		var deleted *diskfile.DeletedError
		require.ErrorAs(t, err, &deleted)
		require.Equal(t, goneTS, deleted.Timestamp)

		// A reader of a reclaimed version fails: it neither mixes versions nor quarantines.
		_, err = readerOf(t, oldA)
		require.Error(t, err)
		require.NotErrorIs(t, err, diskfile.ErrQuarantined)
		n, err := e.QuarantineCount(context.Background())
		require.NoError(t, err)
		require.Zero(t, n)

		again := collect(t, e)
		require.Zero(t, again.UploadsReclaimed+again.TombstonesReclaimed, "a second pass finds nothing more")
		requireNames(t, tails, sorted(raw, "t."), "tails")
	})

	t.Run("a tombstone past reclaim age is removed and the name takes a new PUT", func(t *testing.T) {
		tailsNow := sorted(raw, "t.")
		rep := collect(t, reclaiming)
		require.Equal(t, 1, rep.TombstonesReclaimed)
		require.Zero(t, rep.UploadsReclaimed)
		require.Len(t, sorted(raw, "o."), 3, "the tombstone head is gone")
		requireNames(t, tailsNow, sorted(raw, "t."), "tails")
		require.Len(t, gcEntries(t, e), 2, "only the live uploads are indexed")
		_, err := e.Open(context.Background(), gone)
		var nf *diskfile.NotFoundError
		require.ErrorAs(t, err, &nf)

		back := put(gone, large)
		requireWhole(t, e, gone, back.ts, back.data)
		require.Len(t, sorted(raw, "o."), 4)
		require.Len(t, sorted(raw, "t."), len(tailsNow)+tailsFor(large))
		rep = collect(t, e)
		require.Zero(t, rep.UploadsReclaimed+rep.TombstonesReclaimed)
		requireWhole(t, e, gone, back.ts, back.data)
	})
}

func TestTailsOfAFailedUploadAreRemovedAtOnce(t *testing.T) {
	const size = 4*crashStripe + 3
	for _, tc := range []struct {
		name string
		fail func(t *testing.T, w diskfile.Writer, c *clock)
	}{
		{"an ETag mismatch", func(t *testing.T, w diskfile.Writer, c *clock) {
			err := w.Commit(context.Background(), c.tick(), "0123456789abcdef0123456789abcdef", nil)
			require.ErrorIs(t, err, diskfile.ErrETagMismatch)
		}},
		{"an abort", func(t *testing.T, w diskfile.Writer, c *clock) {
			w.Abort()
		}},
		{"a commit older than the stored version", func(t *testing.T, w diskfile.Writer, c *clock) {
			err := w.Commit(context.Background(), swift.FromTime(time.Now().Add(-2*time.Hour)), "", nil)
			var conflict *diskfile.ConflictError
			require.ErrorAs(t, err, &conflict)
		}},
	} {
		t.Run(tc.name+" on a multi-stripe upload leaves no tail and no index entry", func(t *testing.T) {
			// Grace and upload timeout at their defaults: only the writer itself cleans up.
			e := newEngine(t, func(c *radosengine.Config) { c.StripeSize = crashStripe; c.Parallel = crashParallel })
			raw := rawData(t, e)
			ref := testRef(t)
			c := newClock()
			origTS := c.tick()
			orig := []byte("original")
			require.NoError(t, diskfiletest.Put(t, e, ref, origTS, orig, nil))
			require.Empty(t, gcEntries(t, e))

			w, err := e.Create(context.Background(), ref, size)
			require.NoError(t, err)
			_, err = w.Write(diskfiletest.Payload(size, 8))
			require.NoError(t, err)
			// Four stripes were handed to tails, and a slot frees only when a tail is
			// written: at least four minus Parallel exist now.
			require.GreaterOrEqual(t, len(raw.names("t.")), 4-crashParallel)
			require.Len(t, gcEntries(t, e), 1, "the upload's intent")

			tc.fail(t, w, c)
			require.Empty(t, raw.names("t."), "no tail is left")
			require.Empty(t, gcEntries(t, e), "no index entry is left")
			require.Len(t, raw.names(""), 1, "only the head of the original")
			requireWhole(t, e, ref, origTS, orig)
		})
	}
}
