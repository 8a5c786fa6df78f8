package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/radosswift/radosswift/radosconn"
)

func runProbe(args []string) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	conf := fs.String("ceph-conf", envOr("RADOSSWIFT_CEPH_CONF", "/etc/ceph/ceph.conf"), "ceph.conf of the cluster")
	user := fs.String("user", envOr("RADOSSWIFT_RADOS_USER", "radosswift"), "cephx user (without client.)")
	pool := fs.String("pool", envOr("RADOSSWIFT_POOL", "radosswift"), "pool to probe")
	timeout := fs.Duration("timeout", radosconn.DefaultOpTimeout, "librados op and mon timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cluster, err := radosconn.Connect(radosconn.Config{CephConf: *conf, User: *user, OpTimeout: *timeout, MonTimeout: *timeout})
	if err != nil {
		return err
	}
	defer cluster.Shutdown()
	ioctx, err := cluster.OpenPool(*pool)
	if err != nil {
		return err
	}
	defer ioctx.Destroy()
	res, err := radosconn.Probe(ioctx)
	if err != nil {
		return err
	}
	fmt.Printf("probe ok: client.%s on pool %s: write op %s, read op %s, remove %s\n",
		*user, *pool, ms(res.Write), ms(res.Read), ms(res.Remove))
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
