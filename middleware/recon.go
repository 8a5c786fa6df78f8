package middleware

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"

	"github.com/radosswift/radosswift/internal/config"
)

// ReconSource is what the recon endpoints report about this node. Ceph replaces the
// node's disks, so the pool stands in for Swift's devices.
type ReconSource interface {
	AsyncPending() (int, error)
	Quarantined() (map[int]int, error) // quarantined objects per policy index
	PoolUsage() (size, used, avail int64, err error)
	Version() string       // reported by /recon/version, compared by swift-recon --swift-versions
	SwiftDir() string      // where the ring files are, for /recon/ringmd5
	SwiftConf() string     // swift.conf's path, the key of /recon/swiftconfmd5
	UpdaterSweep() float64 // seconds of the last updater pass, 0 if unknown
}

// reconSettings are the keys of a [filter:...] with use = egg:swift#recon.
type reconSettings struct{ Pool, Devices string }

func (s *reconSettings) keys() []config.Key {
	return []config.Key{
		config.String("rados_pool", &s.Pool, "radosswift", "the name the pool is reported under as the node's device"),
		config.String("devices", &s.Devices, "/srv/node", "the key of /recon/devices (Swift's devices directory)"),
	}
}

// reconOptions are what tests replace: where /proc is, the clock, the page size.
type reconOptions struct {
	procRoot string
	now      func() time.Time
	pageSize int64
	logger   *zap.Logger
	server   ServerKind // whose updater sweep /recon/updater reports ("": object)
}

// Recon is Swift's recon filter for an object server: requests under /recon/ (any
// method, as in Swift) are answered with the JSON swift-recon reads; unknown types are
// 404 "Invalid path: ..."; other paths go to next. Settings: rados_pool (the name the
// pool is reported under as a device; default "radosswift") and devices (the key of
// /recon/devices; default /srv/node). server says whose updater sweep src reports.
// src must not be nil.
func Recon(settings map[string]string, server ServerKind, src ReconSource) Middleware {
	return newRecon(settings, src, reconOptions{server: server})
}

func newRecon(settings map[string]string, src ReconSource, opts reconOptions) Middleware {
	if src == nil {
		panic("middleware.Recon: nil ReconSource")
	}
	if opts.procRoot == "" {
		opts.procRoot = "/proc"
	}
	if opts.now == nil {
		opts.now = time.Now
	}
	if opts.pageSize == 0 {
		opts.pageSize = int64(os.Getpagesize())
	}
	if opts.logger == nil {
		opts.logger = zap.NewNop()
	}
	if opts.server == "" {
		opts.server = ObjectServer
	}
	var rs reconSettings
	_ = config.SectionOf("filter:recon", settings).Decode(rs.keys()) // text only: nothing to refuse
	r := &recon{
		src:     src,
		pool:    rs.Pool,
		devices: rs.Devices,
		opts:    opts,
	}
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			path := string(ctx.Path())
			if !strings.HasPrefix(path, "/recon/") {
				next(ctx)
				return
			}
			r.serve(ctx, path)
		}
	}
}

type recon struct {
	src     ReconSource
	pool    string
	devices string
	opts    reconOptions
}

// serve dispatches like recon.py's GET: /recon/<check>[/<type>], where the type is
// everything after the check (split_path(1, 3, True)) and absent differs from empty.
func (r *recon) serve(ctx *fasthttp.RequestCtx, path string) {
	segments := strings.SplitN(path[len("/recon/"):], "/", 2)
	check := segments[0]
	typ, hasType := "", len(segments) == 2
	if hasType {
		typ = segments[1]
	}
	anyType := typ == "account" || typ == "container" || typ == "object"

	var content any
	var err error
	switch {
	case check == "mem":
		content, err = readMemInfo(r.opts.procRoot)
	case check == "load":
		content, err = readLoadAverage(r.opts.procRoot)
	case check == "async":
		content = r.async()
	case check == "replication" && hasType && anyType:
		content = r.replication(typ)
	case check == "replication" && !hasType:
		content = r.replication("object") // old-style object replication request
	case check == "devices":
		content = map[string][]string{r.devices: {r.pool}}
	case check == "updater" && (typ == "container" || typ == "object"):
		content = r.updater(typ)
	case check == "auditor" && anyType:
		content = r.auditor(typ)
	case check == "expirer" && typ == "object":
		content = expirerInfo{} // no expirer on this node: Swift's nulls
	case check == "mounted":
		content, err = readMounts(r.opts.procRoot)
	case check == "unmounted":
		content = []unmountedDevice{}
	case check == "diskusage":
		content = r.diskUsage()
	case check == "ringmd5":
		content = r.ringMD5()
	case check == "swiftconfmd5":
		content = r.swiftConfMD5()
	case check == "quarantined":
		content, err = r.quarantined()
	case check == "sockstat":
		content, err = readSocketStats(r.opts.procRoot, r.opts.pageSize)
	case check == "version":
		content = versionInfo{Version: r.src.Version()}
	case check == "driveaudit":
		content = driveAuditInfo{}
	case check == "time":
		content = r.now() // a bare number: swift-recon compares it with its own clock
	case check == "sharding":
		content = shardingInfo{}
	case check == "relinker":
		content = relinkerInfo{}
	case check == "reconstruction" && typ == "object":
		now := r.now()
		content = reconstructionInfo{Last: &now, Time: new(float64)}
	default:
		respondPlain(ctx, http.StatusNotFound, "Invalid path: "+swiftQuote(path))
		return
	}
	if err != nil {
		r.opts.logger.Error("recon "+check, zap.Error(err))
		respondPlain(ctx, http.StatusInternalServerError, "Internal server error.")
		return
	}
	respondJSON(ctx, content)
}

func (r *recon) now() float64 {
	return unixSeconds(r.opts.now())
}

// unixSeconds is Python's time.time(): seconds since the epoch, with the fraction.
func unixSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// asyncInfo is /recon/async. Swift's updater records async_pending_last when it counts;
// this node counts on request, so it is the time of the answer. A failed count is null
// for both, as Swift answers when its recon cache cannot be read.
type asyncInfo struct {
	AsyncPending     *int     `json:"async_pending"`
	AsyncPendingLast *float64 `json:"async_pending_last"`
}

func (r *recon) async() asyncInfo {
	n, err := r.src.AsyncPending()
	if err != nil {
		r.opts.logger.Error("recon async: counting async pendings", zap.Error(err))
		return asyncInfo{}
	}
	now := r.now()
	return asyncInfo{AsyncPending: &n, AsyncPendingLast: &now}
}

// replicationStats is the object replicator's Stats.to_recon().
type replicationStats struct {
	Attempted    int64                       `json:"attempted"`
	Failure      int64                       `json:"failure"`
	Hashmatch    int64                       `json:"hashmatch"`
	Remove       int64                       `json:"remove"`
	Rsync        int64                       `json:"rsync"`
	Success      int64                       `json:"success"`
	SuffixCount  int64                       `json:"suffix_count"`
	SuffixHash   int64                       `json:"suffix_hash"`
	SuffixSync   int64                       `json:"suffix_sync"`
	FailureNodes map[string]map[string]int64 `json:"failure_nodes"`
}

// objectReplicationInfo is /recon/replication/object. Ceph replicates, so this node
// reports what Swift's replicator writes after a pass with nothing to do: zero counts,
// zero minutes, finished now.
type objectReplicationInfo struct {
	ReplicationTime       float64          `json:"replication_time"`
	ReplicationStats      replicationStats `json:"replication_stats"`
	ReplicationLast       float64          `json:"replication_last"`
	ObjectReplicationTime float64          `json:"object_replication_time"`
	ObjectReplicationLast float64          `json:"object_replication_last"`
}

// otherReplicationInfo is /recon/replication/account|container on an object node:
// Swift's nulls for a recon cache that is not there.
type otherReplicationInfo struct {
	ReplicationTime  *float64 `json:"replication_time"`
	ReplicationStats any      `json:"replication_stats"`
	ReplicationLast  *float64 `json:"replication_last"`
}

func (r *recon) replication(typ string) any {
	if typ != "object" {
		return otherReplicationInfo{}
	}
	now := r.now()
	return objectReplicationInfo{
		ReplicationStats:      replicationStats{FailureNodes: map[string]map[string]int64{}},
		ReplicationLast:       now,
		ObjectReplicationLast: now,
	}
}

// updater answers /recon/updater/TYPE from the node's updater when TYPE is the
// node's own (null until a pass has been timed, as Swift before its first sweep), and
// with null for the other type.
func (r *recon) updater(typ string) any {
	var sweep *float64
	if s := r.src.UpdaterSweep(); s > 0 && typ == string(r.opts.server) {
		sweep = &s
	}
	return map[string]*float64{typ + "_updater_sweep": sweep}
}

// auditorPass is one object auditor pass as Swift's auditor records it.
type auditorPass struct {
	Errors         int64   `json:"errors"`
	Passes         int64   `json:"passes"`
	Quarantined    int64   `json:"quarantined"`
	BytesProcessed int64   `json:"bytes_processed"`
	StartTime      float64 `json:"start_time"`
	AuditTime      float64 `json:"audit_time"`
}

// objectAuditorInfo is /recon/auditor/object. Ceph scrubs the pool, so both auditor
// kinds report a pass that found nothing to do, started now.
type objectAuditorInfo struct {
	All auditorPass `json:"object_auditor_stats_ALL"`
	ZBF auditorPass `json:"object_auditor_stats_ZBF"`
}

func (r *recon) auditor(typ string) any {
	if typ == "object" {
		pass := auditorPass{StartTime: r.now()}
		return objectAuditorInfo{All: pass, ZBF: pass}
	}
	// Swift's keys for the account and container auditors, null on an object node.
	return map[string]any{
		typ + "_audits_passed":          nil,
		typ + "_auditor_pass_completed": nil,
		typ + "_audits_since":           nil,
		typ + "_audits_failed":          nil,
	}
}

// expirerInfo is /recon/expirer/object: Swift's object expirer runs beside the proxy
// and records its passes there, so this node answers Swift's nulls.
type expirerInfo struct {
	ObjectExpirationPass *float64 `json:"object_expiration_pass"`
	ExpiredLastPass      *int64   `json:"expired_last_pass"`
}

// reconstructionInfo is /recon/reconstruction/object: Ceph rebuilds, so a pass with
// nothing to do, finished now.
type reconstructionInfo struct {
	Last *float64 `json:"object_reconstruction_last"`
	Time *float64 `json:"object_reconstruction_time"`
}

type shardingInfo struct {
	Stats any      `json:"sharding_stats"`
	Time  *float64 `json:"sharding_time"`
	Last  *float64 `json:"sharding_last"`
}

type relinkerInfo struct {
	Devices any `json:"devices"`
	Workers any `json:"workers"`
}

type versionInfo struct {
	Version string `json:"version"`
}

type driveAuditInfo struct {
	DriveAuditErrors int `json:"drive_audit_errors"`
}

type unmountedDevice struct {
	Device  string `json:"device"`
	Mounted any    `json:"mounted"`
}

// diskUsage is one entry of /recon/diskusage. Mounted is true with sizes in bytes, or
// (as Swift for a device it cannot check) an error string with empty sizes, which
// swift-recon prints as an error instead of dividing by the size.
type diskUsage struct {
	Device  string `json:"device"`
	Mounted any    `json:"mounted"`
	Size    any    `json:"size"`
	Used    any    `json:"used"`
	Avail   any    `json:"avail"`
}

func (r *recon) diskUsage() []diskUsage {
	size, used, avail, err := r.src.PoolUsage()
	if err == nil && size <= 0 {
		err = errors.New("pool reports no size")
	}
	if err != nil {
		r.opts.logger.Error("recon diskusage: pool usage", zap.String("pool", r.pool), zap.Error(err))
		return []diskUsage{{Device: r.pool, Mounted: err.Error(), Size: "", Used: "", Avail: ""}}
	}
	return []diskUsage{{Device: r.pool, Mounted: true, Size: size, Used: used, Avail: avail}}
}

// quarantineCounts is /recon/quarantined: objects per policy index (as strings) and
// in total; an object node has no quarantined accounts or containers.
type quarantineCounts struct {
	Objects    int                         `json:"objects"`
	Containers int                         `json:"containers"`
	Accounts   int                         `json:"accounts"`
	Policies   map[string]policyQuarantine `json:"policies"`
}

type policyQuarantine struct {
	Objects int `json:"objects"`
}

func (r *recon) quarantined() (quarantineCounts, error) {
	perPolicy, err := r.src.Quarantined()
	if err != nil {
		return quarantineCounts{}, fmt.Errorf("counting quarantined objects: %w", err)
	}
	q := quarantineCounts{Policies: map[string]policyQuarantine{}}
	for policy, n := range perPolicy {
		q.Policies[strconv.Itoa(policy)] = policyQuarantine{Objects: n}
		q.Objects += n
	}
	return q, nil
}

// objectRingName matches the ring files of storage policies: object.ring.gz (policy
// 0) and object-N.ring.gz.
var objectRingName = regexp.MustCompile(`^object(-[0-9]+)?\.ring\.gz$`)

// ringMD5 is /recon/ringmd5: the md5 of every ring file in swift_dir, keyed by its
// path; files that are not there are left out, as in Swift, and an unreadable one is
// null.
func (r *recon) ringMD5() map[string]*string {
	dir := r.src.SwiftDir()
	names := []string{"account.ring.gz", "container.ring.gz"}
	if entries, err := os.ReadDir(dir); err == nil {
		var objectRings []string
		for _, e := range entries {
			if objectRingName.MatchString(e.Name()) {
				objectRings = append(objectRings, e.Name())
			}
		}
		sort.Strings(objectRings)
		names = append(names, objectRings...)
	}
	sums := map[string]*string{}
	for _, name := range names {
		path := filepath.Join(dir, name)
		sum, err := md5File(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			r.opts.logger.Error("recon ringmd5: reading ring", zap.String("path", path), zap.Error(err))
			sums[path] = nil
			continue
		}
		sums[path] = &sum
	}
	return sums
}

// swiftConfMD5 is /recon/swiftconfmd5: {path of swift.conf: md5 or null}.
func (r *recon) swiftConfMD5() map[string]*string {
	path := r.src.SwiftConf()
	sum, err := md5File(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.opts.logger.Error("recon swiftconfmd5: reading swift.conf", zap.String("path", path), zap.Error(err))
		}
		return map[string]*string{path: nil}
	}
	return map[string]*string{path: &sum}
}

// md5File is Swift's md5_hash_for_file: the hex md5 of the file's bytes.
func md5File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
