package objectserver

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// post follows Swift's POST: the request's user metadata, transient sysmeta and
// allowed headers replace those of the last POST, with the request's timestamp;
// a Content-Type comes with its own Content-Type-Timestamp; X-Delete-At changes move
// the expirer's queue entry; the container listing hears of the new content type.
func (s *Server) post(r *objectRequest) error {
	ctx := r.ctx
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	newDeleteAt, err := strconv.ParseInt(orZero(r.header("X-Delete-At")), 10, 64)
	if err != nil {
		return backend.BadRequest("Non-integer X-Delete-At")
	}
	if newDeleteAt != 0 && float64(newDeleteAt) < float64(ts.Ticks)/100000 {
		return backend.BadRequest("X-Delete-At in past")
	}
	if err := s.cfg.Constraints.CheckMetadata(r.visitHeaders, "object"); err != nil {
		return backend.BadRequest(err.Error())
	}
	obj, err := r.engine.Open(requestContext(ctx), r.ref)
	if err != nil {
		status := statusFor(err)
		if diskfile.IsNotFound(err) || errors.Is(err, diskfile.ErrQuarantined) {
			status = http.StatusNotFound
		}
		return backend.Status(status)
	}
	orig := obj.Metadata()
	if !ts.After(obj.Timestamp()) {
		ctx.Response.Header.Set("X-Backend-Timestamp", obj.Timestamp().Internal())
		return backend.Status(http.StatusConflict)
	}
	meta := s.requestMetadata(r, false)
	contentType := orig[diskfile.KeyContentType]
	ctypeTS := orig[diskfile.KeyContentTypeTS]
	if ct := r.header("Content-Type"); ct != "" {
		contentType = ct
		ctypeTS = ts.Internal()
		if v := r.header("Content-Type-Timestamp"); v != "" {
			if t, err := swift.ParseTimestamp(v); err == nil {
				ctypeTS = t.Internal()
			}
		}
		meta[diskfile.KeyContentType] = contentType
		meta[diskfile.KeyContentTypeTS] = ctypeTS
	}
	if newDeleteAt != 0 {
		meta[diskfile.KeyDeleteAt] = strconv.FormatInt(newDeleteAt, 10)
	}
	if err := r.engine.Post(requestContext(ctx), r.ref, ts, meta); err != nil {
		var conflict *diskfile.ConflictError
		if errors.As(err, &conflict) {
			ctx.Response.Header.Set("X-Backend-Timestamp", conflict.Stored.Internal())
		}
		return err
	}
	if origDeleteAt := parseDeleteAt(orig); origDeleteAt != newDeleteAt {
		if newDeleteAt != 0 {
			s.updates.ExpirerUpdate(r, "PUT", newDeleteAt, ts)
		}
		if origDeleteAt != 0 {
			s.updates.ExpirerUpdate(r, "DELETE", origDeleteAt, ts)
		}
	}
	if ctypeTS == "" {
		ctypeTS = obj.DataTimestamp().Internal()
	}
	update := map[string]string{
		"X-Size":                   orig[diskfile.KeyContentLength],
		"X-Content-Type":           contentType,
		"X-Timestamp":              obj.DataTimestamp().Internal(),
		"X-Content-Type-Timestamp": ctypeTS,
		"X-Meta-Timestamp":         ts.Internal(),
		"X-Etag":                   orig[diskfile.KeyETag],
	}
	applyContainerOverrides(update, orig, nil)
	s.updates.ContainerUpdate(r, "PUT", update)
	ctx.Response.Header.Set("X-Backend-Content-Type", contentType)
	for k, v := range orig {
		if swift.IsSysMeta("object", k) {
			ctx.Response.Header.Set(k, v)
		}
	}
	backend.WriteStatus(ctx, http.StatusAccepted, "", false)
	return nil
}

func orZero(v string) string {
	if v == "" {
		return "0"
	}
	return v
}
