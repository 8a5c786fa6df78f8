package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/backend"
)

// AccountReporter tells account servers about a container's status and stats: the
// PUT /device/partition/account/container that Swift's container server sends after
// a container PUT or DELETE, and its container updater after any change.
type AccountReporter struct {
	db     accountdb.Backend
	client *backend.UpdateClient
	log    *zap.Logger
}

// NewAccountReporter builds a reporter with the config's connect and node timeouts.
func NewAccountReporter(cfg Config, db accountdb.Backend, log *zap.Logger) *AccountReporter {
	return &AccountReporter{db: db, log: log,
		client: backend.NewUpdateClient(backend.ContainerServer, cfg.ConnTimeout, cfg.NodeTimeout)}
}

// AccountNode is one account server to report to.
type AccountNode struct {
	Host      string // ip:port
	Device    string
	Partition string
}

// report is one container's state as an account server is told it.
type report struct {
	account, container string
	info               accountdb.ContainerInfo
	transID, referer   string
	overrideDeleted    bool
}

// UpdateFromRequest is Swift's account_update after a container PUT or DELETE: the
// account servers the proxy named (X-Account-Host, -Device, -Partition) are told the
// container's new state, at once. A failure is logged and left to the container
// updater (the backend's report mark stays); if every account server answers 404 the
// request is 404 (the account is gone); mismatched host and device lists are 400.
func (a *AccountReporter) UpdateFromRequest(r *request, db accountdb.ContainerDB) error {
	hosts := strings.Split(r.header("X-Account-Host"), ",")
	devices := strings.Split(r.header("X-Account-Device"), ",")
	partition := r.header("X-Account-Partition")
	if len(hosts) != len(devices) {
		a.log.Error("account update failed: different numbers of hosts and devices in request",
			zap.String("hosts", r.header("X-Account-Host")), zap.String("devices", r.header("X-Account-Device")))
		return &backend.Error{Status: http.StatusBadRequest}
	}
	if partition == "" {
		return nil
	}
	info, err := db.Info(backendContext())
	if err != nil {
		return err
	}
	rep := report{account: r.account, container: r.container, info: info,
		transID: r.header("X-Trans-Id"), referer: string(r.ctx.Method()) + " http://" + string(r.ctx.Host()) + string(r.ctx.Request.Header.RequestURI()),
		overrideDeleted: strings.EqualFold(r.header("X-Account-Override-Deleted"), "yes")}
	nodes := make([]AccountNode, len(hosts))
	for i := range hosts {
		nodes[i] = AccountNode{Host: strings.TrimSpace(hosts[i]), Device: strings.TrimSpace(devices[i]), Partition: partition}
	}
	statuses := a.sendAll(nodes, rep)
	notFound, ok := 0, 0
	for _, status := range statuses {
		switch {
		case status == http.StatusNotFound:
			notFound++
		case status >= 200 && status < 300:
			ok++
		}
	}
	if notFound == len(nodes) {
		return &backend.Error{Status: http.StatusNotFound}
	}
	if ok == len(nodes) {
		// Recorded, so that the updater's next pass has nothing to send for this change.
		if err := db.SetReported(backendContext(), info.PutTimestamp, info.DeleteTimestamp, info.ObjectCount, info.BytesUsed); err != nil {
			a.log.Warn("recording an account update", zap.String("container", r.account+"/"+r.container), zap.Error(err))
		}
	}
	return nil
}

// sendAll reports to every node at once and returns each node's status (0: no answer).
func (a *AccountReporter) sendAll(nodes []AccountNode, rep report) []int {
	statuses := make([]int, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, err := a.send(n, rep)
			statuses[i] = status
			if err != nil || status < 200 || status > 299 && status != http.StatusNotFound {
				a.log.Error("account update failed (will retry later)", zap.String("host", n.Host), zap.String("device", n.Device),
					zap.String("container", rep.account+"/"+rep.container), zap.Int("status", status), zap.Error(err))
			}
		}()
	}
	wg.Wait()
	return statuses
}

// send is one PUT /device/partition/account/container with the container's state.
func (a *AccountReporter) send(n AccountNode, rep report) (int, error) {
	info := rep.info
	h := map[string]string{
		"X-Put-Timestamp":                info.PutTimestamp.Internal(),
		"X-Delete-Timestamp":             info.DeleteTimestamp.Internal(),
		"X-Object-Count":                 strconv.FormatInt(info.ObjectCount, 10),
		"X-Bytes-Used":                   strconv.FormatInt(info.BytesUsed, 10),
		"X-Backend-Storage-Policy-Index": strconv.Itoa(info.StoragePolicyIndex),
		"X-Trans-Id":                     orDash(rep.transID),
	}
	if rep.referer != "" {
		h["Referer"] = rep.referer
	}
	if rep.overrideDeleted {
		h["X-Account-Override-Deleted"] = "yes"
	}
	return a.client.Send(http.MethodPut, n.Host, []string{n.Device, n.Partition, rep.account, rep.container}, h)
}

// Report sends a container's state to its account's nodes (the container updater's
// update) and reports whether a majority of them took it.
func (a *AccountReporter) Report(ctx context.Context, account, container string, info accountdb.ContainerInfo, nodes []AccountNode) bool {
	rep := report{account: account, container: container, info: info, overrideDeleted: true}
	ok := 0
	for _, status := range a.sendAll(nodes, rep) {
		if status >= 200 && status < 300 {
			ok++
		}
	}
	return len(nodes) > 0 && ok >= len(nodes)/2+1
}

func orDash(v string) string {
	if v == "" {
		return "-"
	}
	return v
}
