package objectserver

import (
	"errors"
	"net/http"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/backend"
)

// StatusClientClosed is what Swift logs for a client that went away mid-request.
const StatusClientClosed = backend.StatusClientDisconnect

// engineStatus maps the engine's errors (and the server's own body-reading ones) to
// the status Swift answers with: the one place where they become status codes.
func engineStatus(err error) (int, bool) {
	var conflict *diskfile.ConflictError
	var mime *MIMEError
	switch {
	case errors.As(err, &mime):
		return mime.Status, true
	case diskfile.IsNotFound(err), errors.Is(err, diskfile.ErrQuarantined):
		return http.StatusNotFound, true
	case errors.Is(err, diskfile.ErrCollision):
		return http.StatusForbidden, true // Swift's __call__ answers DiskFileCollision so
	case errors.As(err, &conflict):
		return http.StatusConflict, true
	case errors.Is(err, diskfile.ErrETagMismatch):
		return http.StatusUnprocessableEntity, true
	case errors.Is(err, diskfile.ErrNoSpace):
		return http.StatusInsufficientStorage, true
	case errors.Is(err, errClientDisconnect):
		return StatusClientClosed, true
	case errors.Is(err, errClientTimeout):
		return http.StatusRequestTimeout, true
	case errors.Is(err, diskfile.ErrUnavailable):
		return http.StatusServiceUnavailable, true
	}
	return 0, false
}

// statusFor is the status err is answered with.
func statusFor(err error) int { return backend.Responder{Mapper: engineStatus}.StatusOf(err) }

// mimeAnswer turns a MIME body error into Swift's answer with its text.
func mimeAnswer(err error) error {
	var mime *MIMEError
	if errors.As(err, &mime) {
		return backend.Plain(mime.Status, mime.Reason)
	}
	return err
}

var (
	errClientDisconnect = errors.New("client disconnected")
	errClientTimeout    = errors.New("client timed out")
)
