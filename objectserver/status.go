package objectserver

import (
	"errors"
	"net/http"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

// StatusClientClosed is what Swift logs for a client that went away mid-request.
const StatusClientClosed = 499

// statusFor maps an engine or validation error to the status Swift answers with:
// the one place where errors become status codes.
func statusFor(err error) int {
	var bad *swift.BadRequest
	var conflict *diskfile.ConflictError
	var mime *MIMEError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &mime):
		return mime.Status
	case errors.As(err, &bad):
		return http.StatusBadRequest
	case diskfile.IsNotFound(err), errors.Is(err, diskfile.ErrQuarantined), errors.Is(err, diskfile.ErrCollision):
		return http.StatusNotFound
	case errors.As(err, &conflict):
		return http.StatusConflict
	case errors.Is(err, diskfile.ErrETagMismatch):
		return http.StatusUnprocessableEntity
	case errors.Is(err, diskfile.ErrNoSpace):
		return http.StatusInsufficientStorage
	case errors.Is(err, errClientDisconnect):
		return StatusClientClosed
	case errors.Is(err, errClientTimeout):
		return http.StatusRequestTimeout
	case errors.Is(err, diskfile.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

var (
	errClientDisconnect = errors.New("client disconnected")
	errClientTimeout    = errors.New("client timed out")
)
