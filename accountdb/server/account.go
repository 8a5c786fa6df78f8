package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// handleAccount is the account server's app: /dev/part/account for the proxy,
// /dev/part/account/container for the container servers' reports.
func (s *Server) handleAccount(ctx *fasthttp.RequestCtx) {
	if s.common(ctx, accountMethods) {
		return
	}
	r, err := s.accountRequest(ctx)
	if err == nil {
		switch string(ctx.Method()) {
		case "GET":
			err = s.accountGET(r)
		case "HEAD":
			err = s.accountHEAD(r)
		case "PUT":
			if r.container != "" {
				err = s.containerRowPUT(r)
			} else {
				err = s.accountPUT(r)
			}
		case "POST":
			err = s.accountPOST(r)
		case "DELETE":
			err = s.accountDELETE(r)
		}
	}
	if err != nil {
		s.respond.Respond(ctx, err)
	}
}

// accountRequest splits and validates the path: three segments, or four for a PUT
// (a container's report).
func (s *Server) accountRequest(ctx *fasthttp.RequestCtx) (*request, error) {
	maxSegs := 3
	if ctx.IsPut() {
		maxSegs = 4
	}
	segs, err := backend.SplitPath(rawPath(ctx), 3, maxSegs, false)
	if err != nil {
		return nil, err
	}
	segs = append(segs, "")
	if !backend.ValidUTF8Path(segs...) {
		return nil, &backend.Error{Status: http.StatusPreconditionFailed, Body: "Invalid UTF8"}
	}
	r := &request{ctx: ctx, device: segs[0], partition: segs[1], account: segs[2], container: segs[3]}
	if err := backend.ValidateInternalNames(r.account, r.container, "", s.cfg.AutoCreatePrefix); err != nil {
		return nil, err
	}
	return r, nil
}

// accountInfo reads the account; deleted is Swift's is_deleted (a database that does
// not exist counts as deleted, without X-Account-Status).
func (s *Server) accountInfo(r *request) (info accountdb.AccountInfo, exists bool, err error) {
	info, err = s.db.Account(r.account).Info(backendContext())
	if errors.Is(err, accountdb.ErrNotFound) {
		return info, false, nil
	}
	return info, err == nil, err
}

// liveAccountInfo is the account's info, or the 404 Swift answers for an account that
// is missing or deleted.
func (s *Server) liveAccountInfo(r *request) (accountdb.AccountInfo, error) {
	info, exists, err := s.accountInfo(r)
	if err != nil {
		return info, err
	}
	if !exists || info.Deleted() {
		return info, deletedResponse(http.StatusNotFound, info, exists, "")
	}
	return info, nil
}

// deletedResponse is _deleted_response: an answer for a missing or deleted account,
// which says "Deleted" when the account exists and was deleted.
func deletedResponse(status int, info accountdb.AccountInfo, exists bool, body string) error {
	e := &backend.Error{Status: status, Body: body, Empty: body == ""}
	if exists && info.Deleted() {
		e.Headers = map[string]string{"X-Account-Status": "Deleted"}
	}
	return e
}

// accountResponseHeaders is get_response_headers: totals, per-policy stats by policy
// name, timestamps and every metadata item that has a value.
func (s *Server) accountResponseHeaders(h *fasthttp.ResponseHeader, info accountdb.AccountInfo) {
	h.Set("X-Account-Container-Count", strconv.FormatInt(info.ContainerCount, 10))
	h.Set("X-Account-Object-Count", strconv.FormatInt(info.ObjectCount, 10))
	h.Set("X-Account-Bytes-Used", strconv.FormatInt(info.BytesUsed, 10))
	h.Set("X-Timestamp", info.CreatedAt.Normal())
	h.Set("X-Put-Timestamp", info.PutTimestamp.Normal())
	for idx, stats := range info.Policies {
		name, ok := s.policies.Name(idx)
		if !ok {
			continue
		}
		prefix := "X-Account-Storage-Policy-" + name + "-"
		h.Set(prefix+"Container-Count", strconv.FormatInt(stats.ContainerCount, 10))
		h.Set(prefix+"Object-Count", strconv.FormatInt(stats.ObjectCount, 10))
		h.Set(prefix+"Bytes-Used", strconv.FormatInt(stats.BytesUsed, 10))
	}
	s.setMetadataHeaders(h, "account", info.Metadata)
}

func (s *Server) accountHEAD(r *request) error {
	contentType, err := r.listingContentType()
	if err != nil {
		return err
	}
	info, err := s.liveAccountInfo(r)
	if err != nil {
		return err
	}
	h := &r.ctx.Response.Header
	s.accountResponseHeaders(h, info)
	h.Set("Content-Type", contentType+"; charset=utf-8")
	h.SetContentLength(0)
	r.ctx.SetStatusCode(http.StatusNoContent)
	return nil
}

func (s *Server) accountGET(r *request) error {
	var p accountdb.ListParams
	for name, dst := range map[string]*string{"prefix": &p.Prefix, "delimiter": &p.Delimiter} {
		v, _, err := r.param(name)
		if err != nil {
			return err
		}
		*dst = v
	}
	reverse, _, err := r.param("reverse")
	if err != nil {
		return err
	}
	p.Reverse = swift.TrueValue(reverse)
	p.AllowReserved = r.allowReservedNames()
	limit, err := r.limit(s.limits.Account)
	if err != nil {
		return err
	}
	for name, dst := range map[string]*string{"marker": &p.Marker, "end_marker": &p.EndMarker} {
		v, _, err := r.param(name)
		if err != nil {
			return err
		}
		*dst = v
	}
	contentType, err := r.listingContentType()
	if err != nil {
		return err
	}
	info, err := s.liveAccountInfo(r)
	if err != nil {
		return err
	}
	var entries []accountdb.ContainerEntry
	if limit > 0 {
		p.Limit = limit
		if entries, err = s.db.Account(r.account).ListContainers(backendContext(), p); err != nil {
			return err
		}
	}
	h := &r.ctx.Response.Header
	s.accountResponseHeaders(h, info)
	h.Set("Content-Type", contentType+"; charset=utf-8")
	// account_listing_response: 204 only for an empty plain-text listing.
	if len(entries) == 0 && !strings.HasSuffix(contentType, "/json") && !strings.HasSuffix(contentType, "/xml") {
		r.ctx.SetStatusCode(http.StatusNoContent)
		h.SetContentLength(0)
		return nil
	}
	r.ctx.SetStatusCode(http.StatusOK)
	r.ctx.SetBody(accountListing(contentType, r.account, entries))
	return nil
}

func (s *Server) accountPUT(r *request) error {
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	ctx := backendContext()
	db := s.db.Account(r.account)
	created := true
	if err := db.Initialize(ctx, ts); errors.Is(err, accountdb.ErrAlreadyExists) {
		created = false
		info, err := db.Info(ctx)
		if err != nil {
			return err
		}
		if info.Deleted() {
			return deletedResponse(http.StatusForbidden, info, true, "Recently deleted")
		}
		if err := db.UpdatePutTimestamp(ctx, ts); err != nil {
			return err
		}
		if info, err = db.Info(ctx); err != nil {
			return err
		}
		if info.Deleted() {
			return &backend.Error{Status: http.StatusConflict}
		}
	} else if err != nil {
		return err
	}
	if err := s.updateAccountMetadata(r, db, ts); err != nil {
		return err
	}
	if created {
		backend.WriteStatus(r.ctx, http.StatusCreated, "", false)
	} else {
		backend.WriteStatus(r.ctx, http.StatusAccepted, "", false)
	}
	return nil
}

// containerRowPUT records a container server's report about one of the account's
// containers; accounts under auto_create_account_prefix are created by it.
func (s *Server) containerRowPUT(r *request) error {
	ts := swift.Now()
	if r.hasHeader("X-Timestamp") {
		var err error
		if ts, err = r.timestamp(); err != nil {
			return err
		}
	}
	row := accountdb.ContainerRow{Name: r.container}
	for _, f := range []struct {
		header string
		dst    *swift.Timestamp
	}{{"X-Put-Timestamp", &row.PutTimestamp}, {"X-Delete-Timestamp", &row.DeleteTimestamp}} {
		v, err := swift.ParseTimestamp(r.header(f.header))
		if err != nil {
			return badRequest("Invalid " + f.header + " header")
		}
		*f.dst = v
	}
	for _, f := range []struct {
		header string
		dst    *int64
	}{{"X-Object-Count", &row.ObjectCount}, {"X-Bytes-Used", &row.BytesUsed}} {
		v, err := strconv.ParseInt(r.header(f.header), 10, 64)
		if err != nil {
			return badRequest("Invalid " + f.header + " header")
		}
		*f.dst = v
	}
	if v := r.header("X-Backend-Storage-Policy-Index"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return badRequest("Invalid X-Backend-Storage-Policy-Index " + pyRepr(v))
		}
		row.StoragePolicyIndex = n
	}
	ctx := backendContext()
	db := s.db.Account(r.account)
	if strings.HasPrefix(r.account, s.cfg.AutoCreatePrefix) {
		if err := db.Initialize(ctx, ts); err != nil && !errors.Is(err, accountdb.ErrAlreadyExists) {
			return err
		}
	}
	info, exists, err := s.accountInfo(r)
	if err != nil {
		return err
	}
	overrideDeleted := strings.EqualFold(r.header("X-Account-Override-Deleted"), "yes")
	if !exists || (info.Deleted() && !overrideDeleted) {
		return &backend.Error{Status: http.StatusNotFound}
	}
	if err := db.MergeContainers(ctx, []accountdb.ContainerRow{row}); err != nil {
		return err
	}
	if row.Deleted() {
		backend.WriteStatus(r.ctx, http.StatusNoContent, "", false)
	} else {
		backend.WriteStatus(r.ctx, http.StatusCreated, "", false)
	}
	return nil
}

func (s *Server) accountPOST(r *request) error {
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	if _, err := s.liveAccountInfo(r); err != nil {
		return err
	}
	if err := s.updateAccountMetadata(r, s.db.Account(r.account), ts); err != nil {
		return err
	}
	backend.WriteStatus(r.ctx, http.StatusNoContent, "", false)
	return nil
}

func (s *Server) accountDELETE(r *request) error {
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	if _, err := s.liveAccountInfo(r); err != nil {
		return err
	}
	db := s.db.Account(r.account)
	if err := db.MarkDeleted(backendContext(), ts); err != nil {
		return err
	}
	info, err := db.Info(backendContext())
	if err != nil {
		return err
	}
	if info.Deleted() {
		r.ctx.Response.Header.Set("X-Account-Status", "Deleted")
	}
	backend.WriteStatus(r.ctx, http.StatusNoContent, "", false)
	return nil
}

// updateAccountMetadata stores the request's account metadata, validated against what
// the account will hold.
func (s *Server) updateAccountMetadata(r *request, db accountdb.AccountDB, ts swift.Timestamp) error {
	items := s.requestMetadata(r, "account", ts)
	if len(items) == 0 {
		return nil
	}
	info, err := db.Info(backendContext())
	if err != nil {
		return err
	}
	if err := validateMetadata(info.Metadata, items, s.cfg.Constraints); err != nil {
		return err
	}
	return db.UpdateMetadata(backendContext(), items)
}
