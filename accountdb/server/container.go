package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// handleContainer is the container server's app: /dev/part/account/container for the
// proxy, /dev/part/account/container/object for the object servers' row updates.
func (s *Server) handleContainer(ctx *fasthttp.RequestCtx) {
	if s.common(ctx, containerMethods) {
		return
	}
	r, err := s.containerRequest(ctx)
	if err == nil {
		switch string(ctx.Method()) {
		case "GET":
			err = s.containerGET(r)
		case "HEAD":
			err = s.containerHEAD(r)
		case "PUT":
			err = s.containerPUT(r)
		case "POST":
			err = s.containerPOST(r)
		case "DELETE":
			err = s.containerDELETE(r)
		case "UPDATE":
			err = s.containerUPDATE(r)
		}
	}
	if err != nil {
		s.respond.Respond(ctx, err)
	}
}

// containerRequest splits and validates the path: four segments, or five for an
// object row (POST and UPDATE take four only).
func (s *Server) containerRequest(ctx *fasthttp.RequestCtx) (*request, error) {
	raw := rawPath(ctx)
	var segs []string
	var err error
	switch string(ctx.Method()) {
	case "POST", "UPDATE":
		segs, err = backend.SplitPath(raw, 4, 4, false)
		segs = append(segs, "")
	default:
		segs, err = backend.SplitPath(raw, 4, 5, true)
	}
	if err != nil {
		return nil, err
	}
	if !backend.ValidUTF8Path(segs...) {
		return nil, backend.ErrInvalidUTF8()
	}
	r := &request{ctx: ctx, device: segs[0], partition: segs[1], account: segs[2], container: segs[3], object: segs[4]}
	if err := backend.ValidateInternalNames(r.account, r.container, r.object, s.cfg.AutoCreatePrefix); err != nil {
		return nil, err
	}
	return r, nil
}

// containerResponseHeaders is gen_resp_headers: backend timestamps and the policy
// always; stats and client timestamps only for a container that is not deleted.
func containerResponseHeaders(h *fasthttp.ResponseHeader, info accountdb.ContainerInfo, deleted bool) {
	h.Set("X-Backend-Timestamp", info.CreatedAt.Internal())
	h.Set("X-Backend-Put-Timestamp", info.PutTimestamp.Internal())
	h.Set("X-Backend-Delete-Timestamp", info.DeleteTimestamp.Internal())
	h.Set("X-Backend-Status-Changed-At", info.StatusChangedAt.Internal())
	h.Set("X-Backend-Storage-Policy-Index", strconv.Itoa(info.StoragePolicyIndex))
	if deleted {
		return
	}
	h.Set("X-Container-Object-Count", strconv.FormatInt(info.ObjectCount, 10))
	h.Set("X-Container-Bytes-Used", strconv.FormatInt(info.BytesUsed, 10))
	h.Set("X-Timestamp", info.CreatedAt.Normal())
	h.Set("X-Put-Timestamp", info.PutTimestamp.Normal())
	h.Set("X-Backend-Sharding-State", "unsharded") // containers on this backend never shard
}

// containerInfo is get_info_is_deleted: a database that does not exist reads as a
// deleted one with zero timestamps.
func (s *Server) containerInfo(r *request) (accountdb.ContainerInfo, bool, error) {
	info, err := s.db.Container(r.account, r.container).Info(backendContext())
	if errors.Is(err, accountdb.ErrNotFound) {
		return accountdb.ContainerInfo{}, true, nil
	}
	if err != nil {
		return info, false, err
	}
	return info, info.Deleted(), nil
}

// notFoundWithInfo is the 404 of a deleted (or never created) container, which says
// when it was deleted so that the proxy can tell the two apart.
func notFoundWithInfo(info accountdb.ContainerInfo) error {
	err := &backend.Error{Status: http.StatusNotFound, Headers: map[string]string{}}
	var h fasthttp.ResponseHeader
	containerResponseHeaders(&h, info, true)
	for k, v := range h.All() {
		err.Headers[string(k)] = string(v)
	}
	return err
}

func (s *Server) containerHEAD(r *request) error {
	contentType, err := r.listingContentType()
	if err != nil {
		return err
	}
	info, deleted, err := s.containerInfo(r)
	if err != nil {
		return err
	}
	if deleted {
		return notFoundWithInfo(info)
	}
	h := &r.ctx.Response.Header
	containerResponseHeaders(h, info, false)
	s.setMetadataHeaders(h, "container", info.Metadata)
	h.Set("Content-Type", contentType+"; charset=utf-8")
	h.Set("Last-Modified", info.PutTimestamp.HTTPDate())
	h.SetContentLength(0)
	r.ctx.SetStatusCode(http.StatusNoContent)
	return nil
}

func (s *Server) containerGET(r *request) error {
	params, limit, err := s.containerListParams(r)
	if err != nil {
		return err
	}
	contentType, err := r.listingContentType()
	if err != nil {
		return err
	}
	requestedPolicy, err := r.policyIndex(s.policies)
	if err != nil {
		return err
	}
	info, deleted, err := s.containerInfo(r)
	if err != nil {
		return err
	}
	if deleted {
		return notFoundWithInfo(info)
	}
	h := &r.ctx.Response.Header
	containerResponseHeaders(h, info, false)
	var entries []accountdb.ObjectEntry
	if strings.EqualFold(r.header("X-Backend-Record-Type"), "shard") {
		// No shard ranges here: an unsharded container's shard listing is empty.
		h.Set("X-Backend-Record-Type", "shard")
		return s.writeListing(r, info, contentType, []byte("[]"))
	}
	h.Set("X-Backend-Record-Type", "object")
	listed := info.StoragePolicyIndex
	if requestedPolicy != nil {
		listed = *requestedPolicy
	}
	h.Set("X-Backend-Record-Storage-Policy-Index", strconv.Itoa(listed))
	if limit > 0 {
		params.Limit = limit
		entries, err = s.db.Container(r.account, r.container).ListObjects(backendContext(), params)
		if err != nil {
			return err
		}
	}
	return s.writeListing(r, info, contentType, containerListing(contentType, r.container, entries))
}

// writeListing is create_listing's response: metadata headers, the body (204 when
// empty), Last-Modified from the PUT timestamp.
func (s *Server) writeListing(r *request, info accountdb.ContainerInfo, contentType string, body []byte) error {
	h := &r.ctx.Response.Header
	s.setMetadataHeaders(h, "container", info.Metadata)
	h.Set("Content-Type", contentType+"; charset=utf-8")
	h.Set("Last-Modified", info.PutTimestamp.HTTPDate())
	if len(body) == 0 {
		r.ctx.SetStatusCode(http.StatusNoContent)
		h.SetContentLength(0)
		return nil
	}
	r.ctx.SetStatusCode(http.StatusOK)
	r.ctx.SetBody(body)
	return nil
}

// containerListParams is validate_container_params: every parameter UTF-8, the limit
// within container_listing_limit (0 is allowed and lists nothing).
func (s *Server) containerListParams(r *request) (accountdb.ListParams, int, error) {
	var p accountdb.ListParams
	for name, dst := range map[string]*string{"prefix": &p.Prefix, "delimiter": &p.Delimiter, "marker": &p.Marker, "end_marker": &p.EndMarker} {
		v, _, err := r.param(name)
		if err != nil {
			return p, 0, err
		}
		*dst = v
	}
	path, hasPath, err := r.param("path")
	if err != nil {
		return p, 0, err
	}
	if hasPath {
		p.Path = &path
	}
	for _, name := range []string{"format", "reverse", "states", "includes"} {
		if _, _, err := r.param(name); err != nil {
			return p, 0, err
		}
	}
	reverse, _, _ := r.param("reverse")
	p.Reverse = swift.TrueValue(reverse)
	p.AllowReserved = r.allowReservedNames()
	limit, err := r.limit(s.limits.Container)
	return p, limit, err
}

func (s *Server) containerPUT(r *request) error {
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	if err := s.validateSyncTo(r); err != nil {
		return err
	}
	requestedPolicy, err := r.policyIndex(s.policies)
	if err != nil {
		return err
	}
	if r.object != "" {
		return s.objectRowPUT(r, ts, requestedPolicy)
	}
	if strings.EqualFold(r.header("X-Backend-Record-Type"), "shard") {
		return badRequest("Shard ranges are not supported: containers on this backend never shard")
	}
	newPolicy := s.policies.Default
	if requestedPolicy != nil {
		newPolicy = *requestedPolicy
	} else if v := r.header("X-Backend-Storage-Policy-Default"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return badRequest("Invalid X-Backend-Storage-Policy-Default " + pyRepr(v))
		}
		newPolicy = n
	}
	db := s.db.Container(r.account, r.container)
	created, err := s.updateOrCreate(r, db, ts, newPolicy, requestedPolicy)
	if err != nil {
		return err
	}
	if err := s.updateContainerMetadata(r, db, ts); err != nil {
		return err
	}
	if err := s.accounts.UpdateFromRequest(r, db); err != nil {
		return err
	}
	info, err := db.Info(backendContext())
	if err != nil {
		return err
	}
	r.ctx.Response.Header.Set("X-Backend-Storage-Policy-Index", strconv.Itoa(info.StoragePolicyIndex))
	if created {
		backend.WriteStatus(r.ctx, http.StatusCreated, "", false)
	} else {
		backend.WriteStatus(r.ctx, http.StatusAccepted, "", false)
	}
	return nil
}

// updateOrCreate is _update_or_create: create the database, or raise its PUT
// timestamp; a deleted container is recreated (and may change policy), a live one
// keeps its policy and a different requested one is 409 naming the existing index.
func (s *Server) updateOrCreate(r *request, db accountdb.ContainerDB, ts swift.Timestamp, newPolicy int, requestedPolicy *int) (bool, error) {
	ctx := backendContext()
	err := db.Initialize(ctx, ts, newPolicy)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, accountdb.ErrAlreadyExists) {
		return false, err
	}
	info, err := db.Info(ctx)
	if err != nil {
		return false, err
	}
	recreated := info.Deleted()
	if recreated {
		if err := db.SetStoragePolicyIndex(ctx, newPolicy, ts); err != nil {
			return false, err
		}
	} else if requestedPolicy != nil && *requestedPolicy != info.StoragePolicyIndex {
		return false, &backend.Error{Status: http.StatusConflict,
			Headers: map[string]string{"X-Backend-Storage-Policy-Index": strconv.Itoa(info.StoragePolicyIndex)}}
	}
	if err := db.UpdatePutTimestamp(ctx, ts); err != nil {
		return false, err
	}
	if info, err = db.Info(ctx); err != nil {
		return false, err
	}
	if info.Deleted() {
		return false, &backend.Error{Status: http.StatusConflict}
	}
	if recreated {
		if err := db.UpdateStatusChangedAt(ctx, ts); err != nil {
			return false, err
		}
	}
	return recreated, nil
}

// objectRowPUT records an object server's update: the row, its size, type and etag.
func (s *Server) objectRowPUT(r *request, ts swift.Timestamp, requestedPolicy *int) error {
	policy := 0
	if requestedPolicy != nil {
		policy = *requestedPolicy
	}
	size, err := strconv.ParseInt(r.header("X-Size"), 10, 64)
	if err != nil || size < 0 {
		return badRequest("Invalid X-Size header")
	}
	ctypeTS, err := r.optionalTimestamp("X-Content-Type-Timestamp")
	if err != nil {
		return err
	}
	metaTS, err := r.optionalTimestamp("X-Meta-Timestamp")
	if err != nil {
		return err
	}
	row := accountdb.ObjectRow{Name: r.object, Timestamp: ts, CtypeTimestamp: ctypeTS, MetaTimestamp: metaTS,
		Size: size, ContentType: r.header("X-Content-Type"), ETag: r.header("X-Etag"), StoragePolicyIndex: policy}
	if err := s.mergeObjectRows(r, ts, policy, []accountdb.ObjectRow{row}); err != nil {
		return err
	}
	backend.WriteStatus(r.ctx, http.StatusCreated, "", false)
	return nil
}

// mergeObjectRows applies rows, creating the container first where Swift's
// _maybe_autocreate would (the hidden accounts, or X-Backend-Auto-Create).
func (s *Server) mergeObjectRows(r *request, ts swift.Timestamp, policy int, rows []accountdb.ObjectRow) error {
	db := s.db.Container(r.account, r.container)
	err := db.MergeObjects(backendContext(), rows)
	if !errors.Is(err, accountdb.ErrNotFound) || !s.shouldAutoCreate(r) {
		return err
	}
	if err := db.Initialize(backendContext(), ts, policy); err != nil && !errors.Is(err, accountdb.ErrAlreadyExists) {
		return err
	}
	return db.MergeObjects(backendContext(), rows)
}

// shouldAutoCreate is _should_autocreate: an explicit X-Backend-Auto-Create decides;
// otherwise the accounts under auto_create_account_prefix, but not the shards' ones.
func (s *Server) shouldAutoCreate(r *request) bool {
	if v := r.header("X-Backend-Auto-Create"); v != "" {
		return swift.TrueValue(v)
	}
	if strings.HasPrefix(r.account, s.cfg.AutoCreatePrefix+"shards_") {
		return false
	}
	return strings.HasPrefix(r.account, s.cfg.AutoCreatePrefix)
}

func (s *Server) containerDELETE(r *request) error {
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	policy := 0
	if p, err := r.policyIndex(s.policies); err != nil {
		return err
	} else if p != nil {
		policy = *p
	}
	if r.object != "" {
		row := accountdb.ObjectRow{Name: r.object, Timestamp: ts, Deleted: true, StoragePolicyIndex: policy}
		if err := s.mergeObjectRows(r, ts, policy, []accountdb.ObjectRow{row}); err != nil {
			return err
		}
		backend.WriteStatus(r.ctx, http.StatusNoContent, "", false)
		return nil
	}
	ctx := backendContext()
	db := s.db.Container(r.account, r.container)
	info, err := db.Info(ctx)
	if err != nil {
		return err // ErrNotFound: a plain 404, as Swift's for a database that is not there
	}
	if info.ObjectCount > 0 {
		return &backend.Error{Status: http.StatusConflict}
	}
	existed := !info.PutTimestamp.IsZero() && !info.Deleted()
	if err := db.MarkDeleted(ctx, ts); err != nil {
		return err
	}
	if info, err = db.Info(ctx); err != nil {
		return err
	}
	if !info.Deleted() {
		return &backend.Error{Status: http.StatusConflict}
	}
	if err := s.accounts.UpdateFromRequest(r, db); err != nil {
		return err
	}
	if !existed {
		return &backend.Error{Status: http.StatusNotFound}
	}
	backend.WriteStatus(r.ctx, http.StatusNoContent, "", false)
	return nil
}

func (s *Server) containerPOST(r *request) error {
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	if err := s.validateSyncTo(r); err != nil {
		return err
	}
	_, deleted, err := s.containerInfo(r)
	if err != nil {
		return err
	}
	if deleted {
		return &backend.Error{Status: http.StatusNotFound}
	}
	db := s.db.Container(r.account, r.container)
	if err := db.UpdatePutTimestamp(backendContext(), ts); err != nil {
		return err
	}
	if err := s.updateContainerMetadata(r, db, ts); err != nil {
		return err
	}
	backend.WriteStatus(r.ctx, http.StatusNoContent, "", false)
	return nil
}

// updateContainerMetadata stores the request's metadata, validated against what the
// container will hold.
func (s *Server) updateContainerMetadata(r *request, db accountdb.ContainerDB, ts swift.Timestamp) error {
	items := s.requestMetadata(r, "container", ts)
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

// containerUPDATE is merge_items from a replicating peer or the sharder: a JSON list of
// object rows.
func (s *Server) containerUPDATE(r *request) error {
	ts, err := r.timestamp()
	if err != nil {
		return err
	}
	requestedPolicy, err := r.policyIndex(s.policies)
	if err != nil {
		return err
	}
	var items []struct {
		Name               string `json:"name"`
		CreatedAt          string `json:"created_at"`
		Size               int64  `json:"size"`
		ContentType        string `json:"content_type"`
		ETag               string `json:"etag"`
		Deleted            int    `json:"deleted"`
		StoragePolicyIndex int    `json:"storage_policy_index"`
		CtypeTimestamp     string `json:"ctype_timestamp"`
		MetaTimestamp      string `json:"meta_timestamp"`
	}
	if err := json.Unmarshal(r.ctx.Request.Body(), &items); err != nil {
		return badRequest(err.Error())
	}
	rows := make([]accountdb.ObjectRow, 0, len(items))
	for _, it := range items {
		row := accountdb.ObjectRow{Name: it.Name, Size: it.Size, ContentType: it.ContentType, ETag: it.ETag,
			Deleted: it.Deleted != 0, StoragePolicyIndex: it.StoragePolicyIndex}
		for _, f := range []struct {
			v   string
			dst *swift.Timestamp
		}{{it.CreatedAt, &row.Timestamp}, {it.CtypeTimestamp, &row.CtypeTimestamp}, {it.MetaTimestamp, &row.MetaTimestamp}} {
			if f.v == "" {
				continue
			}
			if *f.dst, err = swift.ParseTimestamp(f.v); err != nil {
				return badRequest("Invalid timestamp " + pyRepr(f.v))
			}
		}
		rows = append(rows, row)
	}
	policy := 0
	if requestedPolicy != nil {
		policy = *requestedPolicy
	}
	if err := s.mergeObjectRows(r, ts, policy, rows); err != nil {
		return err
	}
	backend.WriteStatus(r.ctx, http.StatusAccepted, "", false)
	return nil
}

// validateSyncTo is validate_sync_to for X-Container-Sync-To: empty, or an http(s) URL
// with a path to one of allowed_sync_hosts. Realms ("//realm/cluster/...") need
// container-sync-realms.conf, which this server does not read.
func (s *Server) validateSyncTo(r *request) error {
	if !r.hasHeader("X-Container-Sync-To") {
		return nil
	}
	value := r.header("X-Container-Sync-To")
	if value == "" {
		return nil
	}
	if strings.HasPrefix(value, "//") {
		return badRequest("No realm key for " + pyRepr(value))
	}
	u, err := url.Parse(value)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https"):
		scheme := ""
		if u != nil {
			scheme = u.Scheme
		}
		return badRequest("Invalid scheme " + pyRepr(scheme) + ` in X-Container-Sync-To, must be "//", "http", or "https".`)
	case u.Path == "":
		return badRequest("Path required in X-Container-Sync-To")
	case u.RawQuery != "" || u.Fragment != "" || strings.Contains(u.Path, ";"):
		return badRequest("Params, queries, and fragments not allowed in X-Container-Sync-To")
	}
	for _, h := range s.cfg.AllowedSyncHosts {
		if u.Hostname() == h {
			return nil
		}
	}
	return badRequest("Invalid host " + pyRepr(u.Hostname()) + " in X-Container-Sync-To")
}
