package objectserver

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

// put follows Swift's PUT: checks, the timestamp rule, the body streamed into the
// engine (with MIME footers when the proxy sends them), commit, then updates.
func (s *Server) put(r *objectRequest) {
	ctx := r.ctx
	ts, err := r.timestamp()
	if err != nil {
		respondError(ctx, statusFor(err), err.Error())
		return
	}
	size, deleteAt, status, reason := s.checkObjectCreation(r, ts)
	if status != 0 {
		respondError(ctx, status, reason)
		return
	}

	// The stored version is read first only when it decides something here: an
	// If-None-Match, or an X-Delete-At whose replaced value must leave the expirer
	// queue. Otherwise the write's own guard answers the 409 (a small PUT is then one
	// RADOS op); an expirer entry left by an overwrite without X-Delete-At is harmless,
	// since the expirer's DELETE carries X-If-Delete-At and gets a 412 it accepts.
	var origTS swift.Timestamp
	var origMeta map[string]string
	if r.hasHeader("If-None-Match") || deleteAt != 0 {
		if origTS, origMeta, err = s.currentVersion(r); err != nil {
			respondError(ctx, statusFor(err), "")
			return
		}
	}
	if inm := r.header("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.Trim(strings.TrimSpace(tag), `"`)
			if tag == "*" && origMeta != nil || origMeta != nil && tag == origMeta[diskfile.KeyETag] {
				respondError(ctx, http.StatusPreconditionFailed, "")
				return
			}
		}
	}
	if !ts.After(origTS) {
		ctx.Response.Header.Set("X-Backend-Timestamp", origTS.Internal())
		respondError(ctx, http.StatusConflict, "")
		return
	}

	var body io.Reader = ctx.RequestBodyStream()
	var mime *MIMEPutReader
	if swift.TrueValue(r.header("X-Backend-Obj-Metadata-Footer")) {
		boundary := r.header("X-Backend-Obj-Multipart-Mime-Boundary")
		if boundary == "" {
			respondError(ctx, http.StatusBadRequest, "no MIME boundary")
			return
		}
		mime = NewMIMEPutReader(body, boundary)
		body = mime
	}
	w, err := r.engine.Create(requestContext(ctx), r.ref, size)
	if err != nil {
		respondError(ctx, statusFor(err), "")
		return
	}
	defer w.Abort() // a no-op after a commit
	if err := s.copyBody(w, body); err != nil {
		respondMIMEError(ctx, err)
		return
	}
	if size >= 0 && w.Written() != size {
		respondError(ctx, StatusClientClosed, "")
		return
	}

	meta := s.requestMetadata(r, true)
	meta[diskfile.KeyContentType] = r.header("Content-Type")
	if deleteAt != 0 {
		meta[diskfile.KeyDeleteAt] = strconv.FormatInt(deleteAt, 10)
	}
	expectETag := normalizeETag(r.header("ETag"))
	var footers map[string]string
	if mime != nil {
		if footers, err = mime.Footers(); err != nil {
			respondMIMEError(ctx, err)
			return
		}
		for k, v := range footers {
			if swift.IsUserMeta("object", k) || swift.IsSysMeta("object", k) || swift.IsObjectTransientSysmeta(k) {
				meta[k] = v
			}
		}
		if e := normalizeETag(footers["Etag"] + footers["ETag"] + footers["etag"]); e != "" {
			expectETag = e
		}
	}
	if err := w.Commit(requestContext(ctx), ts, expectETag, meta); err != nil {
		var conflict *diskfile.ConflictError
		if errors.As(err, &conflict) {
			ctx.Response.Header.Set("X-Backend-Timestamp", conflict.Stored.Internal())
		}
		respondError(ctx, statusFor(err), "")
		return
	}
	if mime != nil {
		// The object is committed: a broken tail of the body is only worth a log line.
		if err := mime.Drain(); err != nil {
			s.log.Info("PUT body: trailing MIME documents unreadable", zap.Error(err))
		}
	}
	etag := w.ETag()

	origDeleteAt := parseDeleteAt(origMeta)
	if origDeleteAt != deleteAt {
		if deleteAt != 0 {
			s.updates.ExpirerUpdate(r, "PUT", deleteAt, ts)
		}
		if origDeleteAt != 0 {
			s.updates.ExpirerUpdate(r, "DELETE", origDeleteAt, ts)
		}
	}
	update := map[string]string{
		"X-Size":         strconv.FormatInt(w.Written(), 10),
		"X-Content-Type": meta[diskfile.KeyContentType],
		"X-Timestamp":    ts.Internal(),
		"X-Etag":         etag,
	}
	applyContainerOverrides(update, r.headerMap(), footers)
	s.updates.ContainerUpdate(r, "PUT", update)
	ctx.Response.Header.Set("ETag", etag)
	ctx.SetStatusCode(http.StatusCreated)
}

// respondMIMEError answers with the status of err and, for a MIME body error,
// the text Swift sends.
func respondMIMEError(ctx *fasthttp.RequestCtx, err error) {
	var mimeErr *MIMEError
	if errors.As(err, &mimeErr) {
		respondError(ctx, mimeErr.Status, mimeErr.Reason)
		return
	}
	respondError(ctx, statusFor(err), "")
}

// checkObjectCreation is Swift's check_object_creation; it returns the expected size
// (-1 for chunked) and the X-Delete-At to store, or a status and reason.
func (s *Server) checkObjectCreation(r *objectRequest, ts swift.Timestamp) (int64, int64, int, string) {
	size := int64(-1)
	// fasthttp gives a request with neither Content-Length nor Transfer-Encoding a
	// "Content-Length: 0" and no body stream (New streams every other body), so that
	// is how a missing Content-Length shows; reading the nil stream would panic.
	if r.ctx.RequestBodyStream() == nil {
		return 0, 0, http.StatusLengthRequired, "Missing Content-Length header."
	}
	if cl := r.header("Content-Length"); cl != "" {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, http.StatusBadRequest, "Invalid Content-Length header value"
		}
		size = n
	} else if !strings.EqualFold(strings.TrimSpace(r.header("Transfer-Encoding")), "chunked") {
		return 0, 0, http.StatusLengthRequired, "Missing Content-Length header."
	}
	c := s.cfg.Constraints
	if size > c.MaxFileSize {
		return 0, 0, http.StatusRequestEntityTooLarge, "Your request is too large."
	}
	if len(r.ref.Object) > c.MaxObjectNameLength {
		return 0, 0, http.StatusBadRequest, "Object name length of " + strconv.Itoa(len(r.ref.Object)) +
			" longer than " + strconv.Itoa(c.MaxObjectNameLength)
	}
	if !r.hasHeader("Content-Type") {
		return 0, 0, http.StatusBadRequest, "No content type"
	}
	deleteAt, err := swift.DeleteAt(r.header("X-Delete-After"), r.header("X-Delete-At"), ts,
		swift.TrueValue(r.header("X-Backend-Replication")))
	if err != nil {
		return 0, 0, http.StatusBadRequest, err.Error()
	}
	if !utf8.ValidString(r.header("Content-Type")) {
		return 0, 0, http.StatusBadRequest, "Invalid Content-Type"
	}
	if err := c.CheckMetadata(r.visitHeaders, "object"); err != nil {
		return 0, 0, http.StatusBadRequest, err.Error()
	}
	return size, deleteAt, 0, ""
}

// currentVersion is what Swift's PUT compares against: the data timestamp and
// metadata of a live object, the timestamp of a tombstone (or expired object), or zero.
func (s *Server) currentVersion(r *objectRequest) (swift.Timestamp, map[string]string, error) {
	obj, err := r.engine.Open(requestContext(r.ctx), r.ref)
	var deleted *diskfile.DeletedError
	var expired *diskfile.ExpiredError
	switch {
	case err == nil:
		return obj.DataTimestamp(), obj.Metadata(), nil
	case errors.As(err, &deleted):
		return deleted.Timestamp, nil, nil
	case errors.As(err, &expired):
		return expired.Timestamp, nil, nil
	case diskfile.IsNotFound(err), errors.Is(err, diskfile.ErrQuarantined), errors.Is(err, diskfile.ErrCollision):
		return swift.Timestamp{}, nil, nil
	}
	return swift.Timestamp{}, nil, err
}

// copyBody streams the request body into the writer, mapping read failures to
// Swift's client errors and bounding the whole upload by max_upload_time.
func (s *Server) copyBody(w io.Writer, body io.Reader) error {
	deadline := time.Now().Add(s.cfg.MaxUploadTime)
	bufp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bufp)
	buf := *bufp
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var mimeErr *MIMEError
			if errors.As(err, &mimeErr) {
				return err
			}
			if isTimeout(err) {
				return errClientTimeout
			}
			return errClientDisconnect
		}
		if time.Now().After(deadline) {
			return errClientTimeout
		}
	}
}

// copyBuffers hold request bodies on their way to the engine: a new 64 KiB per PUT was
// a third of the server's garbage under 1 MiB uploads.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func normalizeETag(v string) string { return strings.ToLower(strings.Trim(strings.TrimSpace(v), `"`)) }

func parseDeleteAt(meta map[string]string) int64 {
	if meta == nil {
		return 0
	}
	n, _ := strconv.ParseInt(meta[diskfile.KeyDeleteAt], 10, 64)
	return n
}

// applyContainerOverrides is Swift's _check_container_override: for each prefix,
// X-Backend-Container-Update-Override-* first, then X-Object-Sysmeta-Container-
// Update-Override-* (which wins), values in metadata (the request's headers on PUT,
// the stored metadata on POST) and then in the footers replace the listing's values.
// SLO and encryption rely on it.
func applyContainerOverrides(update, metadata, footers map[string]string) {
	for _, prefix := range []string{"x-backend-container-update-override-", "x-object-sysmeta-container-update-override-"} {
		for _, src := range []map[string]string{metadata, footers} {
			for k, v := range src {
				if lk := strings.ToLower(k); strings.HasPrefix(lk, prefix) {
					update[swift.TitleHeader("x-"+lk[len(prefix):])] = v
				}
			}
		}
	}
}

// headerMap is the request's headers as a map, for rules written over maps.
func (r *objectRequest) headerMap() map[string]string {
	m := map[string]string{}
	r.visitHeaders(func(k, v string) { m[k] = v })
	return m
}
