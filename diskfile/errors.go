package diskfile

import (
	"errors"
	"fmt"

	"github.com/radosswift/radosswift/internal/swift"
)

// NotFoundError: nothing is stored under the name.
type NotFoundError struct{}

func (*NotFoundError) Error() string { return "object not found" }

// DeletedError: a tombstone is stored; Timestamp is when the object was deleted.
type DeletedError struct{ Timestamp swift.Timestamp }

func (e *DeletedError) Error() string { return "object deleted at " + e.Timestamp.Internal() }

// ExpiredError: the object's X-Delete-At has passed. Metadata and Timestamp describe
// the expired version, as Swift's DiskFileExpired does.
type ExpiredError struct {
	Timestamp swift.Timestamp
	Metadata  map[string]string
}

func (e *ExpiredError) Error() string { return "object expired" }

// ConflictError: a version at or after the request's timestamp is already stored.
type ConflictError struct{ Stored swift.Timestamp }

func (e *ConflictError) Error() string {
	return "a newer or equal version is stored (" + e.Stored.Internal() + ")"
}

var (
	// ErrCollision: the stored object belongs to another path with the same name hash.
	ErrCollision = errors.New("object name collision")
	// ErrNoSpace: the backend refuses writes because it is full (or over quota).
	ErrNoSpace = errors.New("no space left in the backend")
	// ErrQuarantined: the object was found corrupt and moved out of service.
	ErrQuarantined = errors.New("object quarantined")
	// ErrUnavailable: the backend did not answer in time or refused the connection.
	ErrUnavailable = errors.New("storage backend unavailable")
	// ErrETagMismatch: the data's MD5 differs from the ETag the client sent.
	ErrETagMismatch = errors.New("etag mismatch")
)

// Quarantined is the error of a read that found its version corrupt and quarantined it
// (quarantineErr: why the quarantine itself failed, if it did); errors.Is(err,
// ErrQuarantined) holds either way.
func Quarantined(reason string, quarantineErr error) error {
	if quarantineErr != nil {
		return fmt.Errorf("%w (%s); quarantine failed: %v", ErrQuarantined, reason, quarantineErr)
	}
	return fmt.Errorf("%w: %s", ErrQuarantined, reason)
}

// IsNotFound reports whether err means "no live object": missing, deleted or expired.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	var del *DeletedError
	var exp *ExpiredError
	return errors.As(err, &nf) || errors.As(err, &del) || errors.As(err, &exp)
}

// Unavailable wraps a backend error so that errors.Is(err, ErrUnavailable) holds.
func Unavailable(cause error) error { return fmt.Errorf("%w: %v", ErrUnavailable, cause) }
