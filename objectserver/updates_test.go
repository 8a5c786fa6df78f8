package objectserver_test

// Container and expirer updates, as swift/obj/server.py 2.30.1's container_update,
// delete_at_update and async_update send them, and what becomes of those that fail:
// the async-pending queue in RADOS, emptied by asyncpending.Updater.

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/objectserver"
	"github.com/radosswift/radosswift/objectserver/asyncpending"
)

const emptyMD5 = "d41d8cd98f00b204e9800998ecf8427e"

// to names the fake container server as the proxy does: hosts, devices, partition.
func (h *harness) to(devices string) H {
	host := h.cont.host()
	hosts := host
	for i := 0; i < len(devices); i++ {
		if devices[i] == ',' {
			hosts += "," + host
		}
	}
	return H{"X-Container-Host": hosts, "X-Container-Device": devices, "X-Container-Partition": "7"}
}

func (h *harness) count(t *testing.T) int {
	t.Helper()
	n, err := h.queue.Count(context.Background())
	require.NoError(t, err)
	return n
}

func with(hs ...H) H {
	out := H{}
	for _, h := range hs {
		merge(out, h)
	}
	return out
}

// requireUpdate checks one received update: method, URI and exact header values.
func requireUpdate(t *testing.T, got containerRequest, method, uri string, headers H) {
	t.Helper()
	require.Equal(t, method, got.Method, "update %s %s", got.Method, got.URI)
	require.Equal(t, uri, got.URI)
	for k, v := range headers {
		if v == absent {
			require.Empty(t, got.Header.Values(k), "header %s of %s %s", k, got.Method, got.URI)
			continue
		}
		require.Equal(t, v, got.Header.Get(k), "header %s of %s %s", k, got.Method, got.URI)
	}
}

func TestContainerUpdates(t *testing.T) {
	runScenarios(t, []scenario{
		{"a PUT sends every container server Swift's update", func(t *testing.T, h *harness) {
			ts := h.put(obj, []byte("VERIFY"), with(h.to("sdc1,sdc2"), H{"Content-Type": "text/plain", "X-Trans-Id": "tx-put"}))
			ups := h.cont.waitRequests(t, 2)
			require.Len(t, ups, 2)
			if ups[0].URI > ups[1].URI {
				ups[0], ups[1] = ups[1], ups[0]
			}
			for i, dev := range []string{"sdc1", "sdc2"} {
				requireUpdate(t, ups[i], "PUT", "/"+dev+"/7/a/c/o", H{
					"X-Size":                         "6",
					"X-Content-Type":                 "text/plain",
					"X-Timestamp":                    ts.Internal(),
					"X-Etag":                         md5hex([]byte("VERIFY")),
					"X-Backend-Storage-Policy-Index": "0",
					"Referer":                        "PUT http://" + h.addr + obj,
					"X-Trans-Id":                     "tx-put",
					"User-Agent":                     "object-server " + strconv.Itoa(os.Getpid()),
					"X-Content-Type-Timestamp":       absent,
					"X-Meta-Timestamp":               absent,
				})
			}
			require.Equal(t, 0, h.count(t))
		}},
		{"an update without X-Trans-Id says -, and a policy-1 object's says policy 1", func(t *testing.T, h *harness) {
			h.put(obj, []byte("x"), with(h.to("sdc1"), H{"X-Backend-Storage-Policy-Index": "1"}))
			ups := h.cont.waitRequests(t, 1)
			requireUpdate(t, ups[0], "PUT", "/sdc1/7/a/c/o", H{"X-Trans-Id": "-", "X-Backend-Storage-Policy-Index": "1"})
		}},
		{"a DELETE sends the delete's timestamp", func(t *testing.T, h *harness) {
			h.put(obj, []byte("x"), nil)
			del := h.ts()
			expect(t, h.do("DELETE", obj, with(h.to("sdc1"), H{"X-Timestamp": del.Internal(), "X-Trans-Id": "tx-del"}), nil), 204, nil)
			ups := h.cont.waitRequests(t, 1)
			requireUpdate(t, ups[0], "DELETE", "/sdc1/7/a/c/o", H{
				"X-Timestamp": del.Internal(), "X-Trans-Id": "tx-del", "X-Backend-Storage-Policy-Index": "0",
				"Referer": "DELETE http://" + h.addr + obj, "X-Size": absent, "X-Etag": absent,
			})
		}},
		{"a DELETE of nothing still updates the container; one that loses to newer data does not", func(t *testing.T, h *harness) {
			expect(t, h.do("DELETE", obj, with(h.to("sdc1"), H{"X-Timestamp": h.ts().Internal()}), nil), 404, nil)
			require.Len(t, h.cont.waitRequests(t, 1), 1)
			old := h.ts()
			h.put(obj, []byte("x"), nil)
			expect(t, h.do("DELETE", obj, with(h.to("sdc1"), H{"X-Timestamp": old.Internal()}), nil), 409, nil)
			time.Sleep(100 * time.Millisecond)
			require.Empty(t, h.cont.requests())
		}},
		{"a POST sends a PUT update with the content type's and the metadata's timestamps", func(t *testing.T, h *harness) {
			put := h.put(obj, []byte("VERIFY"), H{"Content-Type": "text/plain"})
			post := h.ts()
			expect(t, h.do("POST", obj, with(h.to("sdc1"), H{"X-Timestamp": post.Internal(), "Content-Type": "text/html"}), nil), 202, nil)
			requireUpdate(t, h.cont.waitRequests(t, 1)[0], "PUT", "/sdc1/7/a/c/o", H{
				"X-Size": "6", "X-Etag": md5hex([]byte("VERIFY")), "X-Content-Type": "text/html",
				"X-Timestamp": put.Internal(), "X-Content-Type-Timestamp": post.Internal(), "X-Meta-Timestamp": post.Internal(),
				"X-Backend-Storage-Policy-Index": "0", "Referer": "POST http://" + h.addr + obj,
			})
			// a POST without a Content-Type repeats the one in force, with its timestamp
			post2 := h.ts()
			expect(t, h.do("POST", obj, with(h.to("sdc1"), H{"X-Timestamp": post2.Internal()}), nil), 202, nil)
			requireUpdate(t, h.cont.waitRequests(t, 1)[0], "PUT", "/sdc1/7/a/c/o", H{
				"X-Content-Type": "text/html", "X-Content-Type-Timestamp": post.Internal(), "X-Meta-Timestamp": post2.Internal(),
				"X-Timestamp": put.Internal(),
			})
			// Content-Type-Timestamp says when the content type was set
			ctypeTS, post3 := h.ts(), h.ts()
			expect(t, h.do("POST", obj, with(h.to("sdc1"), H{"X-Timestamp": post3.Internal(), "Content-Type": "text/x-new",
				"Content-Type-Timestamp": ctypeTS.Internal()}), nil), 202, nil)
			requireUpdate(t, h.cont.waitRequests(t, 1)[0], "PUT", "/sdc1/7/a/c/o", H{
				"X-Content-Type": "text/x-new", "X-Content-Type-Timestamp": ctypeTS.Internal(), "X-Meta-Timestamp": post3.Internal(),
			})
		}},
		{"a POST of an object never re-typed reports the data's timestamp as the content type's", func(t *testing.T, h *harness) {
			put := h.put(obj, []byte("VERIFY"), H{"Content-Type": "text/plain"})
			post := h.ts()
			expect(t, h.do("POST", obj, with(h.to("sdc1"), H{"X-Timestamp": post.Internal()}), nil), 202, nil)
			requireUpdate(t, h.cont.waitRequests(t, 1)[0], "PUT", "/sdc1/7/a/c/o", H{
				"X-Content-Type": "text/plain", "X-Content-Type-Timestamp": put.Internal(), "X-Meta-Timestamp": post.Internal(),
			})
		}},
		{"X-Backend-Container-Path sends the update to the shard container", func(t *testing.T, h *harness) {
			shard := H{"X-Backend-Container-Path": ".shards_a/c_shard-1"}
			h.put(obj, []byte("x"), with(h.to("sdc1"), shard))
			requireUpdate(t, h.cont.waitRequests(t, 1)[0], "PUT", "/sdc1/7/.shards_a/c_shard-1/o", nil)
			expect(t, h.do("POST", obj, with(h.to("sdc1"), shard, H{"X-Timestamp": h.ts().Internal()}), nil), 202, nil)
			requireUpdate(t, h.cont.waitRequests(t, 1)[0], "PUT", "/sdc1/7/.shards_a/c_shard-1/o", nil)
			expect(t, h.do("DELETE", obj, with(h.to("sdc1"), shard, H{"X-Timestamp": h.ts().Internal()}), nil), 204, nil)
			requireUpdate(t, h.cont.waitRequests(t, 1)[0], "DELETE", "/sdc1/7/.shards_a/c_shard-1/o", nil)
		}},
		{"container update overrides replace the listing's etag and size, sysmeta winning", func(t *testing.T, h *harness) {
			h.put(obj, []byte("VERIFY"), with(h.to("sdc1"), H{
				"X-Backend-Container-Update-Override-Etag":        "backend-etag",
				"X-Backend-Container-Update-Override-Size":        "99",
				"X-Object-Sysmeta-Container-Update-Override-Etag": "sysmeta-etag",
			}))
			requireUpdate(t, h.cont.waitRequests(t, 1)[0], "PUT", "/sdc1/7/a/c/o", H{"X-Etag": "sysmeta-etag", "X-Size": "99"})
			// a POST applies the overrides stored with the data: only sysmeta is stored
			expect(t, h.do("POST", obj, with(h.to("sdc1"), H{"X-Timestamp": h.ts().Internal()}), nil), 202, nil)
			requireUpdate(t, h.cont.waitRequests(t, 1)[0], "PUT", "/sdc1/7/a/c/o", H{"X-Etag": "sysmeta-etag", "X-Size": "6"})
		}},
		{"names that need quoting reach the container server quoted", func(t *testing.T, h *harness) {
			h.put("/sda1/p/a/c/x//y/./z%20%25%3F", []byte("x"), h.to("sdc1"))
			up := h.cont.waitRequests(t, 1)[0]
			require.Equal(t, "/sdc1/7/a/c/x//y/./z %?", up.Path)
		}},
		{"without X-Container-Partition no update is sent or queued", func(t *testing.T, h *harness) {
			h.put(obj, []byte("x"), H{"X-Container-Host": h.cont.host(), "X-Container-Device": "sdc1"})
			time.Sleep(100 * time.Millisecond)
			require.Empty(t, h.cont.requests())
			require.Equal(t, 0, h.count(t))
		}},
		{"with the container server failing, the PUT succeeds and the update is queued", func(t *testing.T, h *harness) {
			h.cont.failWith(http.StatusServiceUnavailable)
			h.put(obj, []byte("x"), h.to("sdc1"))
			require.Equal(t, 1, h.count(t))
			// both replicas failing still make one entry: it is one update
			h.put("/sda1/p/a/c/o2", []byte("x"), h.to("sdc1,sdc2"))
			require.Equal(t, 2, h.count(t))
		}},
		{"with the container server gone, DELETE and POST succeed and their updates are queued", func(t *testing.T, h *harness) {
			h.put(obj, []byte("x"), nil)
			h.put("/sda1/p/a/c/o2", []byte("x"), nil)
			h.cont.close()
			expect(t, h.do("POST", obj, with(h.to("sdc1"), H{"X-Timestamp": h.ts().Internal()}), nil), 202, nil)
			expect(t, h.do("DELETE", "/sda1/p/a/c/o2", with(h.to("sdc1"), H{"X-Timestamp": h.ts().Internal()}), nil), 204, nil)
			require.Equal(t, 2, h.count(t))
		}},
		{"a failed update of a policy-1 object is queued too", func(t *testing.T, h *harness) {
			h.cont.failWith(http.StatusInternalServerError)
			h.put(obj, []byte("x"), with(h.to("sdc1"), H{"X-Backend-Storage-Policy-Index": "1"}))
			require.Equal(t, 1, h.count(t))
		}},
	})
}

func TestSlowContainerServerDoesNotHoldTheResponse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "container_update_timeout = 0.2")
	h.cont.delay.Store(int64(time.Second))
	start := time.Now()
	h.put(obj, []byte("x"), h.to("sdc1"))
	require.Less(t, time.Since(start), 900*time.Millisecond, "the PUT waits container_update_timeout, not for the update")
	up := h.cont.waitRequests(t, 1)[0]
	requireUpdate(t, up, "PUT", "/sdc1/7/a/c/o", nil)
	h.updater.Wait()
	require.Equal(t, 0, h.count(t), "the update got through in the background")
}

func TestExpirerUpdates(t *testing.T) {
	expirerHeaders := func(h *harness, deleteAt int64) H {
		return H{
			"X-Delete-At":           strconv.FormatInt(deleteAt, 10),
			"X-Delete-At-Host":      h.cont.host(),
			"X-Delete-At-Device":    "sdd1",
			"X-Delete-At-Partition": "9",
			"X-Delete-At-Container": swift.ExpirerContainer(deleteAt, 86400, testHash, "a", "c", "o"),
		}
	}
	future := func(d time.Duration) int64 { return time.Now().Add(d).Unix() }
	runScenarios(t, []scenario{
		{"a PUT with X-Delete-At sends the expirer queue a PUT of its entry", func(t *testing.T, h *harness) {
			at := future(time.Hour)
			container := swift.ExpirerContainer(at, 86400, testHash, "a", "c", "o")
			ts := h.put(obj, []byte("x"), with(expirerHeaders(h, at), H{"X-Trans-Id": "tx-exp", "X-Backend-Storage-Policy-Index": "1"}))
			ups := h.cont.waitRequests(t, 1)
			require.Len(t, ups, 1)
			requireUpdate(t, ups[0], "PUT", "/sdd1/9/.expiring_objects/"+container+"/"+strconv.FormatInt(at, 10)+"-a/c/o", H{
				"X-Size": "0", "X-Content-Type": "text/plain", "X-Etag": emptyMD5, "X-Timestamp": ts.Internal(),
				"X-Backend-Storage-Policy-Index": "0", "X-Trans-Id": "tx-exp", "Referer": "PUT http://" + h.addr + obj,
			})
			require.Equal(t, 0, h.count(t))
		}},
		{"a PUT with X-Delete-At but no X-Delete-At-Host leaves the expirer update to another node", func(t *testing.T, h *harness) {
			h.put(obj, []byte("x"), H{"X-Delete-At": strconv.FormatInt(future(time.Hour), 10)})
			time.Sleep(100 * time.Millisecond)
			require.Empty(t, h.cont.requests())
			require.Equal(t, 0, h.count(t))
		}},
		{"a replicated PUT sends no expirer update", func(t *testing.T, h *harness) {
			h.put(obj, []byte("x"), with(expirerHeaders(h, future(time.Hour)), H{"X-Backend-Replication": "True"}))
			time.Sleep(100 * time.Millisecond)
			require.Empty(t, h.cont.requests())
			require.Equal(t, 0, h.count(t))
		}},
		{"with the expirer's container server failing, its update is queued", func(t *testing.T, h *harness) {
			h.cont.failWith(http.StatusServiceUnavailable)
			h.put(obj, []byte("x"), expirerHeaders(h, future(time.Hour)))
			require.Equal(t, 1, h.count(t))
		}},
		{"changing X-Delete-At with a POST adds the new entry and queues the DELETE of the old one", func(t *testing.T, h *harness) {
			old, next := future(time.Hour), future(2*time.Hour)
			h.put(obj, []byte("x"), expirerHeaders(h, old))
			h.cont.waitRequests(t, 1)
			post := h.ts()
			expect(t, h.do("POST", obj, with(expirerHeaders(h, next), H{"X-Timestamp": post.Internal()}), nil), 202, nil)
			ups := h.cont.waitRequests(t, 1)
			requireUpdate(t, ups[0], "PUT", "/sdd1/9/.expiring_objects/"+swift.ExpirerContainer(next, 86400, testHash, "a", "c", "o")+
				"/"+strconv.FormatInt(next, 10)+"-a/c/o", H{"X-Timestamp": post.Internal()})
			require.Equal(t, 1, h.count(t), "the old entry's DELETE has no host: it is queued")
		}},
		{"a POST that repeats X-Delete-At sends no expirer update", func(t *testing.T, h *harness) {
			at := future(time.Hour)
			h.put(obj, []byte("x"), expirerHeaders(h, at))
			h.cont.waitRequests(t, 1)
			expect(t, h.do("POST", obj, with(expirerHeaders(h, at), H{"X-Timestamp": h.ts().Internal()}), nil), 202, nil)
			time.Sleep(100 * time.Millisecond)
			require.Empty(t, h.cont.requests())
			require.Equal(t, 0, h.count(t))
		}},
		{"an overwrite without X-Delete-At leaves the old entry, which the expirer's X-If-Delete-At makes harmless", func(t *testing.T, h *harness) {
			// The PUT skips reading the old version (one RADOS op); Swift's expirer
			// takes the 412 for a stale entry as done.
			at := future(time.Hour)
			h.put(obj, []byte("x"), expirerHeaders(h, at))
			h.cont.waitRequests(t, 1)
			h.put(obj, []byte("y"), nil)
			require.Equal(t, 0, h.count(t))
			expect(t, h.do("DELETE", obj, H{"X-Timestamp": h.ts().Internal(), "X-If-Delete-At": strconv.FormatInt(at, 10)}, nil), 412, nil)
			r := h.do("GET", obj, nil, nil)
			expect(t, r, 200, nil)
			require.Equal(t, "y", string(r.Body))
		}},
		{"an overwrite with a new X-Delete-At queues the DELETE of the old entry", func(t *testing.T, h *harness) {
			h.put(obj, []byte("x"), expirerHeaders(h, future(time.Hour)))
			h.cont.waitRequests(t, 1)
			h.put(obj, []byte("y"), expirerHeaders(h, future(2*time.Hour)))
			require.Equal(t, 1, h.count(t))
		}},
		{"a DELETE of an expiring object queues the DELETE of its entry unless told not to", func(t *testing.T, h *harness) {
			h.put(obj, []byte("x"), H{"X-Delete-At": strconv.FormatInt(future(time.Hour), 10)})
			expect(t, h.do("DELETE", obj, H{"X-Timestamp": h.ts().Internal(), "X-Backend-Clean-Expiring-Object-Queue": "no"}, nil), 204, nil)
			require.Equal(t, 0, h.count(t))
			h.put(obj, []byte("x"), H{"X-Delete-At": strconv.FormatInt(future(time.Hour), 10)})
			expect(t, h.do("DELETE", obj, H{"X-Timestamp": h.ts().Internal()}, nil), 204, nil)
			require.Equal(t, 1, h.count(t))
		}},
	})
}

// recorder wraps the Updater's sender and keeps what the object updater delivered.
type recorder struct {
	mu   sync.Mutex
	sent []objectserver.PendingUpdate
	send asyncpending.Deliverer
}

func (r *recorder) deliver(host, device, partition string, p objectserver.PendingUpdate) error {
	err := r.send(host, device, partition, p)
	if err == nil {
		r.mu.Lock()
		r.sent = append(r.sent, p)
		r.mu.Unlock()
	}
	return err
}

func (r *recorder) take() []objectserver.PendingUpdate {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sent
	r.sent = nil
	return s
}

// TestObjectUpdaterDeliversQueuedUpdates follows updates that failed from the queue
// to the container server, through a ring built by swift-ring-builder.
func TestObjectUpdaterDeliversQueuedUpdates(t *testing.T) {
	h := newHarness(t)
	queue := h.radosQueue()
	ring := buildContainerRing(t, h.cont.port())
	rec := &recorder{send: h.updater.Send}
	updater := &asyncpending.Updater{Queue: queue, Ring: ring, Hash: testHash, Deliver: rec.deliver}
	pass := func(t *testing.T) asyncpending.PassReport {
		t.Helper()
		rep, err := updater.RunOnce(context.Background())
		require.NoError(t, err)
		return rep
	}
	ringPath := func(account, container, object string) string {
		part := ring.Partition(testHash, account, container, "")
		return "/sdb/" + strconv.Itoa(part) + "/" + account + "/" + container + "/" + object
	}

	t.Run("an update that failed is delivered once the container server works again", func(t *testing.T) {
		h.cont.failWith(http.StatusServiceUnavailable)
		ts := h.put(obj, []byte("VERIFY"), with(h.to("sdc1"), H{"Content-Type": "text/plain", "X-Trans-Id": "tx-async"}))
		require.Equal(t, 1, h.count(t))

		rep := pass(t)
		require.Equal(t, 1, rep.Failed, "%v", rep)
		require.Equal(t, 1, h.count(t), "a failed delivery stays queued")

		h.cont.failWith(0)
		rep = pass(t)
		require.Equal(t, 1, rep.Delivered, "%v", rep)
		require.Equal(t, 0, h.count(t))
		ups := h.cont.requests()
		require.Len(t, ups, 1)
		requireUpdate(t, ups[0], "PUT", ringPath("a", "c", "o"), H{
			"X-Size": "6", "X-Content-Type": "text/plain", "X-Timestamp": ts.Internal(), "X-Etag": md5hex([]byte("VERIFY")),
			"X-Backend-Storage-Policy-Index": "0", "X-Trans-Id": "tx-async", "Referer": "PUT http://" + h.addr + obj,
		})
		require.Equal(t, 0, pass(t).Delivered, "nothing is delivered twice")
	})

	t.Run("only the newest of two pending updates for one object is delivered", func(t *testing.T) {
		h.cont.failWith(http.StatusServiceUnavailable)
		h.put(obj, []byte("again"), h.to("sdc1"))
		del := h.ts()
		expect(t, h.do("DELETE", obj, with(h.to("sdc1"), H{"X-Timestamp": del.Internal()}), nil), 204, nil)
		require.Equal(t, 2, h.count(t))
		h.cont.failWith(0)
		rep := pass(t)
		require.Equal(t, 1, rep.Delivered, "%v", rep)
		require.Equal(t, 1, rep.Superseded, "%v", rep)
		require.Equal(t, 0, h.count(t))
		ups := h.cont.requests()
		require.Len(t, ups, 1)
		requireUpdate(t, ups[0], "DELETE", ringPath("a", "c", "o"), H{"X-Timestamp": del.Internal()})
	})

	t.Run("a POST's pending update is ordered by its metadata timestamp", func(t *testing.T) {
		h.cont.failWith(http.StatusServiceUnavailable)
		put := h.put(obj, []byte("third"), h.to("sdc1"))
		post := h.ts()
		expect(t, h.do("POST", obj, with(h.to("sdc1"), H{"X-Timestamp": post.Internal(), "Content-Type": "text/x-posted"}), nil), 202, nil)
		require.Equal(t, 2, h.count(t))
		h.cont.failWith(0)
		rep := pass(t)
		require.Equal(t, 1, rep.Delivered, "%v", rep)
		ups := h.cont.requests()
		require.Len(t, ups, 1)
		requireUpdate(t, ups[0], "PUT", ringPath("a", "c", "o"), H{"X-Timestamp": put.Internal(),
			"X-Meta-Timestamp": post.Internal(), "X-Content-Type": "text/x-posted"})
	})

	t.Run("a queued update for a shard goes to the shard's nodes", func(t *testing.T) {
		h.cont.failWith(http.StatusServiceUnavailable)
		h.put("/sda1/p/a/c/sharded", []byte("x"), with(h.to("sdc1"), H{"X-Backend-Container-Path": ".shards_a/c_shard-1"}))
		h.cont.failWith(0)
		require.Equal(t, 1, pass(t).Delivered)
		ups := h.cont.requests()
		require.Len(t, ups, 1)
		require.Equal(t, ringPath(".shards_a", "c_shard-1", "sharded"), ups[0].URI)
	})

	t.Run("changing X-Delete-At with a POST queues the DELETE of the old expirer entry, which the updater delivers", func(t *testing.T) {
		old, next := time.Now().Add(time.Hour).Unix(), time.Now().Add(2*time.Hour).Unix()
		h.put(obj, []byte("x"), H{"X-Delete-At": strconv.FormatInt(old, 10)})
		post := h.ts()
		expect(t, h.do("POST", obj, H{"X-Timestamp": post.Internal(), "X-Delete-At": strconv.FormatInt(next, 10)}, nil), 202, nil)
		require.Equal(t, 1, h.count(t))
		require.Equal(t, 1, pass(t).Delivered)
		container := swift.ExpirerContainer(old, 86400, testHash, "a", "c", "o")
		ups := h.cont.requests()
		require.Len(t, ups, 1)
		requireUpdate(t, ups[0], "DELETE", ringPath(".expiring_objects", container, strconv.FormatInt(old, 10)+"-a/c/o"), H{
			"X-Timestamp": post.Internal(), "X-Backend-Storage-Policy-Index": "0",
		})
		sent := rec.take()
		require.Equal(t, ".expiring_objects", sent[len(sent)-1].Account)
		require.Equal(t, 0, sent[len(sent)-1].Policy)
	})
}
