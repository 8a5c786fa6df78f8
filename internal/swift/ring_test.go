package swift

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeRingFile writes a format-1 ring as RingData.serialize_v1 does, compressed with
// gzip (or zlib), the tables in the given byte order.
func writeRingFile(t *testing.T, path string, header map[string]any, tables [][]uint16, order binary.ByteOrder, useZlib bool) {
	t.Helper()
	headerJSON, err := json.Marshal(header)
	require.NoError(t, err)
	var raw bytes.Buffer
	raw.WriteString("R1NG")
	require.NoError(t, binary.Write(&raw, binary.BigEndian, uint16(1)))
	require.NoError(t, binary.Write(&raw, binary.BigEndian, uint32(len(headerJSON))))
	raw.Write(headerJSON)
	for _, table := range tables {
		require.NoError(t, binary.Write(&raw, order, table))
	}
	writeCompressed(t, path, raw.Bytes(), useZlib)
}

func writeCompressed(t *testing.T, path string, data []byte, useZlib bool) {
	t.Helper()
	var out bytes.Buffer
	if useZlib {
		w := zlib.NewWriter(&out)
		w.Write(data)
		require.NoError(t, w.Close())
	} else {
		w := gzip.NewWriter(&out)
		w.Write(data)
		require.NoError(t, w.Close())
	}
	require.NoError(t, os.WriteFile(path, out.Bytes(), 0o644))
}

// handRing has 4 partitions, a removed device 1, a device 2 relying on the defaults
// (region, replication address) with an IPv6 address, 2.5 replicas (the last table
// covers partitions 0 and 1 only) and partitions holding one device twice.
func handRingHeader(byteorder string) map[string]any {
	h := map[string]any{
		"devs": []any{
			map[string]any{"id": 0, "ip": "10.0.0.1", "port": 6200, "device": "sda", "region": 1, "zone": 1,
				"weight": 1.0, "replication_ip": "10.1.0.1", "replication_port": 6300, "meta": ""},
			nil,
			map[string]any{"id": 2, "ip": "fe80::1", "port": 6202, "device": "sdc", "zone": 2, "weight": 2.5},
		},
		"part_shift":    30,
		"replica_count": 3,
		"version":       7,
	}
	if byteorder != "" {
		h["byteorder"] = byteorder
	}
	return h
}

var handRingTables = [][]uint16{{0, 2, 0, 2}, {2, 0, 0, 0}, {0, 2}}

func TestLoadRingHandBuilt(t *testing.T) {
	dev0 := Device{ID: 0, IP: "10.0.0.1", Port: 6200, Device: "sda", ReplicationIP: "10.1.0.1", ReplicationPort: 6300, Region: 1, Zone: 1, Weight: 1}
	dev2 := Device{ID: 2, IP: "fe80::1", Port: 6202, Device: "sdc", ReplicationIP: "fe80::1", ReplicationPort: 6202, Region: 1, Zone: 2, Weight: 2.5}
	dir := t.TempDir()
	for _, variant := range []struct {
		name      string
		byteorder string
		order     binary.ByteOrder
		zlib      bool
	}{
		{"big-endian gzip", "big", binary.BigEndian, false},
		{"little-endian zlib", "little", binary.LittleEndian, true},
		{"native without byteorder", "", binary.NativeEndian, false},
	} {
		path := filepath.Join(dir, variant.name+".ring.gz")
		writeRingFile(t, path, handRingHeader(variant.byteorder), handRingTables, variant.order, variant.zlib)
		r, err := LoadRing(path)
		require.NoError(t, err, variant.name)
		require.Equal(t, 2, r.PartPower())
		require.Equal(t, 4, r.PartitionCount())
		require.Equal(t, 2.5, r.ReplicaCount())
		require.Equal(t, int64(7), r.Version())
		require.Equal(t, []Device{dev0, dev2}, r.Devices())
		require.Equal(t, []Device{dev0, dev2}, r.Nodes(0), "replica 2 repeats device 0")
		require.Equal(t, []Device{dev2, dev0}, r.Nodes(1))
		require.Equal(t, []Device{dev0}, r.Nodes(2), "one device holding both replicas appears once")
		require.Equal(t, []Device{dev2, dev0}, r.Nodes(3))
		require.Empty(t, r.Nodes(4))
		require.Empty(t, r.Nodes(-1))

		// The top two bits of the hash_path digests of the hard-coded vectors.
		changeme, caps := HashConf{Suffix: "changeme"}, HashConf{Prefix: "startcap", Suffix: "endcap"}
		require.Equal(t, 1, r.Partition(changeme, "AUTH_test", "c", "o")) // 7363996f...
		require.Equal(t, 2, r.Partition(changeme, "AUTH_test", "", ""))   // 9d00c9d0...
		require.Equal(t, 0, r.Partition(changeme, "AUTH_test", "c", ""))  // 26e5f92d...
		require.Equal(t, 3, r.Partition(caps, "AUTH_test", "c", "o"))     // dc57422f...
	}

	require.Equal(t, "10.0.0.1:6200", dev0.Host())
	require.Equal(t, "10.1.0.1:6300", dev0.ReplicationHost())
	require.Equal(t, "[fe80::1]:6202", dev2.Host())
	require.Equal(t, "[::1]:6000", Device{IP: "[::1]", Port: 6000}.Host(), "an address already in brackets")
	require.Equal(t, "storage.example:6000", Device{IP: "storage.example", Port: 6000}.Host())
}

func TestLoadRingPartitionPowerZero(t *testing.T) {
	path := filepath.Join(t.TempDir(), "one.ring.gz")
	writeRingFile(t, path, map[string]any{"devs": []any{map[string]any{"id": 0, "ip": "127.0.0.1", "port": 1, "device": "d", "zone": 1, "weight": 1}},
		"part_shift": 32, "replica_count": 1, "byteorder": "little"}, [][]uint16{{0}}, binary.LittleEndian, false)
	r, err := LoadRing(path)
	require.NoError(t, err)
	require.Equal(t, 1, r.PartitionCount())
	require.Equal(t, 0, r.Partition(HashConf{Suffix: "changeme"}, "AUTH_test", "c", "o"))
	require.Len(t, r.Nodes(0), 1)
}

func TestLoadRingRefusesBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	header := func(mut func(map[string]any)) []byte {
		h := handRingHeader("little")
		if mut != nil {
			mut(h)
		}
		b, err := json.Marshal(h)
		require.NoError(t, err)
		return b
	}
	build := func(magic string, version uint16, headerJSON []byte, jsonLen int, tables ...[]byte) []byte {
		var b bytes.Buffer
		b.WriteString(magic)
		binary.Write(&b, binary.BigEndian, version)
		binary.Write(&b, binary.BigEndian, uint32(jsonLen))
		b.Write(headerJSON)
		for _, t := range tables {
			b.Write(t)
		}
		return b.Bytes()
	}
	le := func(ids ...uint16) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, ids)
		return b.Bytes()
	}
	good := header(nil)
	full := [][]byte{le(0, 2, 0, 2), le(2, 0, 0, 0), le(0, 2)}
	for _, tc := range []struct {
		name string
		data []byte
		raw  bool // not compressed
	}{
		{"pickled ring", []byte("\x80\x02}q\x00(U\x04devsq\x01]q\x02"), false},
		{"format version 2", build("R1NG", 2, good, len(good), full...), false},
		{"header cut short", build("R1NG", 1, good, len(good)+100), false},
		{"bad JSON", build("R1NG", 1, []byte("{nope"), 5, full...), false},
		{"no part_shift", func() []byte {
			h := header(func(m map[string]any) { delete(m, "part_shift") })
			return build("R1NG", 1, h, len(h), full...)
		}(), false},
		{"unknown byte order", func() []byte {
			h := header(func(m map[string]any) { m["byteorder"] = "middle" })
			return build("R1NG", 1, h, len(h), full...)
		}(), false},
		{"first table short", build("R1NG", 1, good, len(good), le(0, 2, 0)), false},
		{"odd table length", build("R1NG", 1, good, len(good), append(append(le(0, 2, 0, 2), le(2, 0, 0, 0)...), 0)), false},
		{"removed device assigned", build("R1NG", 1, good, len(good), le(0, 1, 0, 2), le(2, 0, 0, 0), le(0, 2)), false},
		{"unknown device assigned", build("R1NG", 1, good, len(good), le(0, 9, 0, 2), le(2, 0, 0, 0), le(0, 2)), false},
		{"not compressed", build("R1NG", 1, good, len(good), full...), true},
	} {
		path := filepath.Join(dir, "broken.ring.gz")
		if tc.raw {
			require.NoError(t, os.WriteFile(path, tc.data, 0o644))
		} else {
			writeCompressed(t, path, tc.data, false)
		}
		_, err := LoadRing(path)
		require.Error(t, err, tc.name)
	}
	_, err := LoadRing(filepath.Join(dir, "missing.ring.gz"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

const pythonRingScript = `
import json, sys
from swift.common import utils
from swift.common.ring import Ring
req = json.load(sys.stdin)
utils.HASH_PATH_PREFIX = bytes.fromhex(req["prefix"])
utils.HASH_PATH_SUFFIX = bytes.fromhex(req["suffix"])
keys = ("id", "ip", "port", "device", "replication_ip", "replication_port", "region", "zone", "weight")
def nodes(ns):
    return [{k: n[k] for k in keys} for n in ns]
out = []
for path in req["rings"]:
    ring = Ring(path)
    r = {"partition_count": ring.partition_count, "replica_count": ring.replica_count,
         "part_power": ring.part_power, "parts": [], "nodes": [], "all": []}
    for a, c, o in req["names"]:
        part, ns = ring.get_nodes(a, c or None, o or None)
        assert part == ring.get_part(a, c or None, o or None)
        r["parts"].append(part)
        r["nodes"].append(nodes(ns))
    for part in range(ring.partition_count + 1):
        r["all"].append(nodes(ring.get_part_nodes(part)))
    out.append(r)
json.dump(out, sys.stdout)
`

type pyRingNode struct {
	ID              int     `json:"id"`
	IP              string  `json:"ip"`
	Port            int     `json:"port"`
	Device          string  `json:"device"`
	ReplicationIP   string  `json:"replication_ip"`
	ReplicationPort int     `json:"replication_port"`
	Region          int     `json:"region"`
	Zone            int     `json:"zone"`
	Weight          float64 `json:"weight"`
}

type pyRingAnswer struct {
	PartitionCount int            `json:"partition_count"`
	ReplicaCount   float64        `json:"replica_count"`
	PartPower      int            `json:"part_power"`
	Parts          []int          `json:"parts"`
	Nodes          [][]pyRingNode `json:"nodes"`
	All            [][]pyRingNode `json:"all"`
}

func asPyNodes(devs []Device) []pyRingNode {
	out := []pyRingNode{}
	for _, d := range devs {
		out = append(out, pyRingNode(d))
	}
	return out
}

func findRingBuilder(t *testing.T) string {
	if p, err := exec.LookPath("swift-ring-builder"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/swift-ring-builder"); err == nil {
		return "/usr/bin/swift-ring-builder"
	}
	t.Skip("swift-ring-builder is not installed")
	return ""
}

// buildRing runs swift-ring-builder in dir, one command per step, and returns the
// ring file's path.
func buildRing(builder, dir, name string, steps ...[]string) (string, error) {
	builderFile := filepath.Join(dir, name+".builder")
	for _, step := range steps {
		cmd := exec.Command(builder, append([]string{builderFile}, step...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "EVENTLET_NO_GREENDNS=yes") // a faster start
		out, err := cmd.CombinedOutput()
		// rebalance exits 1 for a warning (balance not yet perfect), 2 for an error.
		if exit, ok := err.(*exec.ExitError); ok && step[0] == "rebalance" && exit.ExitCode() == 1 {
			err = nil
		}
		if err != nil {
			return "", fmt.Errorf("swift-ring-builder %s %v: %w: %s", name, step, err, out)
		}
	}
	return filepath.Join(dir, name+".ring.gz"), nil
}

func TestRingMatchesPython(t *testing.T) {
	if testing.Short() {
		t.Skip("building rings with swift-ring-builder takes seconds; skipped with -short")
	}
	builder := findRingBuilder(t)
	dir := t.TempDir()
	add := func(devs ...string) []string {
		step := []string{"add"}
		for _, d := range devs {
			step = append(step, d, "100")
		}
		return step
	}
	three := add("r1z1-127.0.0.1:6200R127.0.0.2:7200/sda", "r1z2-127.0.0.1:6201/sdb", "r1z3-127.0.0.1:6202/sdc")
	recipes := map[string][][]string{
		"one-replica":    {{"create", "6", "1", "0"}, three, {"rebalance"}},
		"three-replicas": {{"create", "8", "3", "0"}, three, {"rebalance"}},
		"fractional": {{"create", "5", "2.5", "0"},
			{"add", "r1z1-127.0.0.1:6200/sda", "100", "r1z2-127.0.0.1:6201/sdb", "100", "r2z1-[::1]:6202/sdc", "50"},
			{"rebalance"}},
		"removed-device": {{"create", "5", "2", "0"},
			add("r1z1-127.0.0.1:6200/sda", "r1z2-127.0.0.1:6201/sdb", "r1z3-127.0.0.1:6202/sdc", "r1z4-127.0.0.1:6203/sdd"),
			{"rebalance"}, {"remove", "d1"}, {"rebalance"}},
	}
	// swift-ring-builder takes seconds to start, so the rings are built side by side.
	var (
		rings []string
		mu    sync.Mutex
		wg    sync.WaitGroup
		errs  []error
	)
	for name, steps := range recipes {
		wg.Go(func() {
			ring, err := buildRing(builder, dir, name, steps...)
			mu.Lock()
			defer mu.Unlock()
			rings, errs = append(rings, ring), append(errs, err)
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	slices.Sort(rings)
	// Python reads the hand-built ring too: big-endian tables, duplicates, 2.5 replicas.
	hand := filepath.Join(dir, "hand.ring.gz")
	writeRingFile(t, hand, handRingHeader("big"), handRingTables, binary.BigEndian, false)
	rings = append(rings, hand)

	h := HashConf{Prefix: "startcap", Suffix: "endcap"}
	rng := rand.New(rand.NewPCG(3, 4))
	names := [][3]string{{"AUTH_test", "", ""}, {"AUTH_test", "c", ""}, {"AUTH_test", "c", "o"},
		{"AUTH_t", "cont ☃", "obj/with/slashes"}, {".expiring_objects", "", ""}, {".expiring_objects", "1700000000", "1700000000-AUTH_test/c/o"}}
	for len(names) < 16 {
		names = append(names, [3]string{"AUTH_" + randomSwiftName(rng, 8), randomSwiftName(rng, 16), randomSwiftName(rng, 40)})
	}
	req := map[string]any{
		"prefix": fmt.Sprintf("%x", h.Prefix), "suffix": fmt.Sprintf("%x", h.Suffix),
		"rings": rings, "names": names,
	}
	var answers []pyRingAnswer
	if !runPythonSwift(t, pythonRingScript, req, &answers) {
		t.Skipf("%s lacks the swift module", pythonForSwift)
	}
	require.Len(t, answers, len(rings))
	sawRemoved := false
	for i, path := range rings {
		want := answers[i]
		r, err := LoadRing(path)
		require.NoError(t, err, path)
		require.Equal(t, want.PartitionCount, r.PartitionCount(), path)
		require.Equal(t, want.PartPower, r.PartPower(), path)
		require.InDelta(t, want.ReplicaCount, r.ReplicaCount(), 1e-12, path)
		for j, n := range names {
			part := r.Partition(h, n[0], n[1], n[2])
			require.Equal(t, want.Parts[j], part, "%s %q", path, n)
			require.Equal(t, want.Nodes[j], asPyNodes(r.Nodes(part)), "%s %q", path, n)
		}
		for part, nodes := range want.All {
			require.Equal(t, nodes, asPyNodes(r.Nodes(part)), "%s partition %d", path, part)
		}
		if len(r.devs) > len(r.Devices()) {
			sawRemoved = true
		}
	}
	require.True(t, sawRemoved, "the removed-device ring should keep a null entry")
}
