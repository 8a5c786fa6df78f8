package swift

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/big"

	"github.com/radosswift/radosswift/internal/config"
)

// HashConf is swift.conf's [swift-hash] section: the secret prefix and suffix that
// swift.common.utils.hash_path wraps around every account/container/object path. The
// strings hold the raw bytes of the file (Swift reads it as latin-1 and encodes back).
type HashConf struct {
	Prefix, Suffix string
}

// DefaultSwiftConf is where Swift looks for swift.conf (utils.SWIFT_CONF_FILE).
const DefaultSwiftConf = "/etc/swift/swift.conf"

// LoadHashConf reads only the [swift-hash] section of swiftConfPath (see LoadSwiftConf,
// which a process uses to read the whole file once).
func LoadHashConf(swiftConfPath string) (HashConf, error) {
	file, err := config.LoadDialect(swiftConfPath, config.SwiftConf)
	if err != nil {
		return HashConf{}, err
	}
	return hashConf(file)
}

// hashConf reads swift_hash_path_prefix and swift_hash_path_suffix the way
// utils.validate_hash_conf does (a plain ConfigParser on latin-1 text: keys are
// case-insensitive, [DEFAULT] is inherited, "%%" stands for "%", "%(key)s" is
// interpolated). Like Swift it refuses a file where both are missing or empty.
func hashConf(file *config.File) (HashConf, error) {
	var h HashConf
	suffix, _, err := file.Get("swift-hash", "swift_hash_path_suffix")
	if err != nil {
		return HashConf{}, err
	}
	prefix, _, err := file.Get("swift-hash", "swift_hash_path_prefix")
	if err != nil {
		return HashConf{}, err
	}
	h.Prefix, h.Suffix = prefix.Text, suffix.Text
	if h.Prefix == "" && h.Suffix == "" {
		return HashConf{}, fmt.Errorf("[swift-hash]: both swift_hash_path_suffix and swift_hash_path_prefix are missing from %s", file.Path)
	}
	return h, nil
}

// HashPathDigest is hash_path(account, container, object, raw_digest=True): the md5 of
// prefix + "/" + account[/container[/object]] + suffix. An empty container or object is
// left out, as Swift does for None or "". An object without a container is a caller's
// bug (Swift raises ValueError) and panics.
func (h HashConf) HashPathDigest(account, container, object string) [md5.Size]byte {
	if object != "" && container == "" {
		panic("swift: hash_path: container is required if object is provided")
	}
	m := md5.New()
	m.Write([]byte(h.Prefix))
	m.Write([]byte{'/'})
	m.Write([]byte(account))
	if container != "" {
		m.Write([]byte{'/'})
		m.Write([]byte(container))
	}
	if object != "" {
		m.Write([]byte{'/'})
		m.Write([]byte(object))
	}
	m.Write([]byte(h.Suffix))
	var d [md5.Size]byte
	m.Sum(d[:0])
	return d
}

// HashPath is hash_path(account, container, object): the hex form of HashPathDigest,
// the name of an object's or database's hash directory.
func (h HashConf) HashPath(account, container, object string) string {
	d := h.HashPathDigest(account, container, object)
	return hex.EncodeToString(d[:])
}

// ExpirerContainer is utils.get_expirer_container: the .expiring_objects container that
// holds the expiry task for a/c/o deleted at deleteAt, given the object servers'
// expiring_objects_container_divisor (86400 by default). The 128-bit hash_path, taken
// as a number modulo 100, spreads tasks over 100 containers per divisor period. A zero
// divisor panics, as Python raises ZeroDivisionError.
func ExpirerContainer(deleteAt int64, divisor int64, h HashConf, account, container, object string) string {
	d := h.HashPathDigest(account, container, object)
	shard := 0
	for _, b := range d {
		shard = (shard*256 + int(b)) % 100
	}
	if divisor == 0 {
		panic("swift: get_expirer_container: divisor is zero")
	}
	// Python's int(x_delete_at) // divisor * divisor - shard, with unbounded integers.
	x, div := big.NewInt(deleteAt), big.NewInt(divisor)
	q, r := new(big.Int).QuoRem(x, div, new(big.Int))
	if r.Sign() != 0 && r.Sign() != div.Sign() {
		q.Sub(q, big.NewInt(1)) // floor, not truncation
	}
	q.Mul(q, div)
	q.Sub(q, big.NewInt(int64(shard)))
	switch {
	case q.Sign() < 0:
		return NormalizeDeleteAt(0)
	case !q.IsInt64():
		return NormalizeDeleteAt(maxDeleteAt)
	}
	return NormalizeDeleteAt(q.Int64())
}

const maxDeleteAt = 9999999999

// NormalizeDeleteAt is normalize_delete_at_timestamp for whole seconds: the ten-digit,
// zero-padded form, with values below zero raised to 0000000000 and values past
// 9999999999 capped there.
func NormalizeDeleteAt(v int64) string {
	v = max(0, min(v, maxDeleteAt))
	return fmt.Sprintf("%010d", v)
}
