// Package cmpomap encodes the arguments of Ceph's cmpomap object class (ceph
// src/cls/cmpomap): comparisons on omap values that run inside the OSD, in the same
// write op as the change they protect, so rules such as newest-timestamp-wins or "the row
// is still what I read" hold between processes and nodes without locks. The RADOS
// object engine and the RADOS account/container databases both build their guards here.
package cmpomap

import (
	"encoding/binary"
	"sort"
)

// Class is the object class name passed to Exec.
const Class = "cmpomap"

// Methods of the class. In every comparison the value sent is the left operand and the
// stored value the right one.
const (
	MethodCmpVals    = "cmp_vals"     // fails the whole op with ECANCELED unless every comparison holds
	MethodCmpSetVals = "cmp_set_vals" // sets each key to the value sent where its comparison holds
	MethodCmpRmKeys  = "cmp_rm_keys"  // removes each existing key where its comparison holds
)

// Op is a comparison operator (ceph include/rados.h CEPH_OSD_CMPXATTR_OP_*).
type Op byte

const (
	EQ  Op = 1
	NE  Op = 2
	GT  Op = 3
	GTE Op = 4
	LT  Op = 5
	LTE Op = 6
)

// modeString compares values as byte strings (CEPH_OSD_CMPXATTR_MODE_STRING); every
// value radosswift guards on is a string that sorts the way it must compare.
const modeString = 1

// encode lays out cmp_vals_op / cmp_set_vals_op (withDefault) or cmp_rm_keys_op as
// ENCODE_START(1, 1): u8 version, u8 compat, u32 body length, then the body: u8 mode,
// u8 op, u32 count, sorted (u32 len, key, u32 len, value) pairs, and for the first two
// an optional default value for missing keys (u8 present, u32 len, bytes).
func encode(op Op, values map[string]string, withDefault bool, missing *string) []byte {
	keys := make([]string, 0, len(values))
	size := 0
	for k, v := range values {
		keys = append(keys, k)
		size += 8 + len(k) + len(v)
	}
	sort.Strings(keys)
	body := make([]byte, 0, 6+size+5+16)
	body = append(body, modeString, byte(op))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(keys)))
	for _, k := range keys {
		body = binary.LittleEndian.AppendUint32(body, uint32(len(k)))
		body = append(body, k...)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(values[k])))
		body = append(body, values[k]...)
	}
	if withDefault {
		if missing == nil {
			body = append(body, 0)
		} else {
			body = append(body, 1)
			body = binary.LittleEndian.AppendUint32(body, uint32(len(*missing)))
			body = append(body, *missing...)
		}
	}
	out := make([]byte, 0, 6+len(body))
	out = append(out, 1, 1)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

// Compare is the input of cmp_vals and cmp_set_vals: each key compared with op; a missing
// key compares as *missing, or fails the comparison when missing is nil.
func Compare(op Op, values map[string]string, missing *string) []byte {
	return encode(op, values, true, missing)
}

// Remove is the input of cmp_rm_keys (missing keys are skipped, there is no default).
func Remove(op Op, values map[string]string) []byte {
	return encode(op, values, false, nil)
}

// MaxKeys is the most comparisons Ceph's own client sends in one call (cls::cmpomap::max_keys);
// callers split bigger batches so every op stays within what the class is tested with.
const MaxKeys = 1000

var absent = ""

// GuardNewer (cmp_vals): every key's stored value must sort before the given one; a
// missing key counts as "" (older than anything).
func GuardNewer(values map[string]string) []byte { return Compare(GT, values, &absent) }

// GuardEqual (cmp_vals): every key must be stored with exactly the given value; a
// missing key fails.
func GuardEqual(values map[string]string) []byte { return Compare(EQ, values, nil) }

// GuardUnchanged (cmp_vals): every key must still hold exactly the value read before,
// where "" stands for "was missing" (so stored values must never be empty). This is the
// optimistic read-modify-write guard: on ECANCELED the caller reads again and retries.
func GuardUnchanged(values map[string]string) []byte { return Compare(EQ, values, &absent) }

// SetIfNewer (cmp_set_vals): sets each key to the given value where that sorts after the
// stored one or the key is missing. Never fails the op.
func SetIfNewer(values map[string]string) []byte { return Compare(GT, values, &absent) }

// RemoveIfOlder (cmp_rm_keys): removes each key whose stored value sorts before the
// given one. Never fails the op.
func RemoveIfOlder(values map[string]string) []byte { return Remove(GT, values) }

// RemoveIfEqual (cmp_rm_keys): removes each key still stored with exactly the given
// value, so a key rewritten meanwhile stays. Never fails the op.
func RemoveIfEqual(values map[string]string) []byte { return Remove(EQ, values) }
