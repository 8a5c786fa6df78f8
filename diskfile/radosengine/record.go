package radosengine

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/radosswift/radosswift/internal/swift"
)

// Omap keys of a head object. Everything is JSON or plain text: never a pickle.
const (
	keyTS    = "ts"    // internal timestamp of the data or tombstone: the PUT/DELETE guard
	keyData  = "data"  // dataRecord of the current version
	keyPost  = "meta"  // "<timestamp> <json>" of the last POST: the POST guard
	keyCtype = "ctype" // "<timestamp> <json>" of the newest POSTed content type
	keyLive  = "live"  // "1" while the current version is data, absent for a tombstone
)

// pad is written as the head's data when the data lives elsewhere (tails) or is empty:
// go-ceph's write ops cannot truncate, and one byte bounds what a stale head keeps.
var pad = []byte{0}

// dataRecord describes the current version of an object.
type dataRecord struct {
	Path    string            `json:"path"` // "/a/c/o", checked on open (collisions)
	Deleted bool              `json:"deleted,omitempty"`
	Meta    map[string]string `json:"meta,omitempty"`
	Size    int64             `json:"size"`
	ETag    string            `json:"etag,omitempty"`
	Upload  string            `json:"upload,omitempty"` // tails' upload id; "" means data inline in the head
	Stripe  int64             `json:"stripe,omitempty"` // tail size of this upload
}

// headState is what a head object's omap says.
type headState struct {
	ts     swift.Timestamp
	record dataRecord
	postTS swift.Timestamp
	post   map[string]string
	ctype  map[string]string
}

func decodeHead(vals map[string][]byte) (*headState, error) {
	raw, ok := vals[keyData]
	if !ok {
		return nil, errNoObject
	}
	st := &headState{}
	var err error
	if st.ts, err = swift.ParseTimestamp(string(vals[keyTS])); err != nil {
		return nil, fmt.Errorf("head: bad %s: %w", keyTS, err)
	}
	if err := json.Unmarshal(raw, &st.record); err != nil {
		return nil, fmt.Errorf("head: bad %s: %w", keyData, err)
	}
	if v, ok := vals[keyPost]; ok {
		if st.postTS, st.post, err = decodeStamped(string(v)); err != nil {
			return nil, fmt.Errorf("head: bad %s: %w", keyPost, err)
		}
	}
	if v, ok := vals[keyCtype]; ok {
		if _, st.ctype, err = decodeStamped(string(v)); err != nil {
			return nil, fmt.Errorf("head: bad %s: %w", keyCtype, err)
		}
	}
	return st, nil
}

// newest is Swift's X-Timestamp of the object: the later of data and POST.
func (st *headState) newest() swift.Timestamp {
	if st.postTS.After(st.ts) {
		return st.postTS
	}
	return st.ts
}

// encodeStamped is "<internal timestamp> <json>": as a string it sorts by timestamp,
// and it sorts after the bare timestamp, which the guards rely on.
func encodeStamped(ts swift.Timestamp, meta map[string]string) string {
	b, _ := json.Marshal(meta)
	return ts.Internal() + " " + string(b)
}

func decodeStamped(v string) (swift.Timestamp, map[string]string, error) {
	tsText, body, ok := strings.Cut(v, " ")
	if !ok {
		return swift.Timestamp{}, nil, fmt.Errorf("no timestamp in %q", v)
	}
	ts, err := swift.ParseTimestamp(tsText)
	if err != nil {
		return ts, nil, err
	}
	meta := map[string]string{}
	return ts, meta, json.Unmarshal([]byte(body), &meta)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs and string maps are encoded
	}
	return b
}
