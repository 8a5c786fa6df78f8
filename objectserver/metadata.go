package objectserver

import (
	"strings"

	"github.com/radosswift/radosswift/internal/swift"
)

// requestMetadata is what a PUT or POST stores from its headers: user metadata,
// object sysmeta (PUT only), transient sysmeta, and the allowed headers, as Swift's
// _get_request_metadata and POST do.
func (s *Server) requestMetadata(r *objectRequest, withSysmeta bool) map[string]string {
	meta := map[string]string{}
	copyHeaders := map[string]bool{}
	for _, h := range strings.Fields(r.header("X-Backend-Replication-Headers")) {
		copyHeaders[strings.ToLower(h)] = true
	}
	r.visitHeaders(func(key, value string) {
		lk := strings.ToLower(key)
		switch {
		case swift.IsUserMeta("object", key), swift.IsObjectTransientSysmeta(key),
			withSysmeta && swift.IsSysMeta("object", key):
			meta[key] = value
		case s.cfg.AllowedHeaders[lk] || copyHeaders[lk]:
			meta[swift.TitleHeader(key)] = value
		}
	})
	return meta
}

// isResponseHeader tells which of an object's metadata GET and HEAD return as headers.
func (s *Server) isResponseHeader(key string) bool {
	return swift.IsUserMeta("object", key) || swift.IsSysMeta("object", key) ||
		swift.IsObjectTransientSysmeta(key) || s.cfg.AllowedHeaders[strings.ToLower(key)]
}
