package server

import (
	"strings"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// containerSavedHeaders are the container headers Swift keeps besides user and system
// metadata (ContainerController.save_headers), lower case.
var containerSavedHeaders = []string{"x-container-read", "x-container-write", "x-container-sync-key", "x-container-sync-to"}

// isSysOrUserMeta is is_sys_or_user_meta: the prefix and at least one more character.
func isSysOrUserMeta(target, key string) bool {
	for _, prefix := range []string{"x-" + target + "-meta-", "x-" + target + "-sysmeta-"} {
		if len(key) > len(prefix) && strings.EqualFold(key[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

// keptMetadata tells whether a header of a request to target ("account" or
// "container") is stored as metadata, and shown back by HEAD and GET.
func (s *Server) keptMetadata(target, key string) bool {
	if isSysOrUserMeta(target, key) {
		return true
	}
	if target != "container" {
		return false
	}
	lower := strings.ToLower(key)
	for _, h := range containerSavedHeaders {
		if lower == h {
			return true
		}
	}
	return s.cfg.AllowVersions && lower == "x-versions-location"
}

// requestMetadata collects the request's metadata items, set at ts (Swift's
// _update_metadata). Names are kept as swob presents them (Title-Case).
func (s *Server) requestMetadata(r *request, target string, ts swift.Timestamp) accountdb.Metadata {
	items := accountdb.Metadata{}
	r.visitHeaders(func(key, value string) {
		if s.keptMetadata(target, key) {
			items[swift.TitleHeader(key)] = accountdb.MetaItem{Value: value, Timestamp: ts}
		}
	})
	return items
}

// validateMetadata is DatabaseBroker.validate_metadata on the metadata as it will be
// once update is merged: valid UTF-8, and user metadata within the count and size limits.
func validateMetadata(stored, update accountdb.Metadata, c swift.Constraints) error {
	merged, _ := accountdb.MergeMetadata(stored, update)
	count, size := 0, 0
	for key, item := range merged {
		if !utf8.ValidString(key) || !utf8.ValidString(item.Value) {
			return badRequest("Metadata must be valid UTF-8")
		}
		lower := strings.ToLower(key)
		if item.Value == "" {
			continue
		}
		for _, prefix := range []string{"x-account-meta-", "x-container-meta-"} {
			if strings.HasPrefix(lower, prefix) {
				count++
				size += len(key) - len(prefix) + len(item.Value)
			}
		}
	}
	if count > c.MaxMetaCount {
		return badRequest("Too many metadata items; max " + itoa(c.MaxMetaCount))
	}
	if size > c.MaxMetaOverallSize {
		return badRequest("Total metadata too large; max " + itoa(c.MaxMetaOverallSize))
	}
	return nil
}

// setMetadataHeaders adds the metadata items that have a value to a response.
func (s *Server) setMetadataHeaders(h *fasthttp.ResponseHeader, target string, md accountdb.Metadata) {
	for key, item := range md {
		if item.Value != "" && (target == "account" || s.keptMetadata(target, key)) {
			h.Set(key, item.Value)
		}
	}
}
