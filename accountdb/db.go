// Package accountdb is the seam between Swift's account and container protocols and the
// place their databases live, after Swift's swift/common/db.py, swift/container/backend.py
// (ContainerBroker) and swift/account/backend.py (AccountBroker). The servers speak HTTP and
// Swift's rules; a Backend owns rows, metadata, stats and their atomicity. Backends
// register by name: "rados" (omap, sharded; the default) and "sqlite" (a file per
// database on local disk, for single-node use and tests).
//
// Every rule that is the same for all backends lives here once: the listing algorithm
// (prefix, delimiter, marker, end_marker, path, reverse, limit) in listing.go works on a
// backend's ordered scan, and the merge rules (newest timestamp wins, per metadata key and
// per row) are functions in merge.go that every backend calls.
package accountdb

import (
	"context"
	"errors"

	"github.com/radosswift/radosswift/internal/swift"
)

var (
	// ErrNotFound: the database was never created (or has been reclaimed).
	ErrNotFound = errors.New("database not found")
	// ErrAlreadyExists: Initialize on a database that exists, deleted or not.
	ErrAlreadyExists = errors.New("database already exists")
	// ErrUnavailable: the backend could not be reached in time (the server answers 503).
	ErrUnavailable = errors.New("database backend unavailable")
)

// MetaItem is one metadata item as Swift keeps it in a database: the value and the
// timestamp it was set at. An empty value records a deletion and keeps its timestamp, so
// an older update cannot bring the item back.
type MetaItem struct {
	Value     string
	Timestamp swift.Timestamp
}

// Metadata maps header names (X-Container-Meta-Color, X-Container-Sysmeta-..., X-Container-Read,
// ...) to their items, as Swift's broker.metadata does.
type Metadata map[string]MetaItem

// ObjectRow is a container's row for one object (Swift's object table), as object servers
// send it in container updates. A row with Deleted set is a tombstone and is never listed.
type ObjectRow struct {
	Name               string
	Timestamp          swift.Timestamp // the data's X-Timestamp (created_at)
	CtypeTimestamp     swift.Timestamp // when ContentType was set; zero = Timestamp
	MetaTimestamp      swift.Timestamp // when the object's metadata was last set; zero = Timestamp
	Size               int64
	ContentType        string
	ETag               string
	Deleted            bool
	StoragePolicyIndex int
}

// ContainerRow is an account's row for one container, as container servers report it.
// The container is deleted when DeleteTimestamp is after PutTimestamp.
type ContainerRow struct {
	Name               string
	PutTimestamp       swift.Timestamp
	DeleteTimestamp    swift.Timestamp
	ObjectCount        int64
	BytesUsed          int64
	StoragePolicyIndex int
}

// Deleted is Swift's rule for an account's container row.
func (r ContainerRow) Deleted() bool { return r.DeleteTimestamp.After(r.PutTimestamp) }

// Status is what both kinds of database keep about themselves (Swift's *_stat table).
type Status struct {
	CreatedAt       swift.Timestamp
	PutTimestamp    swift.Timestamp
	DeleteTimestamp swift.Timestamp
	StatusChangedAt swift.Timestamp
	Metadata        Metadata
}

// ContainerInfo is a container database's status and stats. ObjectCount and BytesUsed
// count the live rows of the container's current storage policy, exactly.
type ContainerInfo struct {
	Status
	Account            string
	Container          string
	StoragePolicyIndex int
	ObjectCount        int64
	BytesUsed          int64
	// What was last reported to the account server (the container updater's bookkeeping).
	ReportedPutTimestamp    swift.Timestamp
	ReportedDeleteTimestamp swift.Timestamp
	ReportedObjectCount     int64
	ReportedBytesUsed       int64
}

// Deleted is Swift's is_deleted for a container: no objects and a delete after the last PUT.
func (i ContainerInfo) Deleted() bool {
	return i.ObjectCount == 0 && i.DeleteTimestamp.After(i.PutTimestamp)
}

// PolicyStats is an account's totals for one storage policy.
type PolicyStats struct {
	ContainerCount int64
	ObjectCount    int64
	BytesUsed      int64
}

// AccountInfo is an account database's status and totals over its live container rows.
type AccountInfo struct {
	Status
	Account        string
	ContainerCount int64
	ObjectCount    int64
	BytesUsed      int64
	Policies       map[int]PolicyStats
}

// Deleted is Swift's is_status_deleted for an account: a DELETE after the last PUT.
func (i AccountInfo) Deleted() bool { return i.DeleteTimestamp.After(i.PutTimestamp) }

// ListParams are a listing request's query parameters, already validated by the server.
// Path, when set, means prefix=Path+"/" (Path "/" too: prefix "/") and delimiter "/", and
// only names directly under it are returned, as Swift's path= does. Names in Swift's
// reserved namespace (starting with NUL: object versioning's hidden containers and
// versions) are listed only with AllowReserved (X-Backend-Allow-Reserved-Names).
type ListParams struct {
	Prefix        string
	Delimiter     string
	Marker        string
	EndMarker     string
	Path          *string
	Limit         int // at most this many entries, subdirs included; > 0
	Reverse       bool
	AllowReserved bool
}

// ObjectEntry is one line of a container listing: an object row, or with Subdir set a
// "subdir" entry (Name is the common prefix, ending in the delimiter).
type ObjectEntry struct {
	ObjectRow
	Subdir bool
}

// ContainerEntry is one line of an account listing: a container row, or a subdir.
type ContainerEntry struct {
	ContainerRow
	Subdir bool
}

// Backend holds account and container databases. Every method of it and of the handles
// it returns is safe for concurrent use, also by other processes and nodes on the same
// backend: two container servers may update one container at the same time.
type Backend interface {
	// Container returns a handle on a container's database; it does no I/O.
	Container(account, container string) ContainerDB
	// Account returns a handle on an account's database; it does no I/O.
	Account(account string) AccountDB
	// PendingReports returns up to limit containers marked as changed (status, policy or
	// stats) since their account last heard of them; every change to a container sets
	// its mark to a new token, so that no change can be left unreported (SQLite: in the
	// change's transaction; RADOS: before and after the change, see radosdb/pending.go).
	PendingReports(ctx context.Context, limit int) ([]ReportMark, error)
	// ClearReport removes a container's mark if its token is still m.Token, so a change
	// made while the report was on its way is reported again.
	ClearReport(ctx context.Context, m ReportMark) error
	// Close releases the backend's resources; in-flight calls must have returned.
	Close() error
}

// ReportMark names a container whose account must be told about it (the container
// updater's work list). Token changes with every change to the container.
type ReportMark struct {
	Account   string
	Container string
	Token     string
}

// ContainerDB is one container's database (Swift's ContainerBroker).
type ContainerDB interface {
	// Initialize creates the database with its first PUT timestamp and storage policy;
	// ErrAlreadyExists when it exists, deleted or not.
	Initialize(ctx context.Context, putTimestamp swift.Timestamp, policy int) error
	// Info returns status and exact stats; ErrNotFound when the database does not exist.
	Info(ctx context.Context) (ContainerInfo, error)
	// UpdatePutTimestamp raises the PUT timestamp to ts if ts is newer.
	UpdatePutTimestamp(ctx context.Context, ts swift.Timestamp) error
	// UpdateStatusChangedAt raises status_changed_at to ts if ts is newer.
	UpdateStatusChangedAt(ctx context.Context, ts swift.Timestamp) error
	// SetStoragePolicyIndex sets the container's policy (a recreated container may
	// change it) and raises status_changed_at to ts.
	SetStoragePolicyIndex(ctx context.Context, policy int, ts swift.Timestamp) error
	// MarkDeleted is Swift's delete_db: every metadata item is cleared at ts, then the
	// delete timestamp is raised to ts (and status_changed_at with it) if ts is newer.
	// The database stays, so a late update still finds it; object rows are untouched.
	MarkDeleted(ctx context.Context, ts swift.Timestamp) error
	// UpdateMetadata merges items: per key the newest timestamp wins (MergeMetadata).
	UpdateMetadata(ctx context.Context, items Metadata) error
	// MergeObjects applies rows from object servers: per name the newest row wins
	// (MergeObjectRow); stats change exactly once per applied row whatever runs at once.
	// ErrNotFound when the database does not exist.
	MergeObjects(ctx context.Context, rows []ObjectRow) error
	// ListObjects lists the live rows of the container's current policy (ListObjects
	// in listing.go does prefix, delimiter, markers, path, reverse and limit).
	ListObjects(ctx context.Context, p ListParams) ([]ObjectEntry, error)
	// SetReported records what the container updater last sent to the account server.
	SetReported(ctx context.Context, put, del swift.Timestamp, objectCount, bytesUsed int64) error
}

// AccountDB is one account's database (Swift's AccountBroker).
type AccountDB interface {
	// Initialize creates the database; ErrAlreadyExists when it exists, deleted or not.
	Initialize(ctx context.Context, putTimestamp swift.Timestamp) error
	// Info returns status and exact totals; ErrNotFound when the database does not exist.
	Info(ctx context.Context) (AccountInfo, error)
	// UpdatePutTimestamp raises the PUT timestamp to ts if ts is newer.
	UpdatePutTimestamp(ctx context.Context, ts swift.Timestamp) error
	// UpdateStatusChangedAt raises status_changed_at to ts if ts is newer.
	UpdateStatusChangedAt(ctx context.Context, ts swift.Timestamp) error
	// MarkDeleted is Swift's delete_db for an account (metadata cleared at ts, delete
	// timestamp and status_changed_at raised to ts if newer).
	MarkDeleted(ctx context.Context, ts swift.Timestamp) error
	// UpdateMetadata merges items: per key the newest timestamp wins (MergeMetadata).
	UpdateMetadata(ctx context.Context, items Metadata) error
	// MergeContainers applies rows from container servers: per name the newest row wins
	// (MergeContainerRow); totals change exactly once per applied row.
	// ErrNotFound when the database does not exist.
	MergeContainers(ctx context.Context, rows []ContainerRow) error
	// ListContainers lists the account's containers that are not deleted.
	ListContainers(ctx context.Context, p ListParams) ([]ContainerEntry, error)
}
