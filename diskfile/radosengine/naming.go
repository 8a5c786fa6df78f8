package radosengine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/radosswift/radosswift/diskfile"
)

// RADOS namespaces of the pool: object heads and tails live in the default namespace,
// the collector's index and quarantined objects apart, so listing one does not list all.
// Each is appended to Config.Namespace.
const (
	nsData       = ""
	nsGC         = ".gc"
	nsQuarantine = ".quarantine"
)

// headObjectName derives an object's RADOS name from its policy and path alone, never
// from device or partition: any node finds any object. Hashing bounds the length far
// below RADOS's 2048-byte limit; the full path is stored and checked on open.
func headObjectName(ref diskfile.ObjectRef) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(ref.Policy) + ref.Path()))
	return "o." + hex.EncodeToString(sum[:20])
}

// tailObjectName names stripe index of one upload. Tails are immutable: a new PUT
// writes new tails under a new upload id, so a reader of the old version is never mixed.
func tailObjectName(upload string, index int) string {
	return fmt.Sprintf("t.%s.%06d", upload, index)
}

// gcShardName is the index object holding collector entries for key.
func gcShardName(key string, shards int) string {
	h := fnv.New32a()
	h.Write([]byte(key))
	return fmt.Sprintf("gc.%03d", h.Sum32()%uint32(shards))
}
