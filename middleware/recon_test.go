package middleware

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/internal/config"
)

// reconNow is the fake clock of the recon tests: 1700000000.25.
var reconNow = time.Unix(1700000000, 250000000)

const reconNowSeconds = 1700000000.25

// fakeProc writes the /proc files recon reads into a temporary directory.
func fakeProc(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"loadavg": "0.42 0.36 0.30 2/345 6789\n",
		"meminfo": "MemTotal:       16323740 kB\nMemFree:         1234567 kB\nHugePages_Total:       0\n",
		"net/sockstat": "sockets: used 512\n" +
			"TCP: inuse 17 orphan 2 tw 9 alloc 25 mem 3\n" +
			"UDP: inuse 4 mem 1\n",
		"net/sockstat6": "TCP6: inuse 5\nUDP6: inuse 1\n",
		"mounts":        "/dev/sda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n",
	}
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func newTestSource(t *testing.T) *fakeSource {
	dir := t.TempDir()
	return &fakeSource{
		asyncPending: 7,
		quarantined:  map[int]int{0: 3, 1: 2},
		size:         1000, used: 250, avail: 750,
		version:      "2.30.1",
		swiftDir:     dir,
		swiftConf:    filepath.Join(dir, "swift.conf"),
		updaterSweep: 12.5,
	}
}

func newTestRecon(t *testing.T, src *fakeSource, next fasthttp.RequestHandler) fasthttp.RequestHandler {
	t.Helper()
	opts := reconOptions{procRoot: fakeProc(t), now: func() time.Time { return reconNow }, pageSize: 4096}
	return newRecon(map[string]string{"rados_pool": "swiftpool"}, src, opts)(next)
}

// reconGet requests path and decodes the JSON answer, which must be 200 application/json.
func reconGet(t *testing.T, h fasthttp.RequestHandler, path string) any {
	t.Helper()
	ctx := do(h, "GET", path)
	if ctx.Response.StatusCode() != 200 {
		t.Fatalf("GET %s = %d %q, want 200", path, ctx.Response.StatusCode(), ctx.Response.Body())
	}
	if ct := string(ctx.Response.Header.ContentType()); ct != "application/json" {
		t.Fatalf("GET %s Content-Type = %q", path, ct)
	}
	var v any
	if err := json.Unmarshal(ctx.Response.Body(), &v); err != nil {
		t.Fatalf("GET %s: %v in %q", path, err, ctx.Response.Body())
	}
	return v
}

func reconObject(t *testing.T, h fasthttp.RequestHandler, path string) map[string]any {
	t.Helper()
	obj, ok := reconGet(t, h, path).(map[string]any)
	if !ok {
		t.Fatalf("GET %s is not a JSON object", path)
	}
	return obj
}

// wantKeys checks that obj has exactly keys.
func wantKeys(t *testing.T, what string, obj map[string]any, keys ...string) {
	t.Helper()
	var got []string
	for k := range obj {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(keys)
	if strings.Join(got, ",") != strings.Join(keys, ",") {
		t.Errorf("%s keys = %v, want %v", what, got, keys)
	}
}

func wantNumber(t *testing.T, what string, v any, want float64) {
	t.Helper()
	n, ok := v.(float64)
	if !ok || n != want {
		t.Errorf("%s = %#v, want the number %v", what, v, want)
	}
}

func TestReconAsyncReportsTheQueueLength(t *testing.T) {
	h := newTestRecon(t, newTestSource(t), (&app{}).handle)
	got := reconObject(t, h, "/recon/async")
	wantKeys(t, "async", got, "async_pending", "async_pending_last")
	wantNumber(t, "async_pending", got["async_pending"], 7) // swift-recon: response['async_pending']
	wantNumber(t, "async_pending_last", got["async_pending_last"], reconNowSeconds)
}

func TestReconAsyncIsNullWhenTheQueueCannotBeCounted(t *testing.T) {
	src := newTestSource(t)
	src.asyncErr = errBackend
	got := reconObject(t, newTestRecon(t, src, (&app{}).handle), "/recon/async")
	wantKeys(t, "async", got, "async_pending", "async_pending_last")
	if got["async_pending"] != nil || got["async_pending_last"] != nil {
		t.Errorf("async after a failed count = %v, want nulls", got)
	}
}

func TestReconQuarantinedCountsObjectsPerPolicy(t *testing.T) {
	h := newTestRecon(t, newTestSource(t), (&app{}).handle)
	got := reconObject(t, h, "/recon/quarantined")
	wantKeys(t, "quarantined", got, "objects", "containers", "accounts", "policies")
	wantNumber(t, "objects", got["objects"], 5)
	wantNumber(t, "containers", got["containers"], 0)
	wantNumber(t, "accounts", got["accounts"], 0)
	policies, ok := got["policies"].(map[string]any)
	if !ok {
		t.Fatalf("policies = %#v, want an object", got["policies"])
	}
	wantKeys(t, "policies", policies, "0", "1")
	for key, want := range map[string]float64{"0": 3, "1": 2} {
		policy, _ := policies[key].(map[string]any)
		wantKeys(t, "policies."+key, policy, "objects")
		wantNumber(t, "policies."+key+".objects", policy["objects"], want) // response['policies'][key]['objects']
	}
}

func TestReconQuarantinedFailsWhenTheCountFails(t *testing.T) {
	src := newTestSource(t)
	src.quarantineErr = errBackend
	ctx := do(newTestRecon(t, src, (&app{}).handle), "GET", "/recon/quarantined")
	if ctx.Response.StatusCode() != 500 || string(ctx.Response.Body()) != "Internal server error." {
		t.Fatalf("quarantined after a failed count = %d %q, want 500", ctx.Response.StatusCode(), ctx.Response.Body())
	}
}

func TestReconDiskUsageReportsThePoolAsAMountedDevice(t *testing.T) {
	h := newTestRecon(t, newTestSource(t), (&app{}).handle)
	list, ok := reconGet(t, h, "/recon/diskusage").([]any)
	if !ok || len(list) != 1 {
		t.Fatalf("diskusage = %#v, want a list of one device", list)
	}
	entry := list[0].(map[string]any)
	wantKeys(t, "diskusage[0]", entry, "device", "mounted", "size", "used", "avail")
	if entry["device"] != "swiftpool" || entry["mounted"] != true {
		t.Errorf("diskusage[0] = %v, want device swiftpool mounted true", entry)
	}
	wantNumber(t, "size", entry["size"], 1000)
	wantNumber(t, "used", entry["used"], 250)
	wantNumber(t, "avail", entry["avail"], 750)
	// swift-recon: float(entry['used']) / float(entry['size']) * 100.0
	if used := entry["used"].(float64) / entry["size"].(float64) * 100; used != 25 {
		t.Errorf("swift-recon would report %v%% used, want 25", used)
	}
}

func TestReconDiskUsageReportsAnUnreadablePoolAsADeviceError(t *testing.T) {
	for name, src := range map[string]*fakeSource{
		"failed":  {poolErr: errBackend},
		"no size": {size: 0},
	} {
		t.Run(name, func(t *testing.T) {
			list := reconGet(t, newTestRecon(t, src, (&app{}).handle), "/recon/diskusage").([]any)
			entry := list[0].(map[string]any)
			wantKeys(t, "diskusage[0]", entry, "device", "mounted", "size", "used", "avail")
			// swift-recon prints a non-bool "mounted" as an error and divides nothing.
			if msg, ok := entry["mounted"].(string); !ok || msg == "" {
				t.Errorf("mounted = %#v, want an error string", entry["mounted"])
			}
			if entry["size"] != "" || entry["used"] != "" || entry["avail"] != "" {
				t.Errorf("sizes = %v, want empty strings as Swift", entry)
			}
		})
	}
}

func TestReconLoadReadsLoadavg(t *testing.T) {
	got := reconObject(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/load")
	wantKeys(t, "load", got, "1m", "5m", "15m", "tasks", "processes")
	wantNumber(t, "1m", got["1m"], 0.42)
	wantNumber(t, "5m", got["5m"], 0.36)
	wantNumber(t, "15m", got["15m"], 0.30)
	if got["tasks"] != "2/345" {
		t.Errorf("tasks = %#v, want the string 2/345", got["tasks"])
	}
	wantNumber(t, "processes", got["processes"], 6789)
}

func TestReconMemReadsMeminfoAsStrings(t *testing.T) {
	got := reconObject(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/mem")
	wantKeys(t, "mem", got, "MemTotal", "MemFree", "HugePages_Total")
	if got["MemTotal"] != "16323740 kB" || got["HugePages_Total"] != "0" {
		t.Errorf("mem = %v", got)
	}
}

func TestReconSockstatParsesTCPLikeSwift(t *testing.T) {
	got := reconObject(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/sockstat")
	wantKeys(t, "sockstat", got, "tcp_in_use", "orphan", "time_wait", "tcp_mem_allocated_bytes", "tcp6_in_use")
	wantNumber(t, "tcp_in_use", got["tcp_in_use"], 17)
	wantNumber(t, "orphan", got["orphan"], 2)
	wantNumber(t, "time_wait", got["time_wait"], 9)
	wantNumber(t, "tcp_mem_allocated_bytes", got["tcp_mem_allocated_bytes"], 3*4096)
	wantNumber(t, "tcp6_in_use", got["tcp6_in_use"], 5)
}

func TestReconSockstatLeavesOutMissingFiles(t *testing.T) {
	proc := fakeProc(t)
	if err := os.Remove(filepath.Join(proc, "net", "sockstat6")); err != nil {
		t.Fatal(err)
	}
	h := newRecon(nil, newTestSource(t), reconOptions{procRoot: proc, pageSize: 4096})((&app{}).handle)
	got := reconObject(t, h, "/recon/sockstat")
	wantKeys(t, "sockstat", got, "tcp_in_use", "orphan", "time_wait", "tcp_mem_allocated_bytes")
}

func TestReconFailsWhenProcCannotBeRead(t *testing.T) {
	h := newRecon(nil, newTestSource(t), reconOptions{procRoot: t.TempDir()})((&app{}).handle)
	for _, path := range []string{"/recon/load", "/recon/mem", "/recon/mounted"} {
		if ctx := do(h, "GET", path); ctx.Response.StatusCode() != 500 {
			t.Errorf("GET %s without /proc = %d, want 500", path, ctx.Response.StatusCode())
		}
	}
	if got := reconObject(t, h, "/recon/sockstat"); len(got) != 0 {
		t.Errorf("sockstat without /proc/net = %v, want {} as Swift", got)
	}
}

func TestReconVersionReportsTheSourceVersion(t *testing.T) {
	got := reconObject(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/version")
	wantKeys(t, "version", got, "version")
	if got["version"] != "2.30.1" {
		t.Errorf("version = %#v", got["version"])
	}
}

func TestReconTimeIsABareNumber(t *testing.T) {
	// swift-recon's time_check compares the answer itself with its clock:
	// ts_remote + jitter < ts_start, so it must be a number, not an object.
	wantNumber(t, "time", reconGet(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/time"), reconNowSeconds)
}

func TestReconTimeUsesTheRealClockByDefault(t *testing.T) {
	before := float64(time.Now().UnixNano()) / 1e9
	got := reconGet(t, Recon(nil, ObjectServer, newTestSource(t))((&app{}).handle), "/recon/time").(float64)
	after := float64(time.Now().UnixNano()) / 1e9
	if got < before-0.001 || got > after+0.001 {
		t.Errorf("time = %f, want between %f and %f", got, before, after)
	}
}

func TestReconUnmountedIsAnEmptyList(t *testing.T) {
	list, ok := reconGet(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/unmounted").([]any)
	if !ok || len(list) != 0 {
		t.Errorf("unmounted = %#v, want []", list)
	}
}

func TestReconDriveauditReportsNoErrors(t *testing.T) {
	got := reconObject(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/driveaudit")
	wantKeys(t, "driveaudit", got, "drive_audit_errors")
	wantNumber(t, "drive_audit_errors", got["drive_audit_errors"], 0)
}

func TestReconReplicationReportsAPassWithNothingToDo(t *testing.T) {
	h := newTestRecon(t, newTestSource(t), (&app{}).handle)
	for _, path := range []string{"/recon/replication/object", "/recon/replication"} {
		got := reconObject(t, h, path)
		wantKeys(t, path, got, "replication_time", "replication_stats", "replication_last",
			"object_replication_time", "object_replication_last")
		wantNumber(t, "replication_time", got["replication_time"], 0)
		wantNumber(t, "object_replication_time", got["object_replication_time"], 0)
		wantNumber(t, "replication_last", got["replication_last"], reconNowSeconds)
		wantNumber(t, "object_replication_last", got["object_replication_last"], reconNowSeconds)
		stats, ok := got["replication_stats"].(map[string]any)
		if !ok {
			t.Fatalf("replication_stats = %#v", got["replication_stats"])
		}
		wantKeys(t, "replication_stats", stats, "attempted", "failure", "hashmatch", "remove", "rsync",
			"success", "suffix_count", "suffix_hash", "suffix_sync", "failure_nodes")
		for _, k := range []string{"attempted", "failure", "success"} { // what swift-recon reads
			wantNumber(t, "replication_stats."+k, stats[k], 0)
		}
	}
}

func TestReconReplicationOfAccountsAndContainersIsNull(t *testing.T) {
	h := newTestRecon(t, newTestSource(t), (&app{}).handle)
	for _, path := range []string{"/recon/replication/account", "/recon/replication/container"} {
		got := reconObject(t, h, path)
		wantKeys(t, path, got, "replication_time", "replication_stats", "replication_last")
		for k, v := range got {
			if v != nil {
				t.Errorf("%s %s = %v, want null", path, k, v)
			}
		}
	}
}

func TestReconUpdaterReportsTheLastSweep(t *testing.T) {
	src := newTestSource(t)
	h := newTestRecon(t, src, (&app{}).handle)
	got := reconObject(t, h, "/recon/updater/object")
	wantKeys(t, "updater", got, "object_updater_sweep")
	wantNumber(t, "object_updater_sweep", got["object_updater_sweep"], 12.5)

	src.updaterSweep = 0
	if got := reconObject(t, h, "/recon/updater/object"); got["object_updater_sweep"] != nil {
		t.Errorf("object_updater_sweep before a sweep = %v, want null", got["object_updater_sweep"])
	}
	got = reconObject(t, h, "/recon/updater/container")
	wantKeys(t, "updater/container", got, "container_updater_sweep")
}

func TestReconExpirerIsNullOnAnObjectNode(t *testing.T) {
	got := reconObject(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/expirer/object")
	wantKeys(t, "expirer", got, "object_expiration_pass", "expired_last_pass")
	if got["object_expiration_pass"] != nil || got["expired_last_pass"] != nil {
		t.Errorf("expirer = %v, want nulls", got)
	}
}

func TestReconAuditorReportsAPassWithNothingToDo(t *testing.T) {
	got := reconObject(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/auditor/object")
	wantKeys(t, "auditor", got, "object_auditor_stats_ALL", "object_auditor_stats_ZBF")
	for _, kind := range []string{"object_auditor_stats_ALL", "object_auditor_stats_ZBF"} {
		pass, ok := got[kind].(map[string]any)
		if !ok {
			t.Fatalf("%s = %#v, want an object", kind, got[kind])
		}
		wantKeys(t, kind, pass, "errors", "passes", "quarantined", "bytes_processed", "start_time", "audit_time")
		// swift-recon sums these over nested_get_value.
		for _, k := range []string{"audit_time", "bytes_processed", "passes", "errors", "quarantined"} {
			wantNumber(t, kind+"."+k, pass[k], 0)
		}
		wantNumber(t, kind+".start_time", pass["start_time"], reconNowSeconds)
	}
	for _, typ := range []string{"account", "container"} {
		got := reconObject(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/auditor/"+typ)
		wantKeys(t, typ+" auditor", got, typ+"_audits_passed", typ+"_auditor_pass_completed",
			typ+"_audits_since", typ+"_audits_failed")
	}
}

func TestReconReconstructionReportsAPassWithNothingToDo(t *testing.T) {
	got := reconObject(t, newTestRecon(t, newTestSource(t), (&app{}).handle), "/recon/reconstruction/object")
	wantKeys(t, "reconstruction", got, "object_reconstruction_last", "object_reconstruction_time")
	wantNumber(t, "object_reconstruction_time", got["object_reconstruction_time"], 0)
	wantNumber(t, "object_reconstruction_last", got["object_reconstruction_last"], reconNowSeconds)
}

func md5Hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

func TestReconRingMD5HashesTheRingsThatExist(t *testing.T) {
	src := newTestSource(t)
	files := map[string]string{
		"account.ring.gz":  "account ring",
		"object.ring.gz":   "policy 0 ring",
		"object-1.ring.gz": "policy 1 ring",
		"object.builder":   "not a ring",
		"objects.ring.gz":  "not a policy ring",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(src.swiftDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := reconObject(t, newTestRecon(t, src, (&app{}).handle), "/recon/ringmd5")
	var keys []string
	for _, name := range []string{"account.ring.gz", "object.ring.gz", "object-1.ring.gz"} {
		path := filepath.Join(src.swiftDir, name)
		keys = append(keys, path)
		if got[path] != md5Hex([]byte(files[name])) {
			t.Errorf("ringmd5[%s] = %v, want %s", path, got[path], md5Hex([]byte(files[name])))
		}
	}
	wantKeys(t, "ringmd5", got, keys...) // no container ring there: left out, as Swift
}

func TestReconSwiftConfMD5HashesSwiftConf(t *testing.T) {
	src := newTestSource(t)
	h := newTestRecon(t, src, (&app{}).handle)
	got := reconObject(t, h, "/recon/swiftconfmd5")
	wantKeys(t, "swiftconfmd5", got, src.swiftConf)
	if got[src.swiftConf] != nil {
		t.Errorf("md5 of a missing swift.conf = %v, want null", got[src.swiftConf])
	}
	conf := []byte("[swift-hash]\nswift_hash_path_suffix = x\n")
	if err := os.WriteFile(src.swiftConf, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	got = reconObject(t, h, "/recon/swiftconfmd5")
	if got[src.swiftConf] != md5Hex(conf) { // swift-recon: response[SWIFT_CONF_FILE] != conf_sum
		t.Errorf("swiftconfmd5 = %v, want %s", got, md5Hex(conf))
	}
}

func TestReconMountedDevicesShardingAndRelinkerAnswerLikeSwift(t *testing.T) {
	h := newTestRecon(t, newTestSource(t), (&app{}).handle)
	mounts := reconGet(t, h, "/recon/mounted").([]any)
	if len(mounts) != 2 || mounts[0].(map[string]any)["device"] != "/dev/sda1" || mounts[0].(map[string]any)["path"] != "/" {
		t.Errorf("mounted = %v", mounts)
	}
	devices := reconObject(t, h, "/recon/devices")
	wantKeys(t, "devices", devices, "/srv/node")
	if list, _ := devices["/srv/node"].([]any); len(list) != 1 || list[0] != "swiftpool" {
		t.Errorf("devices = %v", devices)
	}
	wantKeys(t, "sharding", reconObject(t, h, "/recon/sharding"), "sharding_stats", "sharding_time", "sharding_last")
	wantKeys(t, "relinker", reconObject(t, h, "/recon/relinker"), "devices", "workers")
}

func TestReconAnswersUnknownTypesNotFound(t *testing.T) {
	next := &app{}
	h := newTestRecon(t, newTestSource(t), next.handle)
	for _, path := range []string{
		"/recon/", "/recon/nope", "/recon/replication/", "/recon/replication/nope",
		"/recon/updater/account", "/recon/updater", "/recon/auditor", "/recon/expirer/container",
		"/recon/reconstruction", "/recon/reconstruction/account",
	} {
		ctx := do(h, "GET", path)
		if ctx.Response.StatusCode() != 404 || string(ctx.Response.Body()) != "Invalid path: "+path {
			t.Errorf("GET %s = %d %q, want 404 Invalid path", path, ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	if next.calls != 0 {
		t.Errorf("next ran for a /recon/ path")
	}
}

func TestReconPassesOtherPathsToNext(t *testing.T) {
	next := &app{}
	h := newTestRecon(t, newTestSource(t), next.handle)
	for _, path := range []string{"/recon", "/reconx/async", "/sda1/1/a/c/recon/async"} {
		if ctx := do(h, "GET", path); string(ctx.Response.Body()) != "app" {
			t.Errorf("GET %s was answered %q, not by next", path, ctx.Response.Body())
		}
	}
}

func TestReconAnswersSwiftReconOverHTTP(t *testing.T) {
	client := serveInMemory(t, newTestRecon(t, newTestSource(t), (&app{}).handle))
	for _, path := range []string{
		"/recon/async", "/recon/quarantined", "/recon/diskusage", "/recon/load", "/recon/mem",
		"/recon/sockstat", "/recon/version", "/recon/time", "/recon/unmounted", "/recon/driveaudit",
		"/recon/replication/object", "/recon/updater/object", "/recon/expirer/object",
		"/recon/auditor/object", "/recon/ringmd5", "/recon/swiftconfmd5", "/recon/reconstruction/object",
	} {
		status, body := get(t, client, "GET", path)
		var v any
		if status != 200 || json.Unmarshal([]byte(body), &v) != nil {
			t.Errorf("GET %s = %d %q, want 200 and JSON", path, status, body)
		}
	}
	if status, _ := get(t, client, "GET", "/recon/bogus"); status != 404 {
		t.Errorf("GET /recon/bogus = %d, want 404", status)
	}
}

func TestReconReportsTheUpdaterOfItsOwnServerKind(t *testing.T) {
	h := newRecon(nil, newTestSource(t), reconOptions{server: ContainerServer, procRoot: t.TempDir()})((&app{}).handle)
	got := reconObject(t, h, "/recon/updater/container")
	wantNumber(t, "container_updater_sweep", got["container_updater_sweep"], 12.5)
	if got := reconObject(t, h, "/recon/updater/object"); got["object_updater_sweep"] != nil {
		t.Errorf("a container server reports an object updater sweep: %v", got)
	}
}

func TestCheckFilterReportsEveryBadKey(t *testing.T) {
	err := CheckFilter("log", config.SectionOf("filter:log", map[string]string{
		"use": "egg:radosswift#access_log", "access_log_level": "LOUD", "log_requests": "sometimes"}))
	if err == nil || !strings.Contains(err.Error(), "access_log_level") || !strings.Contains(err.Error(), "log_requests") {
		t.Errorf("CheckFilter = %v, want both bad keys", err)
	}
	if err := CheckFilter("hc", config.SectionOf("filter:hc", map[string]string{"use": "egg:swift#healthcheck", "disable_path": "/x"})); err != nil {
		t.Errorf("CheckFilter(healthcheck) = %v", err)
	}
	if err := CheckFilter("x", config.SectionOf("filter:x", map[string]string{"use": "egg:swift#tempauth"})); err == nil {
		t.Error("CheckFilter accepted a filter kind this server does not have")
	}
}
