// Package memengine is a diskfile engine that keeps every object in the process's
// memory, after Swift's mem_diskfile.py: the object protocol tests run on it in seconds
// and without Ceph. It honours the whole diskfile contract (newest timestamp wins,
// tombstones, atomic overwrites, expiry, ETag checks, verified reads, quarantine) and
// passes the same conformance suite as the RADOS engine. It is the test engine, not a
// production one: nothing survives the process, and no other process or node sees it.
package memengine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/config"
	"github.com/radosswift/radosswift/internal/swift"
)

// Name is the engine's name in a server's config (engine = memory).
const Name = "memory"

func init() {
	diskfile.Register(Name, newFromSettings, func() []config.Key { return keys(new(settings)) })
}

// Config is the engine's tuning.
type Config struct {
	// Capacity bounds the bytes of data all live versions hold together; a commit past
	// it fails with diskfile.ErrNoSpace, as a full pool does. 0: unbounded.
	Capacity int64
	// SkipReadVerify leaves out the MD5 check of whole-object reads (lengths are still
	// checked), as the RADOS engine's rados_verify_reads = false does.
	SkipReadVerify bool
}

// settings are the memory engine's keys in a server's config section.
type settings struct {
	Capacity    int64
	VerifyReads bool
}

// keys is the memory engine's table.
func keys(s *settings) []config.Key {
	return []config.Key{
		config.Bytes("memory_capacity", &s.Capacity, 0, "bytes of object data at most (0: unbounded)"),
		config.Bool("memory_verify_reads", &s.VerifyReads, true, "check the MD5 of every whole-object read"),
	}
}

func newFromSettings(values map[string]string) (diskfile.Engine, error) {
	var s settings
	if err := config.SectionOf("memory engine", values).Decode(keys(&s)); err != nil {
		return nil, err
	}
	return New(Config{Capacity: s.Capacity, SkipReadVerify: !s.VerifyReads}), nil
}

// version is what is stored under one name: the data (or a tombstone) and the POSTs
// that apply to it. A committed version's data is never written again, so an opened
// object keeps reading the bytes it opened whatever is committed after it.
type version struct {
	ts      swift.Timestamp // of the data or the tombstone: the PUT/DELETE guard
	deleted bool
	meta    map[string]string // the PUT's metadata, with X-Timestamp, ETag, Content-Length
	data    []byte
	etag    string
	postTS  swift.Timestamp   // of the last POST: the POST guard
	post    map[string]string // nil when no POST applies
	ctypeTS swift.Timestamp
	ctype   map[string]string // the newest POSTed content type, nil when none
}

// newest is Swift's X-Timestamp of the object: the later of data and POST.
func (v *version) newest() swift.Timestamp {
	if v.post != nil && v.postTS.After(v.ts) {
		return v.postTS
	}
	return v.ts
}

// dropOlderPosts forgets POSTs and content types older than ts: new data or a tombstone
// supersedes them (Swift's hash directory cleanup).
func (v *version) dropOlderPosts(ts swift.Timestamp) {
	if v.post != nil && ts.After(v.postTS) {
		v.post, v.postTS = nil, swift.Timestamp{}
	}
	if v.ctype != nil && ts.After(v.ctypeTS) {
		v.ctype, v.ctypeTS = nil, swift.Timestamp{}
	}
}

// quarantined is a version taken out of service, kept for inspection.
type quarantined struct {
	ref    diskfile.ObjectRef
	v      *version
	reason string
	at     time.Time
}

// Engine implements diskfile.Engine in memory. One mutex guards the whole store: every
// guard and every swap is a map lookup, so nothing waits long on it.
type Engine struct {
	cfg         Config
	mu          sync.Mutex
	objects     map[diskfile.ObjectRef]*version
	used        int64 // bytes of data of the live versions
	quarantined []quarantined
	closed      bool
}

var _ diskfile.Engine = (*Engine)(nil)

// New returns an empty engine.
func New(cfg Config) *Engine {
	return &Engine{cfg: cfg, objects: map[diskfile.ObjectRef]*version{}}
}

// errClosed is what every call after Close returns.
var errClosed = diskfile.Unavailable(errors.New("memory engine closed"))

// Close drops every object; later calls fail as unavailable.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	e.objects = nil
	e.quarantined = nil
	return nil
}

// lock takes the store for one call, or says why the call cannot run.
func (e *Engine) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("request abandoned: %w", err)
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return errClosed
	}
	return nil
}

// Open returns the current version of ref, as the RADOS engine merges it.
func (e *Engine) Open(ctx context.Context, ref diskfile.ObjectRef) (diskfile.Object, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	v, ok := e.objects[ref]
	if !ok {
		return nil, &diskfile.NotFoundError{}
	}
	if v.deleted {
		return nil, &diskfile.DeletedError{Timestamp: v.ts}
	}
	obj := &object{e: e, ref: ref, v: v, newest: v.newest()}
	obj.meta = diskfile.MergeMetadata(v.meta, v.ts, v.post, v.ctype)
	obj.meta[diskfile.KeyTimestamp] = obj.newest.Internal()
	obj.meta[diskfile.KeyContentLength] = strconv.Itoa(len(v.data))
	obj.meta[diskfile.KeyETag] = v.etag
	if diskfile.Expired(obj.meta) {
		return nil, &diskfile.ExpiredError{Timestamp: obj.newest, Metadata: obj.meta}
	}
	return obj, nil
}

// Create starts an upload; its data stays in the writer until Commit.
func (e *Engine) Create(ctx context.Context, ref diskfile.ObjectRef, size int64) (diskfile.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("request abandoned: %w", err)
	}
	w := newWriter(e, ref)
	if size > 0 {
		w.buf.Grow(int(min(size, 64<<20)))
	}
	return w, nil
}

// commit is the writer's guarded swap: the new version replaces the stored one only if
// ts is newer than its data or tombstone.
func (e *Engine) commit(ctx context.Context, ref diskfile.ObjectRef, ts swift.Timestamp, next *version) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.mu.Unlock()
	prev := e.objects[ref]
	if prev != nil && !ts.After(prev.ts) {
		return &diskfile.ConflictError{Stored: prev.ts}
	}
	freed := int64(0)
	if prev != nil {
		freed = int64(len(prev.data))
		// POSTs newer than this data still apply to it, as in Swift.
		next.post, next.postTS, next.ctype, next.ctypeTS = prev.post, prev.postTS, prev.ctype, prev.ctypeTS
		next.dropOlderPosts(ts)
	}
	if e.cfg.Capacity > 0 && e.used-freed+int64(len(next.data)) > e.cfg.Capacity {
		return fmt.Errorf("%w: %d of %d bytes used", diskfile.ErrNoSpace, e.used, e.cfg.Capacity)
	}
	e.used += int64(len(next.data)) - freed
	e.objects[ref] = next
	return nil
}

// Post replaces the POSTed metadata if the object is live and ts is newer than both its
// data and its last POST.
func (e *Engine) Post(ctx context.Context, ref diskfile.ObjectRef, ts swift.Timestamp, meta map[string]string) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.mu.Unlock()
	v, ok := e.objects[ref]
	switch {
	case !ok:
		return &diskfile.NotFoundError{}
	case v.deleted:
		return &diskfile.DeletedError{Timestamp: v.ts}
	case !ts.After(v.newest()):
		return &diskfile.ConflictError{Stored: v.newest()}
	}
	// The stored version is shared with opened objects: change a copy, then swap it in.
	next := *v
	next.post = maps.Clone(meta)
	if next.post == nil {
		next.post = map[string]string{}
	}
	next.post[diskfile.KeyTimestamp] = ts.Internal()
	next.postTS = ts
	if ctTS, err := swift.ParseTimestamp(meta[diskfile.KeyContentTypeTS]); err == nil && meta[diskfile.KeyContentType] != "" &&
		(next.ctype == nil || ctTS.After(next.ctypeTS)) {
		next.ctype = map[string]string{diskfile.KeyContentType: meta[diskfile.KeyContentType], diskfile.KeyContentTypeTS: ctTS.Internal()}
		next.ctypeTS = ctTS
	}
	e.objects[ref] = &next
	return nil
}

// Delete leaves a tombstone at ts if ts is newer than the stored data or tombstone.
func (e *Engine) Delete(ctx context.Context, ref diskfile.ObjectRef, ts swift.Timestamp) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.mu.Unlock()
	next := &version{ts: ts, deleted: true}
	if prev, ok := e.objects[ref]; ok {
		if !ts.After(prev.ts) {
			return &diskfile.ConflictError{Stored: prev.ts}
		}
		e.used -= int64(len(prev.data))
		next.post, next.postTS, next.ctype, next.ctypeTS = prev.post, prev.postTS, prev.ctype, prev.ctypeTS
		next.dropOlderPosts(ts)
	}
	e.objects[ref] = next
	return nil
}

// Quarantine takes the version at ts out of service (a newer version is left alone,
// as the RADOS engine's guarded removal does) and keeps it aside, counted.
func (e *Engine) Quarantine(ctx context.Context, ref diskfile.ObjectRef, ts swift.Timestamp, reason string) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.mu.Unlock()
	v, ok := e.objects[ref]
	if !ok {
		return &diskfile.NotFoundError{}
	}
	if v.ts != ts {
		return &diskfile.ConflictError{Stored: v.ts}
	}
	e.quarantined = append(e.quarantined, quarantined{ref: ref, v: v, reason: reason, at: time.Now()})
	e.used -= int64(len(v.data))
	delete(e.objects, ref)
	return nil
}

// QuarantineCount is the number of versions quarantined since the engine started.
func (e *Engine) QuarantineCount(ctx context.Context) (int, error) {
	if err := e.lock(ctx); err != nil {
		return 0, err
	}
	defer e.mu.Unlock()
	return len(e.quarantined), nil
}

// QuarantineReasons lists why each quarantined version was taken out of service, in order.
func (e *Engine) QuarantineReasons() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	reasons := make([]string, len(e.quarantined))
	for i, q := range e.quarantined {
		reasons[i] = q.ref.Path() + ": " + q.reason
	}
	return reasons
}

// UsedBytes is the data the live versions hold, what Capacity bounds.
func (e *Engine) UsedBytes() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.used
}

// Corrupt changes the stored bytes of the current version of ref in place, keeping its
// ETag and length, as bit rot on a disk would: for tests of the integrity checks that
// must catch it. Objects opened before see the damage too, as they would on a disk.
func (e *Engine) Corrupt(ref diskfile.ObjectRef, offset int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, ok := e.objects[ref]
	if !ok || v.deleted {
		return &diskfile.NotFoundError{}
	}
	if offset < 0 || offset >= int64(len(v.data)) {
		return fmt.Errorf("offset %d outside an object of %d bytes", offset, len(v.data))
	}
	v.data[offset] ^= 0xff
	return nil
}
