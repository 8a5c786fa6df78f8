// Package diskfile is the storage engine seam of the object server, after Swift's
// swift/obj/diskfile.py: the server speaks HTTP and Swift's rules, an Engine owns bytes,
// metadata and atomicity. Engines register by name; each storage policy names one.
package diskfile

import (
	"context"
	"io"

	"github.com/radosswift/radosswift/internal/swift"
)

// ObjectRef names an object. Device and partition are not part of it on purpose: an
// engine finds the same object whichever ring slot a request names.
type ObjectRef struct {
	Policy    int
	Account   string
	Container string
	Object    string
}

// Path is "/account/container/object", the name stored with the object and checked on open.
func (r ObjectRef) Path() string { return "/" + r.Account + "/" + r.Container + "/" + r.Object }

// Engine stores the objects of one or more storage policies. Every method is safe for
// concurrent use, also by other processes and nodes on the same backend.
type Engine interface {
	// Open reads an object's metadata (and, cheaply, its first bytes). It returns
	// *NotFoundError, *DeletedError, *ExpiredError, ErrCollision or ErrQuarantined
	// when the object cannot be served.
	Open(ctx context.Context, ref ObjectRef) (Object, error)
	// Create starts a new version of the object; size is the expected length or -1.
	// Nothing is visible until Writer.Commit succeeds.
	Create(ctx context.Context, ref ObjectRef, size int64) (Writer, error)
	// Post replaces the metadata set by the last POST, if ts is newer than both the
	// data and the last POST (*ConflictError otherwise); *NotFoundError or
	// *DeletedError when there is no live object.
	Post(ctx context.Context, ref ObjectRef, ts swift.Timestamp, meta map[string]string) error
	// Delete leaves a tombstone at ts, if ts is newer than what is stored
	// (*ConflictError otherwise). It succeeds whether or not an object was there.
	Delete(ctx context.Context, ref ObjectRef, ts swift.Timestamp) error
	// Quarantine moves the object out of service: it is never served again and is
	// counted by QuarantineCount; the current version must carry timestamp ts.
	Quarantine(ctx context.Context, ref ObjectRef, ts swift.Timestamp, reason string) error
	// QuarantineCount is the number of objects quarantined so far, for recon.
	QuarantineCount(ctx context.Context) (int, error)
	// Close releases the engine's resources; in-flight calls must have returned.
	Close() error
}

// Object is an opened version of an object. Readers see this version whole, or fail:
// never bytes of another version.
type Object interface {
	// Metadata is the object's metadata as Swift merges it (data, POST, content type).
	Metadata() map[string]string
	// DataTimestamp is the X-Timestamp of the PUT that wrote the data.
	DataTimestamp() swift.Timestamp
	// Timestamp is the newest of the data and POST timestamps (Swift's X-Timestamp).
	Timestamp() swift.Timestamp
	// ContentLength is the size of the data in bytes.
	ContentLength() int64
	// ETag is the MD5 of the data, lower-case hex.
	ETag() string
	// Reader streams bytes [offset, offset+length) of this version. A reader of the whole
	// object verifies length and (unless the engine is configured not to) MD5 at the
	// end; on a mismatch its Read returns ErrQuarantined and the engine quarantines it.
	Reader(ctx context.Context, offset, length int64) (io.ReadCloser, error)
}

// Writer receives the data of a new version as a stream.
type Writer interface {
	io.Writer
	// Commit makes the written data the object's current version, atomically, with
	// meta as its metadata. It fails with *ConflictError when a version at or after ts
	// is stored, ErrETagMismatch when expectETag is set and differs from the data's
	// MD5; on any failure nothing becomes visible and nothing is left behind.
	Commit(ctx context.Context, ts swift.Timestamp, expectETag string, meta map[string]string) error
	// Abort discards the upload; Commit and Abort after either is a no-op.
	Abort()
	// ETag is the MD5 of the bytes written so far.
	ETag() string
	// Written is the number of bytes written so far.
	Written() int64
}
