package objectserver

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// delete follows Swift's DELETE: a tombstone when the request is newer than what is
// stored, 404 when there was no live object, X-If-Delete-At for the expirer.
func (s *Server) delete(r *objectRequest) error {
	ctx := r.ctx
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	var origTS swift.Timestamp
	origMeta := map[string]string{}
	status := http.StatusNotFound
	obj, err := r.engine.Open(requestContext(ctx), r.ref)
	var deleted *diskfile.DeletedError
	var expired *diskfile.ExpiredError
	switch {
	case err == nil:
		origTS, origMeta = obj.DataTimestamp(), obj.Metadata()
		status = http.StatusNoContent
		if !ts.After(origTS) {
			status = http.StatusConflict
		}
	case errors.As(err, &expired):
		origTS, origMeta = expired.Timestamp, expired.Metadata
	case errors.As(err, &deleted):
		origTS = deleted.Timestamp
	case diskfile.IsNotFound(err), errors.Is(err, diskfile.ErrQuarantined), errors.Is(err, diskfile.ErrCollision):
	default:
		return err
	}
	responseTS := origTS
	if ts.After(responseTS) {
		responseTS = ts
	}
	origDeleteAt := parseDeleteAt(origMeta)
	if r.hasHeader("X-If-Delete-At") {
		want, perr := strconv.ParseFloat(r.header("X-If-Delete-At"), 64)
		switch {
		case perr != nil:
			return backend.BadRequest("Bad X-If-Delete-At header value")
		case origTS.IsZero():
			return backend.Status(http.StatusNotFound)
		case !ts.After(origTS):
			return backend.Status(http.StatusConflict)
		case int64(want) != origDeleteAt:
			return backend.Plain(http.StatusPreconditionFailed, "X-If-Delete-At and X-Delete-At do not match")
		}
		status = http.StatusNoContent
	}
	if origDeleteAt != 0 {
		s.updates.ExpirerUpdate(r, "DELETE", origDeleteAt, ts)
	}
	if ts.After(origTS) {
		if err := r.engine.Delete(requestContext(ctx), r.ref, ts); err != nil {
			var conflict *diskfile.ConflictError
			if errors.As(err, &conflict) {
				ctx.Response.Header.Set("X-Backend-Timestamp", conflict.Stored.Internal())
			}
			return err
		}
		s.updates.ContainerUpdate(r, "DELETE", map[string]string{"X-Timestamp": ts.Internal()})
	}
	ctx.Response.Header.Set("X-Backend-Timestamp", responseTS.Internal())
	ctx.Response.Header.Set("X-Backend-Content-Type", origMeta[diskfile.KeyContentType])
	if status >= 400 {
		return backend.Status(status) // Swift answers these, with the headers above
	}
	backend.WriteStatus(ctx, status, "", false)
	return nil
}
