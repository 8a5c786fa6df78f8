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
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// put follows Swift's PUT: checks, the timestamp rule, the body streamed into the
// engine (with MIME footers when the proxy sends them), commit, then updates.
func (s *Server) put(r *objectRequest) error {
	ctx := r.ctx
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	size, deleteAt, err := s.checkObjectCreation(&ctx.Request.Header, r.visitHeaders, r.ref.Object, ts)
	if err != nil {
		return err
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
			return err
		}
	}
	if ifNoneMatchFails(r.header("If-None-Match"), origMeta) {
		return backend.Status(http.StatusPreconditionFailed)
	}
	if !ts.After(origTS) {
		ctx.Response.Header.Set("X-Backend-Timestamp", origTS.Internal())
		return backend.Status(http.StatusConflict)
	}

	var body io.Reader = ctx.RequestBodyStream()
	if body == nil { // fasthttp streams no body of length 0
		body = strings.NewReader("")
	}
	var mime *MIMEPutReader
	if swift.TrueValue(r.header("X-Backend-Obj-Metadata-Footer")) {
		boundary := r.header("X-Backend-Obj-Multipart-Mime-Boundary")
		if boundary == "" {
			return backend.BadRequest("no MIME boundary")
		}
		mime = NewMIMEPutReader(body, boundary)
		body = mime
	}
	w, err := r.engine.Create(requestContext(ctx), r.ref, size)
	if err != nil {
		return err
	}
	defer w.Abort() // a no-op after a commit
	if err := s.copyBody(w, body); err != nil {
		return mimeAnswer(err)
	}
	r.bodyRead = mime == nil // a MIME body's trailing documents are drained after the commit
	if size >= 0 && w.Written() != size {
		return backend.Status(StatusClientClosed)
	}

	meta := s.requestMetadata(r, true)
	meta[diskfile.KeyContentType] = r.header("Content-Type")
	if deleteAt != 0 {
		meta[diskfile.KeyDeleteAt] = strconv.FormatInt(deleteAt, 10)
	}
	expectETag := normalizeETag(r.header("ETag")) // case kept: Swift's normalize_etag only unquotes
	var footers map[string]string
	if mime != nil {
		if footers, err = mime.Footers(); err != nil {
			return mimeAnswer(err)
		}
		for k, v := range footers {
			if swift.IsUserMeta("object", k) || swift.IsSysMeta("object", k) || swift.IsObjectTransientSysmeta(k) {
				meta[k] = v
			}
		}
		if e := normalizeETag(footers["Etag"] + footers["ETag"] + footers["etag"]); e != "" {
			expectETag = strings.ToLower(e) // a footer's ETag is lowered (_read_mime_footers_metadata)
		}
	}
	if err := w.Commit(requestContext(ctx), ts, expectETag, meta); err != nil {
		var conflict *diskfile.ConflictError
		if !errors.As(err, &conflict) || !supersededWhileUploading(conflict.Stored, ctx.Time()) {
			if conflict != nil {
				ctx.Response.Header.Set("X-Backend-Timestamp", conflict.Stored.Internal())
			}
			return err
		}
		// A newer version stored while this body streamed wins, and this PUT is still
		// a success, as in Swift (it compares timestamps when a PUT begins).
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
	backend.WriteStatus(ctx, http.StatusCreated, "", false)
	return nil
}

// checkObjectCreation is Swift's check_object_creation over a request head (it runs
// before the body is read, and again in the handler); visit gives the headers as Swift
// names them. It returns the expected size (-1 for chunked) and the X-Delete-At to store.
func (s *Server) checkObjectCreation(h *fasthttp.RequestHeader, visit func(func(k, v string)), object string, ts swift.Timestamp) (size, deleteAt int64, err error) {
	c := s.cfg.Constraints
	switch n := h.ContentLength(); {
	case n == -2: // neither Content-Length nor chunked
		return 0, 0, backend.Plain(http.StatusLengthRequired, "Missing Content-Length header.")
	case int64(n) > c.MaxFileSize:
		return 0, 0, backend.Plain(http.StatusRequestEntityTooLarge, "Your request is too large.")
	default:
		size = int64(n) // -1: chunked
	}
	// Swift counts a name's characters, not its bytes.
	if n := utf8.RuneCountInString(object); n > c.MaxObjectNameLength {
		return 0, 0, backend.BadRequest("Object name length of " + strconv.Itoa(n) +
			" longer than " + strconv.Itoa(c.MaxObjectNameLength))
	}
	deleteAt, err = swift.DeleteAt(string(h.Peek("X-Delete-After")), string(h.Peek("X-Delete-At")), ts,
		swift.TrueValue(string(h.Peek("X-Backend-Replication"))))
	if err != nil {
		return 0, 0, backend.BadRequest(err.Error())
	}
	// eventlet hands a missing Content-Type to Swift as an empty one, which
	// check_utf8 refuses like invalid UTF-8.
	if ct := h.ContentType(); len(ct) == 0 || !utf8.Valid(ct) {
		return 0, 0, backend.BadRequest("Invalid Content-Type")
	}
	if err := c.CheckMetadata(visit, "object"); err != nil {
		return 0, 0, backend.BadRequest(err.Error())
	}
	return size, deleteAt, nil
}

// ifNoneMatchFails is a PUT's If-None-Match against the stored version's metadata
// (nil: none): "*" or its ETag fails it.
func ifNoneMatchFails(inm string, stored map[string]string) bool {
	if inm == "" || stored == nil {
		return false
	}
	for _, tag := range strings.Split(inm, ",") {
		if tag = strings.Trim(strings.TrimSpace(tag), `"`); tag == "*" || tag == stored[diskfile.KeyETag] {
			return true
		}
	}
	return false
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

// supersededWhileUploading tells, for a PUT whose commit found a newer version, whether
// Swift would have seen that version when the PUT began (409) or not (201). The stored
// version's X-Timestamp is the time its request began at the proxy: one that began
// after this request did was not there when this one began. (The small PUT path does
// not read the stored version first: a read per PUT would double its RADOS ops.)
func supersededWhileUploading(stored swift.Timestamp, requestBegan time.Time) bool {
	return !stored.Time().Before(requestBegan)
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

func normalizeETag(v string) string { return strings.Trim(strings.TrimSpace(v), `"`) }

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
