package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/backend"
)

func badRequest(body string) error { return backend.BadRequestHTML(body) }

// badRequestPlain is a 400 that Swift answers as text/plain (path, parameter, timestamp
// and policy errors).
func badRequestPlain(body string) error { return backend.BadRequest(body) }

// dbStatus maps accountdb's errors to the status Swift answers with: the one place
// where they become status codes.
func dbStatus(err error) (int, bool) {
	switch {
	case errors.Is(err, accountdb.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, accountdb.ErrAlreadyExists):
		return http.StatusConflict, true
	case errors.Is(err, accountdb.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, true
	}
	return 0, false
}
