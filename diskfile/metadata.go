package diskfile

import (
	"strconv"
	"strings"
	"time"

	"github.com/radosswift/radosswift/internal/swift"
)

// Metadata keys with a meaning to engines.
const (
	KeyTimestamp     = "X-Timestamp"
	KeyContentLength = "Content-Length"
	KeyETag          = "ETag"
	KeyContentType   = "Content-Type"
	KeyContentTypeTS = "Content-Type-Timestamp"
	KeyDeleteAt      = "X-Delete-At"
	keySLO           = "x-static-large-object"
	sysmetaPrefix    = "x-object-sysmeta-"
)

// MergeMetadata applies Swift's rule for an object whose data was written by a PUT and
// whose metadata was later replaced by POSTs (diskfile.py, _construct_from_data_file):
// a POST replaces everything except the data's length, ETag, SLO flag and object
// sysmeta; the content type is the newest of the data's and the one a POST set with a
// Content-Type-Timestamp (kept in ctype when a later POST did not repeat it).
func MergeMetadata(data map[string]string, dataTS swift.Timestamp, post, ctype map[string]string) map[string]string {
	merged := make(map[string]string, len(data)+len(post))
	if post == nil {
		for k, v := range data {
			merged[k] = v
		}
		return merged
	}
	for k, v := range post {
		merged[k] = v
	}
	if ctype != nil && ctype[KeyContentType] != "" && newerTS(ctype[KeyContentTypeTS], merged[KeyContentTypeTS]) &&
		newerTS(ctype[KeyContentTypeTS], dataTS.Internal()) {
		merged[KeyContentType] = ctype[KeyContentType]
		merged[KeyContentTypeTS] = ctype[KeyContentTypeTS]
	}
	for k, v := range data {
		lk := strings.ToLower(k)
		if lk == "content-length" || lk == "etag" || lk == keySLO || strings.HasPrefix(lk, sysmetaPrefix) {
			merged[k] = v
		}
	}
	if ct, ok := data[KeyContentType]; ok && newerTS(dataTS.Internal(), merged[KeyContentTypeTS]) {
		merged[KeyContentType] = ct
		delete(merged, KeyContentTypeTS)
	}
	return merged
}

// Expired reports whether the X-Delete-At of metadata has passed (Swift: x_delete_at <= now).
func Expired(meta map[string]string) bool {
	v, ok := meta[KeyDeleteAt]
	if !ok {
		return false
	}
	at, err := strconv.ParseInt(v, 10, 64)
	return err == nil && at <= time.Now().Unix()
}

// newerTS compares two timestamps given as strings; an empty or invalid one is oldest.
func newerTS(a, b string) bool {
	ta, errA := swift.ParseTimestamp(a)
	if errA != nil {
		return false
	}
	tb, errB := swift.ParseTimestamp(b)
	if errB != nil {
		return true
	}
	return ta.After(tb)
}
