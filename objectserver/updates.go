package objectserver

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// PendingUpdate is a container update that could not be delivered: Swift's
// async_pending record, kept durably until the object updater delivers it.
type PendingUpdate struct {
	Op            string            `json:"op"`
	Account       string            `json:"account"`
	Container     string            `json:"container"`
	Object        string            `json:"obj"`
	Headers       map[string]string `json:"headers"`
	ContainerPath string            `json:"container_path,omitempty"` // shard to update instead
	Policy        int               `json:"policy"`
}

// Timestamp orders pending updates of one object: the newest wins.
func (p PendingUpdate) Timestamp() string {
	if ts := p.Headers["X-Meta-Timestamp"]; ts != "" {
		return ts
	}
	return p.Headers["X-Timestamp"]
}

// AsyncQueue keeps pending updates durably (in RADOS: no node's disk holds them).
type AsyncQueue interface {
	Enqueue(ctx context.Context, update PendingUpdate) error
}

// Updater sends container and expirer updates after object changes, as Swift's
// container_update, delete_at_update and async_update do.
type Updater struct {
	cfg    Config
	hash   swift.HashConf
	queue  AsyncQueue
	client *backend.UpdateClient
	log    *zap.Logger
	wg     sync.WaitGroup
}

// NewUpdater builds the updater; hash is swift.conf's hash path prefix and suffix.
func NewUpdater(cfg Config, hash swift.HashConf, queue AsyncQueue, log *zap.Logger) *Updater {
	return &Updater{cfg: cfg, hash: hash, queue: queue, log: log,
		client: backend.NewUpdateClient(backend.ObjectServer, cfg.ConnTimeout, cfg.NodeTimeout)}
}

// Wait lets updates still running in the background finish (for a clean shutdown).
func (u *Updater) Wait() { u.wg.Wait() }

type updateTarget struct{ host, device string }

// ContainerUpdate tells every container server named by the proxy about the change,
// waiting at most container_update_timeout; updates still running go on in the
// background, and each failure becomes a pending update.
func (u *Updater) ContainerUpdate(r *objectRequest, op string, headers map[string]string) {
	hosts := splitList(r.header("X-Container-Host"))
	devices := splitList(r.header("X-Container-Device"))
	partition := r.header("X-Container-Partition")
	if len(hosts) == 0 || len(devices) == 0 || partition == "" {
		return
	}
	account, container := r.ref.Account, r.ref.Container
	headers = u.commonHeaders(r, headers, r.ref.Policy)
	pending := PendingUpdate{Op: op, Account: account, Container: container, Object: r.ref.Object,
		Headers: headers, ContainerPath: r.header("X-Backend-Container-Path"), Policy: r.ref.Policy}
	var targets []updateTarget
	for i := 0; i < len(hosts) && i < len(devices); i++ {
		targets = append(targets, updateTarget{hosts[i], devices[i]})
	}
	u.sendAll(targets, partition, pending)
}

// ExpirerUpdate adds or removes the object's entry in the hidden expiring-objects
// account, where Swift's object expirer finds what to delete.
func (u *Updater) ExpirerUpdate(r *objectRequest, op string, deleteAt int64, ts swift.Timestamp) {
	if swift.TrueValue(r.header("X-Backend-Replication")) {
		return
	}
	headers := map[string]string{"X-Timestamp": ts.Internal()}
	var targets []updateTarget
	var partition, container string
	if op != "DELETE" {
		hosts := r.header("X-Delete-At-Host")
		if !r.hasHeader("X-Delete-At-Host") {
			return // another object server of the PUT sends it
		}
		container = r.header("X-Delete-At-Container")
		if container == "" {
			container = swift.ExpirerContainer(deleteAt, u.cfg.ExpirerDivisor, u.hash, r.ref.Account, r.ref.Container, r.ref.Object)
		}
		partition = r.header("X-Delete-At-Partition")
		devices := splitList(r.header("X-Delete-At-Device"))
		for i, h := range splitList(hosts) {
			if i < len(devices) && partition != "" {
				targets = append(targets, updateTarget{h, devices[i]})
			}
		}
		headers["X-Size"] = "0"
		headers["X-Content-Type"] = "text/plain"
		headers["X-Etag"] = "d41d8cd98f00b204e9800998ecf8427e"
	} else {
		if !swift.TrueValue(orDefault(r.header("X-Backend-Clean-Expiring-Object-Queue"), "t")) {
			return
		}
		container = swift.ExpirerContainer(deleteAt, u.cfg.ExpirerDivisor, u.hash, r.ref.Account, r.ref.Container, r.ref.Object)
	}
	// The hidden account always lives in policy 0.
	headers = u.commonHeaders(r, headers, 0)
	pending := PendingUpdate{Op: op, Account: u.cfg.ExpiringObjectsAccount, Container: container,
		Object:  fmt.Sprintf("%s-%s/%s/%s", swift.NormalizeDeleteAt(deleteAt), r.ref.Account, r.ref.Container, r.ref.Object),
		Headers: headers, Policy: 0}
	u.sendAll(targets, partition, pending)
}

func (u *Updater) commonHeaders(r *objectRequest, headers map[string]string, policy int) map[string]string {
	out := make(map[string]string, len(headers)+4)
	for k, v := range headers {
		out[k] = v
	}
	out["X-Trans-Id"] = orDefault(r.header("X-Trans-Id"), "-")
	out["Referer"] = string(r.ctx.Method()) + " http://" + string(r.ctx.Host()) + string(r.ctx.Request.Header.RequestURI())
	out["X-Backend-Storage-Policy-Index"] = fmt.Sprint(policy)
	return out
}

// sendAll sends to every target in parallel, waits up to container_update_timeout,
// and queues the update durably for each target that fails (or when there is none,
// as Swift does for expirer deletes: the updater finds the nodes in the ring).
func (u *Updater) sendAll(targets []updateTarget, partition string, pending PendingUpdate) {
	if len(targets) == 0 {
		u.enqueue(pending)
		return
	}
	done := make(chan struct{})
	var group sync.WaitGroup
	for _, t := range targets {
		group.Add(1)
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			defer group.Done()
			if err := u.Send(t.host, t.device, partition, pending); err != nil {
				u.log.Warn("container update failed; queued", zap.String("host", t.host), zap.String("op", pending.Op),
					zap.String("path", pending.Account+"/"+pending.Container+"/"+pending.Object), zap.Error(err))
				u.enqueue(pending)
			}
		}()
	}
	go func() { group.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(u.cfg.ContainerUpdateTimeout):
	}
}

func (u *Updater) enqueue(p PendingUpdate) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := u.queue.Enqueue(ctx, p); err != nil {
		u.log.Error("could not queue a container update: the listing may miss this change",
			zap.String("path", p.Account+"/"+p.Container+"/"+p.Object), zap.Error(err))
	}
}

// Send delivers one update to one container server: op /device/partition/a/c/o.
func (u *Updater) Send(host, device, partition string, p PendingUpdate) error {
	account, container := p.Account, p.Container
	if p.ContainerPath != "" {
		if a, c, ok := strings.Cut(p.ContainerPath, "/"); ok {
			account, container = a, c
		}
	}
	status, err := u.client.Send(p.Op, host, []string{device, partition, account, container, p.Object}, p.Headers)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("%s answered %d", host, status)
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func orDefault(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}
