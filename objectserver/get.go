package objectserver

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// get serves GET and HEAD as Swift's object server does: metadata headers, the
// X-Backend-* timestamps, conditional requests (honouring X-Backend-Etag-Is-At),
// single and multiple byte ranges; a tombstone's 404 says when it was deleted.
func (s *Server) get(r *objectRequest) error {
	ctx := r.ctx
	if r.hasHeader("X-Timestamp") {
		if _, err := r.timestamp(); err != nil {
			return err
		}
	}
	cond := ConditionalHeaders{
		IfMatch: r.header("If-Match"), IfNoneMatch: r.header("If-None-Match"),
		IfModifiedSince: r.header("If-Modified-Since"), IfUnmodifiedSince: r.header("If-Unmodified-Since"),
	}
	if cond.IfMatch == "" && r.hasHeader("If-Match") {
		cond.IfMatch = "," // present but empty: a list nothing matches, as in swob
	}
	obj, err := r.engine.Open(requestContext(ctx), r.ref)
	if err != nil {
		var deleted *diskfile.DeletedError
		var expired *diskfile.ExpiredError
		switch {
		case errors.As(err, &deleted):
			ctx.Response.Header.Set("X-Backend-Timestamp", deleted.Timestamp.Internal())
		case errors.As(err, &expired):
			ctx.Response.Header.Set("X-Backend-Timestamp", expired.Timestamp.Internal())
		}
		if statusFor(err) == http.StatusNotFound {
			if c := EvaluateConditions(cond, "", zeroTime, false); c != 0 {
				return &backend.Error{Status: c, Empty: true} // swob's conditional response has no body
			}
		}
		return err
	}
	meta := obj.Metadata()
	size := obj.ContentLength()
	ts := obj.Timestamp()
	h := &ctx.Response.Header
	contentType := meta[diskfile.KeyContentType]
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	for k, v := range meta {
		if s.isResponseHeader(k) {
			h.Set(k, v)
		}
	}
	h.Set("Content-Type", contentType)
	h.Set("ETag", obj.ETag())
	h.Set("Last-Modified", ts.HTTPDate())
	h.Set("X-Timestamp", ts.Normal())
	h.Set("X-Backend-Timestamp", ts.Internal())
	h.Set("X-Backend-Data-Timestamp", obj.DataTimestamp().Internal())
	h.Set("X-Backend-Durable-Timestamp", obj.DataTimestamp().Internal())
	h.Set("Accept-Ranges", "bytes")

	condETag := ConditionalETag(r.header("X-Backend-Etag-Is-At"), meta, obj.ETag())
	lastModified := swift.Timestamp{Ticks: (ts.Ticks + 99999) / 100000 * 100000}.Time()
	if status := EvaluateConditions(cond, condETag, lastModified, true); status != 0 {
		ctx.SetStatusCode(status)
		h.SetContentLength(0)
		ctx.Response.SkipBody = true
		return nil
	}

	var ranges []ByteRange
	// HEAD never looks at Range in Swift: always the whole object's length, 200.
	if rng := r.header("Range"); rng != "" && !ctx.IsHead() && !ignoreRange(r.header("X-Backend-Ignore-Range-If-Metadata-Present"), meta) {
		ranges, err = ParseRange(rng, size)
		if errors.Is(err, ErrRangeUnsatisfiable) {
			h.Set("Content-Range", UnsatisfiableContentRange(size))
			return backend.Status(http.StatusRequestedRangeNotSatisfiable)
		}
	}
	switch {
	case len(ranges) == 1:
		h.Set("Content-Range", ContentRangeValue(ranges[0], size))
		return s.sendBody(r, obj, http.StatusPartialContent, ranges[0].Start, ranges[0].Len())
	case len(ranges) > 1:
		boundary := NewMultipartBoundary()
		h.Set("Content-Type", MultipartByterangesContentType(boundary))
		ctx.SetStatusCode(http.StatusPartialContent)
		length := MultipartByterangesLength(boundary, contentType, size, ranges)
		if ctx.IsHead() {
			h.SetContentLength(int(length))
			ctx.Response.SkipBody = true
			return nil
		}
		reqCtx := requestContext(ctx)
		pr, pw := io.Pipe()
		go func() {
			pw.CloseWithError(WriteMultipartByteranges(pw, boundary, contentType, size, ranges,
				func(br ByteRange, w io.Writer) error {
					rd, err := obj.Reader(reqCtx, br.Start, br.Len())
					if err != nil {
						return err
					}
					defer rd.Close()
					_, err = io.Copy(w, rd)
					return err
				}))
		}()
		ctx.SetBodyStream(pr, int(length))
		return nil
	}
	return s.sendBody(r, obj, http.StatusOK, 0, size)
}

// sendBody streams [offset, offset+length) of the object, or only its headers for HEAD.
func (s *Server) sendBody(r *objectRequest, obj diskfile.Object, status int, offset, length int64) error {
	ctx := r.ctx
	if ctx.IsHead() {
		ctx.SetStatusCode(status)
		ctx.Response.Header.SetContentLength(int(length))
		ctx.Response.SkipBody = true
		return nil
	}
	body, err := obj.Reader(requestContext(ctx), offset, length)
	if err != nil {
		return err
	}
	ctx.SetStatusCode(status)
	if length > smallBodyLimit {
		ctx.SetBodyStream(body, int(length))
		return nil
	}
	// A small body is read whole into the response buffer: headers and body leave in
	// one write (a stream costs a second write and packet per response), and a body
	// that fails its MD5 check is answered with an error instead of a cut stream.
	defer body.Close()
	if _, err := io.CopyN(ctx.Response.BodyWriter(), body, length); err != nil {
		ctx.Response.ResetBody()
		return err
	}
	if _, err := body.Read(nil); err != io.EOF { // the whole-object MD5 is checked at EOF
		ctx.Response.ResetBody()
		return err
	}
	return nil
}

// smallBodyLimit is the largest body sent from memory rather than streamed.
const smallBodyLimit = 64 << 10

// ignoreRange: the proxy asks to ignore Range when the object has one of the listed
// metadata (SLO manifests answer ranges themselves).
func ignoreRange(list string, meta map[string]string) bool {
	if list == "" {
		return false
	}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		for k := range meta {
			if name != "" && strings.EqualFold(k, name) {
				return true
			}
		}
	}
	return false
}
