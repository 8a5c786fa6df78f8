package radosdb

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"strconv"
	"strings"
)

// RADOS object names derive from the account and container names only, never from the
// ring (device, partition), so a ring change moves nothing and any node serves any
// database. The names are hashes, so any Swift name fits RADOS's limits; the full name is
// stored in the status object and checked, so a hash collision is an error, not a mix.
//
//	c.<md5(account/container)>          a container's status object
//	c.<md5(account/container)>.<i>      its object-row shards, i in [0, shards)
//	a.<md5(account)>                    an account's status object
//	a.<md5(account)>.<i>                its container-row shards
//	pending.<k>                         the container updater's work list, k in [0, pendingObjects)

func containerPath(account, container string) string { return account + "/" + container }

func containerBase(account, container string) string {
	return "c." + hashName(containerPath(account, container))
}

func accountBase(account string) string { return "a." + hashName(account) }

func hashName(path string) string {
	sum := md5.Sum([]byte(path))
	return hex.EncodeToString(sum[:])
}

func shardObject(base string, shard int) string { return base + "." + strconv.Itoa(shard) }

// shardOf places a row by its name. FNV-1a is stable across processes and versions
// (unlike Go's map hash), which every node relies on to find the same row.
func shardOf(name string, shards int) int {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int(h.Sum64() % uint64(shards))
}

// pendingObject is the work-list object that holds a container's report mark.
func pendingObject(account, container string) string {
	sum := md5.Sum([]byte(containerPath(account, container)))
	return "pending." + strconv.Itoa(int(binary.BigEndian.Uint32(sum[:4])%pendingObjects))
}

// pendingObjects spreads the marks of busy containers over a few objects (and PGs); the
// updater reads them all, so there are few.
const pendingObjects = 8

// Omap keys inside a shard object. Rows that a listing shows live under one prefix in
// name order and again under another in reverse name order; rows it never shows
// (tombstones, deleted containers) live apart, so a listing never walks past them.
const (
	keyShardName   = "name"   // the database's full name, checked against the status object's
	keyShardCount  = "shards" // the shard count the row was placed with
	prefixListed   = "o."     // "o." + name -> row, ascending
	prefixReversed = "r."     // "r." + reverseKey(name) -> row, descending by name
	prefixHidden   = "d."     // "d." + name -> tombstone or deleted container row
	prefixStats    = "s."     // "s." + policy -> this shard's stats for the policy
)

// Names become omap keys through escapeName, which keeps their order but leaves no NUL
// byte in a key: librados passes omap bounds (start_after) as C strings, which end at
// NUL, and Swift's reserved namespace (object versioning) names start with one.
func listedKey(name string) string   { return prefixListed + escapeName(name) }
func hiddenKey(name string) string   { return prefixHidden + escapeName(name) }
func reversedKey(name string) string { return prefixReversed + reverseKey(name) }

// escapeName writes 0x00 as 0x01 0x01 and 0x01 as 0x01 0x02; every other byte is kept.
// Order is kept because 0x01 is below every byte kept as it is.
func escapeName(name string) string {
	if strings.IndexByte(name, 0) < 0 && strings.IndexByte(name, 1) < 0 {
		return name
	}
	out := make([]byte, 0, len(name)+4)
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 2 {
			out = append(out, 0x01, c+1)
		} else {
			out = append(out, c)
		}
	}
	return string(out)
}

// unescapeName undoes escapeName.
func unescapeName(key string) string {
	if strings.IndexByte(key, 1) < 0 {
		return key
	}
	out := make([]byte, 0, len(key))
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == 0x01 && i+1 < len(key) {
			i++
			c = key[i] - 1
		}
		out = append(out, c)
	}
	return string(out)
}

// reverseKey maps names to keys that sort in the opposite order, because omap iterates
// forward only: each byte b becomes c = 0xff-b, and a terminator 0xff makes a name sort
// after its own extensions ("ab" before "a"). For the terminator to sort above every
// mapped byte, and for no NUL to appear, c = 0x00 and 0x01 are written 0x01 0x01 and
// 0x01 0x02, and c = 0xfe and 0xff as 0xfe 0x01 and 0xfe 0x02 (order is kept).
func reverseKey(name string) string {
	out := make([]byte, 0, len(name)+1)
	for i := 0; i < len(name); i++ {
		switch c := 0xff - name[i]; {
		case c < 2:
			out = append(out, 0x01, c+1)
		case c >= 0xfe:
			out = append(out, 0xfe, c-0xfe+1)
		default:
			out = append(out, c)
		}
	}
	return string(append(out, 0xff))
}

// nameOfReverseKey undoes reverseKey.
func nameOfReverseKey(key string) string {
	out := make([]byte, 0, len(key))
	for i := 0; i < len(key)-1; i++ { // the last byte is the terminator
		c := key[i]
		if c == 0x01 && i+1 < len(key)-1 {
			i++
			c = key[i] - 1
		} else if c == 0xfe && i+1 < len(key)-1 {
			i++
			c = 0xfe + key[i] - 1
		}
		out = append(out, 0xff-c)
	}
	return string(out)
}
