package swift

import (
	"bufio"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
)

// Device is one entry of a ring's device list, with the defaults Ring._reload fills in
// (region 1, replication address = the ordinary one).
type Device struct {
	ID              int
	IP              string
	Port            int
	Device          string
	ReplicationIP   string
	ReplicationPort int
	Region, Zone    int
	Weight          float64
}

// Host is the device's "ip:port", with an IPv6 address in brackets.
func (d Device) Host() string { return joinRingHostPort(d.IP, d.Port) }

// ReplicationHost is "replication_ip:replication_port", IPv6 in brackets.
func (d Device) ReplicationHost() string { return joinRingHostPort(d.ReplicationIP, d.ReplicationPort) }

func joinRingHostPort(ip string, port int) string {
	if len(ip) > 1 && ip[0] == '[' && ip[len(ip)-1] == ']' {
		ip = ip[1 : len(ip)-1]
	}
	return net.JoinHostPort(ip, strconv.Itoa(port))
}

// Ring is a loaded Swift ring (swift.common.ring.Ring): the device list and, per
// replica, the partition → device id table. It is read-only once loaded and safe for
// concurrent use.
type Ring struct {
	devs             []*Device  // indexed by device id; nil for removed devices
	replica2part2dev [][]uint16 // the last table may be shorter (fractional replicas)
	partShift        uint
	version          int64
	nextPartPower    int
}

// ringHeader is the JSON header of a format-1 ring file (RingData.serialize_v1).
type ringHeader struct {
	Devs          []*ringDevJSON `json:"devs"`
	PartShift     *int           `json:"part_shift"`
	ReplicaCount  *int           `json:"replica_count"`
	ByteOrder     string         `json:"byteorder"`
	Version       *int64         `json:"version"`
	NextPartPower *int           `json:"next_part_power"`
}

type ringDevJSON struct {
	ID              *int    `json:"id"`
	IP              string  `json:"ip"`
	Port            int     `json:"port"`
	Device          string  `json:"device"`
	ReplicationIP   *string `json:"replication_ip"`
	ReplicationPort *int    `json:"replication_port"`
	Region          *int    `json:"region"`
	Zone            int     `json:"zone"`
	Weight          float64 `json:"weight"`
}

// LoadRing reads a .ring.gz written by swift-ring-builder (RingData.load): a gzip (or
// zlib) stream holding "R1NG", a big-endian uint16 format version (only 1 exists), a
// big-endian uint32 length, that many bytes of JSON header, then replica_count tables of
// 2^(32-part_shift) uint16 device ids in the header's byte order, the last one cut short
// when the replica count is fractional. Old pickled rings are refused.
func LoadRing(path string) (*Ring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := readRing(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("ring %s: %w", path, err)
	}
	return r, nil
}

func readRing(br *bufio.Reader) (*Ring, error) {
	// RingReader decompresses with zlib's 32+MAX_WBITS: gzip or zlib, one member only.
	var in io.Reader
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		gz.Multistream(false)
		in = gz
	} else {
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("not a gzip or zlib file: %w", err)
		}
		in = zr
	}

	var lead [10]byte
	if _, err := io.ReadFull(in, lead[:]); err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	if string(lead[:4]) != "R1NG" {
		return nil, errors.New(`no "R1NG" magic (old pickled rings are not supported)`)
	}
	if v := binary.BigEndian.Uint16(lead[4:6]); v != 1 {
		return nil, fmt.Errorf("unknown ring format version %d", v)
	}
	jsonLen := binary.BigEndian.Uint32(lead[6:10])
	headerJSON, err := io.ReadAll(io.LimitReader(in, int64(jsonLen)))
	if err != nil {
		return nil, fmt.Errorf("reading the JSON header: %w", err)
	}
	if len(headerJSON) != int(jsonLen) {
		return nil, fmt.Errorf("JSON header cut short: %d of %d bytes", len(headerJSON), jsonLen)
	}
	var hdr ringHeader
	if err := json.Unmarshal(headerJSON, &hdr); err != nil {
		return nil, fmt.Errorf("JSON header: %w", err)
	}
	if hdr.PartShift == nil || *hdr.PartShift < 0 || *hdr.PartShift > 32 {
		return nil, errors.New("JSON header lacks a part_shift in 0..32")
	}
	if hdr.ReplicaCount == nil || *hdr.ReplicaCount < 1 {
		return nil, errors.New("JSON header lacks a positive replica_count")
	}
	var order binary.ByteOrder = binary.NativeEndian // Python assumes sys.byteorder
	switch hdr.ByteOrder {
	case "":
	case "little":
		order = binary.LittleEndian
	case "big":
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("unknown byteorder %q", hdr.ByteOrder)
	}

	ring := &Ring{partShift: uint(*hdr.PartShift)}
	if hdr.Version != nil {
		ring.version = *hdr.Version
	}
	if hdr.NextPartPower != nil {
		ring.nextPartPower = *hdr.NextPartPower
	}
	ring.devs = make([]*Device, len(hdr.Devs))
	for i, d := range hdr.Devs {
		if d == nil {
			continue
		}
		dev := &Device{ID: i, IP: d.IP, Port: d.Port, Device: d.Device, Region: 1, Zone: d.Zone,
			Weight: d.Weight, ReplicationIP: d.IP, ReplicationPort: d.Port}
		if d.ID != nil {
			dev.ID = *d.ID
		}
		if d.Region != nil {
			dev.Region = *d.Region
		}
		if d.ReplicationIP != nil {
			dev.ReplicationIP = *d.ReplicationIP
		}
		if d.ReplicationPort != nil {
			dev.ReplicationPort = *d.ReplicationPort
		}
		ring.devs[i] = dev
	}

	// deserialize_v1 reads 2*partition_count bytes per replica; at the end of the
	// data a read comes back short, which is how a fractional last replica is stored.
	partitionCount := uint64(1) << (32 - ring.partShift)
	for x := 0; x < *hdr.ReplicaCount; x++ {
		raw, err := io.ReadAll(io.LimitReader(in, int64(2*partitionCount)))
		if err != nil {
			return nil, fmt.Errorf("reading replica %d's table: %w", x, err)
		}
		if len(raw)%2 != 0 {
			return nil, fmt.Errorf("replica %d's table has an odd length %d", x, len(raw))
		}
		if x == 0 && uint64(len(raw)) != 2*partitionCount {
			return nil, fmt.Errorf("replica 0's table has %d of %d partitions", len(raw)/2, partitionCount)
		}
		table := make([]uint16, len(raw)/2)
		for i := range table {
			id := order.Uint16(raw[2*i:])
			if int(id) >= len(ring.devs) || ring.devs[id] == nil {
				return nil, fmt.Errorf("replica %d assigns partition %d to device %d, which the ring lacks", x, i, id)
			}
			table[i] = id
		}
		ring.replica2part2dev = append(ring.replica2part2dev, table)
	}
	return ring, nil
}

// PartPower is the ring's partition power (32 - part_shift).
func (r *Ring) PartPower() int { return 32 - int(r.partShift) }

// PartitionCount is the number of partitions.
func (r *Ring) PartitionCount() int { return len(r.replica2part2dev[0]) }

// ReplicaCount is the possibly fractional replica count (calc_replica_count).
func (r *Ring) ReplicaCount() float64 {
	n := len(r.replica2part2dev)
	return float64(n-1) + float64(len(r.replica2part2dev[n-1]))/float64(len(r.replica2part2dev[0]))
}

// Version is the builder's version counter stored in the ring, 0 when absent.
func (r *Ring) Version() int64 { return r.version }

// NextPartPower is the partition power of a partition-power increase in progress, 0
// when none is.
func (r *Ring) NextPartPower() int { return r.nextPartPower }

// Devices lists the ring's devices, leaving out removed ones.
func (r *Ring) Devices() []Device {
	var out []Device
	for _, d := range r.devs {
		if d != nil {
			out = append(out, *d)
		}
	}
	return out
}

// Partition is Ring.get_part: the first four bytes of the raw hash_path digest, as a
// big-endian number, shifted right by part_shift.
func (r *Ring) Partition(h HashConf, account, container, object string) int {
	d := h.HashPathDigest(account, container, object)
	return int(binary.BigEndian.Uint32(d[:4]) >> r.partShift)
}

// Nodes is Ring.get_part_nodes: the primary devices of the partition in replica order,
// each device once even when it holds several replicas. Replicas whose table is too
// short for the partition (fractional replica counts) are left out; an out-of-range
// partition gives none.
func (r *Ring) Nodes(part int) []Device {
	if part < 0 {
		return nil
	}
	nodes := make([]Device, 0, len(r.replica2part2dev))
	seen := make([]uint16, 0, len(r.replica2part2dev)) // by table entry, like seen_ids
	for _, table := range r.replica2part2dev {
		if part >= len(table) || slices.Contains(seen, table[part]) {
			continue
		}
		seen = append(seen, table[part])
		nodes = append(nodes, *r.devs[table[part]])
	}
	return nodes
}

// String summarises the ring for logs.
func (r *Ring) String() string {
	return fmt.Sprintf("ring(part_power=%d replicas=%g devices=%d)", r.PartPower(), r.ReplicaCount(), len(r.Devices()))
}
