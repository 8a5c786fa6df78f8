package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

func TestContainerLifecycleAsTheProxyDrivesIt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		acct := h.ns
		h.createAccount(acct)
		path := h.containerPath(acct, "photos")

		r := h.c("HEAD", path, nil)
		require.Equal(t, 404, r.status)
		assert.Equal(t, "0000000000.00000", r.header.Get("X-Backend-Timestamp"), "a missing container reads as deleted at zero")
		assert.Equal(t, "0000000000.00000", r.header.Get("X-Backend-Delete-Timestamp"))

		r = h.createContainer(acct, "photos", H{"X-Container-Meta-Color": "blue", "X-Container-Read": ".r:*"})
		require.Equal(t, 201, r.status, r.body)
		assert.Equal(t, "0", r.header.Get("X-Backend-Storage-Policy-Index"))
		r = h.createContainer(acct, "photos", nil)
		require.Equal(t, 202, r.status, "a second PUT is accepted")

		r = h.c("HEAD", path, nil)
		require.Equal(t, 204, r.status)
		assert.Equal(t, "0", r.header.Get("X-Container-Object-Count"))
		assert.Equal(t, "blue", r.header.Get("X-Container-Meta-Color"))
		assert.Equal(t, ".r:*", r.header.Get("X-Container-Read"))
		assert.Equal(t, "unsharded", r.header.Get("X-Backend-Sharding-State"))
		assert.Equal(t, "text/plain; charset=utf-8", r.header.Get("Content-Type"))
		assert.NotEmpty(t, r.header.Get("Last-Modified"))
		assert.NotEmpty(t, r.header.Get("X-Put-Timestamp"))

		require.Equal(t, 201, h.putRow(acct, "photos", "a.jpg", 100, "etag-a", nil).status)
		require.Equal(t, 201, h.putRow(acct, "photos", "b/c.jpg", 23, "etag-b", H{"X-Content-Type": "image/jpeg; charset=x"}).status)
		r = h.c("HEAD", path, nil)
		assert.Equal(t, "2", r.header.Get("X-Container-Object-Count"))
		assert.Equal(t, "123", r.header.Get("X-Container-Bytes-Used"))

		r = h.c("GET", path+"?format=json", nil)
		require.Equal(t, 200, r.status)
		assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
		assert.Equal(t, "object", r.header.Get("X-Backend-Record-Type"))
		var listing []map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.body), &listing))
		require.Len(t, listing, 2)
		assert.Equal(t, "a.jpg", listing[0]["name"])
		assert.Equal(t, "etag-a", listing[0]["hash"])
		assert.Equal(t, float64(100), listing[0]["bytes"])
		assert.Equal(t, "image/jpeg;charset=x", listing[1]["content_type"], "Swift rewrites parameters as ;key=value")

		r = h.c("DELETE", path, h.accountHeaders(H{"X-Timestamp": ts()}))
		require.Equal(t, 409, r.status, "a container with objects is not deleted")

		for _, o := range []string{"a.jpg", "b/c.jpg"} {
			r = h.c("DELETE", path+"/"+quote(o), H{"X-Timestamp": ts(), "X-Backend-Storage-Policy-Index": "0"})
			require.Equal(t, 204, r.status, r.body)
		}
		r = h.c("GET", path, nil)
		require.Equal(t, 204, r.status, "an empty plain listing")

		deleteTS := ts()
		r = h.c("DELETE", path, h.accountHeaders(H{"X-Timestamp": deleteTS}))
		require.Equal(t, 204, r.status, r.body)
		r = h.c("HEAD", path, nil)
		require.Equal(t, 404, r.status)
		assert.Equal(t, deleteTS, r.header.Get("X-Backend-Delete-Timestamp"))
		assert.Empty(t, r.header.Get("X-Container-Object-Count"), "a deleted container shows no stats")
		r = h.c("GET", path, nil)
		require.Equal(t, 404, r.status)
		r = h.c("DELETE", path, h.accountHeaders(H{"X-Timestamp": ts()}))
		require.Equal(t, 404, r.status, "deleting a deleted container")
		r = h.c("POST", path, H{"X-Timestamp": ts()})
		require.Equal(t, 404, r.status)

		r = h.createContainer(acct, "photos", H{"X-Backend-Storage-Policy-Index": "1"})
		require.Equal(t, 201, r.status, "recreated, on another policy")
		assert.Equal(t, "1", r.header.Get("X-Backend-Storage-Policy-Index"))
		r = h.c("HEAD", path, nil)
		assert.Empty(t, r.header.Get("X-Container-Meta-Color"), "a deleted container's metadata is gone")
	})
}

func TestContainerPolicyConflictNamesTheExistingIndex(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		h.createAccount(h.ns)
		require.Equal(t, 201, h.createContainer(h.ns, "c", H{"X-Backend-Storage-Policy-Index": "1"}).status)
		r := h.createContainer(h.ns, "c", H{"X-Backend-Storage-Policy-Index": "0"})
		require.Equal(t, 409, r.status)
		assert.Equal(t, "1", r.header.Get("X-Backend-Storage-Policy-Index"))
		r = h.createContainer(h.ns, "c", H{"X-Backend-Storage-Policy-Default": "0"})
		require.Equal(t, 202, r.status, "a default policy never conflicts")
		r = h.createContainer(h.ns, "d", H{"X-Backend-Storage-Policy-Index": "7"})
		require.Equal(t, 400, r.status)
		assert.Equal(t, "Invalid X-Backend-Storage-Policy-Index 7", r.body)
		r = h.createContainer(h.ns, "d", H{"X-Backend-Storage-Policy-Default": "1"})
		require.Equal(t, 201, r.status)
		assert.Equal(t, "1", r.header.Get("X-Backend-Storage-Policy-Index"))
	})
}

func TestContainerPUTAndDELETETellTheAccount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		acct := h.ns
		h.createAccount(acct)
		require.Equal(t, 201, h.createContainer(acct, "one", nil).status)
		require.Equal(t, 201, h.createContainer(acct, "two", H{"X-Backend-Storage-Policy-Index": "1"}).status)
		r := h.a("HEAD", h.accountPath(acct), nil)
		require.Equal(t, 204, r.status)
		assert.Equal(t, "2", r.header.Get("X-Account-Container-Count"))
		assert.Equal(t, "1", r.header.Get("X-Account-Storage-Policy-Policy-1-Container-Count"))

		r = h.a("GET", h.accountPath(acct)+"?format=json", nil)
		require.Equal(t, 200, r.status)
		var listing []map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.body), &listing))
		require.Len(t, listing, 2)
		assert.Equal(t, "one", listing[0]["name"])

		require.Equal(t, 204, h.c("DELETE", h.containerPath(acct, "one"), h.accountHeaders(H{"X-Timestamp": ts()})).status)
		r = h.a("GET", h.accountPath(acct), nil)
		require.Equal(t, 200, r.status)
		assert.Equal(t, "two\n", r.body)

		r = h.createContainer("AUTH_nobody_"+h.ns, "c", nil)
		require.Equal(t, 404, r.status, "the account server does not know the account")

		r = h.c("PUT", h.containerPath(acct, "three"), H{"X-Timestamp": ts(), "X-Account-Host": h.account + "," + h.account, "X-Account-Device": "sda", "X-Account-Partition": "1"})
		require.Equal(t, 400, r.status, "hosts and devices do not pair up")
	})
}

func TestListingParametersAndFormats(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		acct := h.ns
		h.createAccount(acct)
		require.Equal(t, 201, h.createContainer(acct, "c", nil).status)
		for _, o := range []string{"a", "b/1", "b/2", "c<&>\"", "d\u00e9"} {
			require.Equal(t, 201, h.putRow(acct, "c", o, 1, "e", nil).status)
		}
		path := h.containerPath(acct, "c")
		for _, tc := range []struct {
			query, want string
		}{
			{"", "a\nb/1\nb/2\nc<&>\"\nd\u00e9\n"},
			{"?delimiter=/", "a\nb/\nc<&>\"\nd\u00e9\n"},
			{"?prefix=b/", "b/1\nb/2\n"},
			{"?path=b", "b/1\nb/2\n"},
			{"?marker=b/1&end_marker=d", "b/2\nc<&>\"\n"},
			{"?limit=2&reverse=on", "d\u00e9\nc<&>\"\n"},
			{"?limit=abc", "a\nb/1\nb/2\nc<&>\"\nd\u00e9\n"},
		} {
			r := h.c("GET", path+tc.query, nil)
			require.Equal(t, 200, r.status, tc.query)
			assert.Equal(t, tc.want, r.body, tc.query)
		}
		r := h.c("GET", path+"?limit=0", nil)
		assert.Equal(t, 204, r.status, "limit=0 lists nothing")
		r = h.c("GET", path+"?limit=10001", nil)
		assert.Equal(t, 412, r.status)
		assert.Equal(t, "Maximum limit is 10000", r.body)
		r = h.c("GET", path+"?format=json&prefix=d", nil)
		assert.Regexp(t, `^\[\{"bytes": 1, "hash": "e", "name": "d\\u00e9", "content_type": "application/octet-stream", "last_modified": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}"\}\]$`, r.body)
		r = h.c("GET", path+"?format=xml&prefix=c", nil)
		assert.Regexp(t, `^<\?xml version="1.0" encoding="UTF-8"\?>\n<container name="c"><object><name>c&lt;&amp;&gt;"</name><hash>e</hash><bytes>1</bytes><content_type>application/octet-stream</content_type><last_modified>[0-9T:.-]+</last_modified></object></container>$`, r.body)
		r = h.c("GET", path+"?format=xml&prefix=zzz", nil)
		assert.Equal(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container name=\"c\" />", r.body)
		r = h.c("GET", path+"?delimiter=/&prefix=b&format=xml", nil)
		assert.Equal(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container name=\"c\"><subdir name=\"b/\"><name>b/</name></subdir></container>", r.body)
		r = h.c("GET", path, H{"Accept": "application/json;q=0.5, text/xml"})
		assert.Equal(t, "text/xml; charset=utf-8", r.header.Get("Content-Type"))
		r = h.c("GET", path, H{"Accept": "image/png"})
		assert.Equal(t, 406, r.status)
		r = h.c("GET", path, H{"Accept": "garbage"})
		assert.Equal(t, 400, r.status)
		r = h.c("GET", path+"?prefix=%ff", nil)
		assert.Equal(t, 400, r.status)
		assert.Equal(t, `"prefix" parameter not valid UTF-8`, r.body)
	})
}

func TestMetadataIsMergedValidatedAndShown(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		acct := h.ns
		path := h.containerPath(acct, "m")
		h.createAccount(acct)
		require.Equal(t, 201, h.createContainer(acct, "m", H{"X-Container-Meta-A": "1", "X-Container-Sysmeta-S": "s"}).status)
		require.Equal(t, 204, h.c("POST", path, H{"X-Timestamp": ts(), "X-Container-Meta-B": "2", "X-Container-Write": "u:*",
			"X-Container-Sync-To": "http://127.0.0.1/v1/a/c", "X-Container-Sync-Key": "k", "X-Other": "no"}).status)
		r := h.c("HEAD", path, nil)
		for k, v := range map[string]string{"X-Container-Meta-A": "1", "X-Container-Meta-B": "2", "X-Container-Sysmeta-S": "s",
			"X-Container-Write": "u:*", "X-Container-Sync-To": "http://127.0.0.1/v1/a/c", "X-Container-Sync-Key": "k"} {
			assert.Equal(t, v, r.header.Get(k), k)
		}
		assert.Empty(t, r.header.Get("X-Other"))
		require.Equal(t, 204, h.c("POST", path, H{"X-Timestamp": ts(), "X-Container-Meta-A": ""}).status)
		r = h.c("HEAD", path, nil)
		assert.Empty(t, r.header.Values("X-Container-Meta-A"), "an empty value deletes")

		old := "0000000001.00000"
		require.Equal(t, 204, h.c("POST", path, H{"X-Timestamp": old, "X-Container-Meta-B": "old"}).status)
		assert.Equal(t, "2", h.c("HEAD", path, nil).header.Get("X-Container-Meta-B"), "an older value loses")

		r = h.c("POST", path, H{"X-Timestamp": ts(), "X-Container-Sync-To": "http://evil.example/v1/a/c"})
		assert.Equal(t, 400, r.status)
		assert.Contains(t, r.body, "Invalid host")

		big := H{"X-Timestamp": ts()}
		for i := range 91 {
			big["X-Container-Meta-K"+itoa(i)] = "v"
		}
		r = h.c("POST", path, big)
		assert.Equal(t, 400, r.status)
		assert.Equal(t, "Too many metadata items; max 90", r.body)

		require.Equal(t, 204, h.a("POST", h.accountPath(acct), H{"X-Timestamp": ts(), "X-Account-Meta-Quota-Bytes": "5", "X-Account-Sysmeta-X": "y"}).status)
		r = h.a("HEAD", h.accountPath(acct), nil)
		assert.Equal(t, "5", r.header.Get("X-Account-Meta-Quota-Bytes"))
		assert.Equal(t, "y", r.header.Get("X-Account-Sysmeta-X"))
	})
}

func TestAccountLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		path := h.accountPath(h.ns)
		r := h.a("HEAD", path, nil)
		require.Equal(t, 404, r.status)
		assert.Empty(t, r.header.Get("X-Account-Status"), "never created")
		require.Equal(t, 201, h.a("PUT", path, H{"X-Timestamp": ts()}).status)
		require.Equal(t, 202, h.a("PUT", path, H{"X-Timestamp": ts()}).status)
		r = h.a("HEAD", path, nil)
		require.Equal(t, 204, r.status)
		assert.Equal(t, "0", r.header.Get("X-Account-Container-Count"))
		assert.Equal(t, "text/plain; charset=utf-8", r.header.Get("Content-Type"))
		r = h.a("GET", path, nil)
		assert.Equal(t, 204, r.status, "an empty plain listing")
		r = h.a("GET", path+"?format=json", nil)
		assert.Equal(t, 200, r.status)
		assert.Equal(t, "[]", r.body)
		r = h.a("GET", path+"?format=xml", nil)
		assert.Equal(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account name=\""+h.ns+"\">\n</account>", r.body)

		r = h.a("DELETE", path, H{"X-Timestamp": ts()})
		require.Equal(t, 204, r.status)
		assert.Equal(t, "Deleted", r.header.Get("X-Account-Status"))
		r = h.a("HEAD", path, nil)
		require.Equal(t, 404, r.status)
		assert.Equal(t, "Deleted", r.header.Get("X-Account-Status"))
		r = h.a("GET", path, nil)
		require.Equal(t, 404, r.status)
		assert.Empty(t, r.body, "_deleted_response answers with an empty body")
		r = h.a("PUT", path, H{"X-Timestamp": ts()})
		require.Equal(t, 403, r.status)
		assert.Equal(t, "Recently deleted", r.body)
		r = h.a("PUT", path+"/c", H{"X-Put-Timestamp": ts(), "X-Delete-Timestamp": "0", "X-Object-Count": "0", "X-Bytes-Used": "0"})
		assert.Equal(t, 404, r.status, "a deleted account takes no reports")
		r = h.a("PUT", path+"/c", H{"X-Put-Timestamp": ts(), "X-Delete-Timestamp": "0", "X-Object-Count": "0", "X-Bytes-Used": "0", "X-Account-Override-Deleted": "yes"})
		assert.Equal(t, 201, r.status, "unless told to (the reaper, the updater)")
	})
}

func TestHiddenAccountsAreCreatedByTheirFirstUpdate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		acct := ".expiring_objects" + h.ns
		r := h.putRow(acct, "1700000000", "1700000000-AUTH_a/c/o", 0, "d41d8cd98f00b204e9800998ecf8427e", nil)
		require.Equal(t, 201, r.status, r.body)
		r = h.c("GET", h.containerPath(acct, "1700000000"), nil)
		assert.Equal(t, "1700000000-AUTH_a/c/o\n", r.body)
		r = h.putRow("AUTH_"+h.ns, "nothere", "o", 0, "e", nil)
		assert.Equal(t, 404, r.status, "user containers are never created by an object update")

		r = h.a("PUT", h.accountPath(acct)+"/1700000000", H{"X-Put-Timestamp": ts(), "X-Delete-Timestamp": "0", "X-Object-Count": "1", "X-Bytes-Used": "0"})
		require.Equal(t, 201, r.status)
		r = h.a("GET", h.accountPath(acct), nil)
		assert.Equal(t, "1700000000\n", r.body)
	})
}

func TestBadRequestsAreAnsweredAsSwiftDoes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		for _, tc := range []struct {
			host, method, path string
			headers            H
			status             int
			body               string
		}{
			{h.container, "PUT", "/sda/1/a/c", nil, 400, "Missing X-Timestamp header"},
			{h.container, "PUT", "/sda/1/a/c", H{"X-Timestamp": "x"}, 400, "Invalid X-Timestamp header"},
			{h.container, "GET", "/sda/1/a", nil, 400, "Invalid path: /sda/1/a"},
			{h.container, "GET", "/../1/a/c", nil, 400, "Invalid device: .."},
			{h.container, "GET", "/sda/1/a/c%ff", nil, 412, "Invalid UTF8 or contains NULL"},
			{h.container, "POST", "/sda/1/a/c/o", H{"X-Timestamp": ts()}, 400, "Invalid path: /sda/1/a/c/o"},
			{h.container, "COPY", "/sda/1/a/c", nil, 405, ""},
			{h.container, "PUT", "/sda/1/a/c/o", H{"X-Timestamp": ts(), "X-Size": "x"}, 400, "Invalid X-Size header"},
			{h.account, "GET", "/sda/1/a/c", nil, 400, "Invalid path: /sda/1/a/c"},
			{h.account, "UPDATE", "/sda/1/a", nil, 405, ""},
			{h.account, "GET", "/sda/1/a%ff", nil, 412, "Invalid UTF8"},
			{h.account, "PUT", "/sda/1/a/c", H{"X-Put-Timestamp": "nope"}, 400, "Invalid X-Put-Timestamp header"},
		} {
			r := do(t, tc.host, tc.method, tc.path, tc.headers, nil)
			assert.Equal(t, tc.status, r.status, "%s %s", tc.method, tc.path)
			if tc.body != "" {
				assert.Equal(t, tc.body, r.body, "%s %s", tc.method, tc.path)
			}
		}
		r := h.c("OPTIONS", "/sda/1/a/c", nil)
		assert.Equal(t, 200, r.status)
		assert.Equal(t, containerMethods.Allow(), r.header.Get("Allow"))
		assert.True(t, strings.HasPrefix(r.header.Get("Server"), "container-server/"))
		r = h.a("OPTIONS", "/sda/1/a", nil)
		assert.Equal(t, accountMethods.Allow(), r.header.Get("Allow"))

		r = do(t, h.container, "REPLICATE", "/sda/1/abcdef", nil, []byte(`["sync", 17, "hash", "id", "1", "2", "3", "{}"]`))
		require.Equal(t, 200, r.status)
		var info map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.body), &info))
		assert.Equal(t, float64(17), info["point"], "the caller is told it is in sync")
		r = do(t, h.account, "REPLICATE", "/sda/1/abcdef", nil, []byte(`["merge_items", []]`))
		assert.Equal(t, 204, r.status)
	})
}

// failingBackend answers every call with an error, as a backend that cannot reach Ceph.
type failingBackend struct {
	accountdb.Backend
	err error
}

func (f failingBackend) Container(a, c string) accountdb.ContainerDB {
	return failingContainer{f.Backend.Container(a, c), f.err}
}
func (f failingBackend) Account(a string) accountdb.AccountDB {
	return failingAccount{f.Backend.Account(a), f.err}
}

type failingContainer struct {
	accountdb.ContainerDB
	err error
}

func (f failingContainer) Info(context.Context) (accountdb.ContainerInfo, error) {
	return accountdb.ContainerInfo{}, f.err
}
func (f failingContainer) Initialize(context.Context, swift.Timestamp, int) error { return f.err }
func (f failingContainer) MergeObjects(context.Context, []accountdb.ObjectRow) error {
	return f.err
}

type failingAccount struct {
	accountdb.AccountDB
	err error
}

func (f failingAccount) Info(context.Context) (accountdb.AccountInfo, error) {
	return accountdb.AccountInfo{}, f.err
}
func (f failingAccount) Initialize(context.Context, swift.Timestamp) error { return f.err }

func TestUnavailableBackendIs503(t *testing.T) {
	for _, err := range []error{accountdb.ErrUnavailable, context.DeadlineExceeded} {
		h := newHarness(t, failingBackend{openBackend(t, "sqlite", map[string]string{"db_dir": t.TempDir()}), err})
		assert.Equal(t, 503, h.c("HEAD", h.containerPath("a", "c"), nil).status)
		assert.Equal(t, 503, h.putRow("a", "c", "o", 1, "e", nil).status)
		assert.Equal(t, 503, h.createContainer("a", "c", nil).status)
		assert.Equal(t, 503, h.a("GET", h.accountPath("a"), nil).status)
		assert.Equal(t, 503, h.a("PUT", h.accountPath("a"), H{"X-Timestamp": ts()}).status)
	}
}

func TestContainerUpdaterMakesAccountTotalsExact(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		acct := h.ns
		h.createAccount(acct)
		for _, c := range []string{"c1", "c2"} {
			require.Equal(t, 201, h.createContainer(acct, c, nil).status)
		}
		for i := range 10 {
			require.Equal(t, 201, h.putRow(acct, "c1", "o"+itoa(i), 10, "e", nil).status)
		}
		require.Equal(t, 201, h.putRow(acct, "c2", "x", 5, "e", nil).status)
		r := h.a("HEAD", h.accountPath(acct), nil)
		assert.Equal(t, "0", r.header.Get("X-Account-Object-Count"), "object rows reach the account only through the updater")

		ring, hash := testRing(t, h.account)
		u := &ContainerUpdater{Backend: h.db, Reporter: NewAccountReporter(testConfig(ContainerServer), h.db, zaptest.NewLogger(t)),
			Ring: ring, Hash: hash, Concurrency: 4, Batch: 1, Log: zaptest.NewLogger(t)}
		rep, err := u.RunOnce(context.Background())
		require.NoError(t, err)
		assert.GreaterOrEqual(t, rep.Reported, 2, rep.String())
		assert.Zero(t, rep.Failed, rep.String())
		r = h.a("HEAD", h.accountPath(acct), nil)
		assert.Equal(t, "11", r.header.Get("X-Account-Object-Count"))
		assert.Equal(t, "105", r.header.Get("X-Account-Bytes-Used"))
		assert.Equal(t, "2", r.header.Get("X-Account-Container-Count"))
		assert.Equal(t, "11", r.header.Get("X-Account-Storage-Policy-Policy-0-Object-Count"))

		rep, err = u.RunOnce(context.Background())
		require.NoError(t, err)
		assert.Zero(t, rep.Reported, "nothing changed: %s", rep)
		marks, err := h.db.PendingReports(context.Background(), 100)
		require.NoError(t, err)
		for _, m := range marks {
			assert.NotEqual(t, acct, m.Account, "every mark of the account is cleared")
		}

		require.Equal(t, 204, h.c("DELETE", h.containerPath(acct, "c2")+"/x", H{"X-Timestamp": ts(), "X-Backend-Storage-Policy-Index": "0"}).status)
		_, err = u.RunOnce(context.Background())
		require.NoError(t, err)
		r = h.a("HEAD", h.accountPath(acct), nil)
		assert.Equal(t, "10", r.header.Get("X-Account-Object-Count"))
		assert.Equal(t, "100", r.header.Get("X-Account-Bytes-Used"))
	})
}

// Object versioning's hidden containers live in the account under names starting with
// NUL: the proxy lists them only with X-Backend-Allow-Reserved-Names.
func TestReservedNamesAreListedOnlyWhenAllowed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		acct := h.ns
		h.createAccount(acct)
		for _, c := range []string{"\x00versions\x00photos", "photos"} {
			require.Equal(t, 201, h.createContainer(acct, c, nil).status)
		}
		require.Eventually(t, func() bool {
			return h.a("GET", h.accountPath(acct)+"?reverse=on", H{"X-Backend-Allow-Reserved-Names": "true"}).body == "photos\n\x00versions\x00photos\n"
		}, 10*time.Second, 50*time.Millisecond, "the account heard of both containers")
		assert.Equal(t, "photos\n", h.a("GET", h.accountPath(acct), nil).body)
		assert.Equal(t, "\x00versions\x00photos\nphotos\n", h.a("GET", h.accountPath(acct), H{"X-Backend-Allow-Reserved-Names": "true"}).body)
	})
}
