package radosengine

import (
	"encoding/binary"
	"sort"
)

// Guards run inside the OSD through the cmpomap object class (ceph src/cls/cmpomap),
// in the same write op as the change they protect: newest-timestamp-wins holds between
// processes and nodes without locks. Timestamps are compared as strings, which is
// correct because Swift's internal timestamp form sorts like the timestamps.

const cmpomapClass = "cmpomap"

// cmpomap comparison modes and operators (ceph include/rados.h CEPH_OSD_CMPXATTR_*).
const (
	cmpModeString = 1
	cmpOpEQ       = 1
	cmpOpGT       = 3
)

// encodeCmpOmap encodes cmp_vals_op / cmp_set_vals_op (withDefault) or cmp_rm_keys_op:
// ENCODE_START(1, 1): u8 version, u8 compat, u32 body length, then the body: u8 mode,
// u8 op, u32 count, sorted (u32 len, key, u32 len, value) pairs, and for the first two
// an optional default value (u8 present, u32 len, bytes). In a comparison the value
// sent is the left operand, the stored value the right one.
func encodeCmpOmap(op byte, values map[string]string, withDefault bool, defaultValue *string) []byte {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	body := []byte{cmpModeString, op}
	body = binary.LittleEndian.AppendUint32(body, uint32(len(keys)))
	for _, k := range keys {
		body = binary.LittleEndian.AppendUint32(body, uint32(len(k)))
		body = append(body, k...)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(values[k])))
		body = append(body, values[k]...)
	}
	if withDefault {
		if defaultValue == nil {
			body = append(body, 0)
		} else {
			body = append(body, 1)
			body = binary.LittleEndian.AppendUint32(body, uint32(len(*defaultValue)))
			body = append(body, *defaultValue...)
		}
	}
	out := make([]byte, 0, 6+len(body))
	out = append(out, 1, 1)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

var emptyDefault = ""

// guardNewer: every key's stored value must sort before the given one; a missing key
// counts as "" (older than anything). Fails the whole op with ECANCELED otherwise.
func guardNewer(values map[string]string) []byte {
	return encodeCmpOmap(cmpOpGT, values, true, &emptyDefault)
}

// guardEqual: every key must be stored with exactly the given value (missing fails).
func guardEqual(values map[string]string) []byte {
	return encodeCmpOmap(cmpOpEQ, values, true, nil)
}

// setIfNewer: sets each key to the given value where that sorts after the stored one
// (or the key is missing). Never fails the op.
func setIfNewer(values map[string]string) []byte {
	return encodeCmpOmap(cmpOpGT, values, true, &emptyDefault)
}

// removeIfOlder: removes each key whose stored value sorts before the given one.
// Never fails the op.
func removeIfOlder(values map[string]string) []byte {
	return encodeCmpOmap(cmpOpGT, values, false, nil)
}
