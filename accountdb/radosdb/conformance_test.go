package radosdb_test

import (
	"testing"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/accountdb/dbtest"
	"github.com/radosswift/radosswift/accountdb/radosdb"
)

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shards int
	}{
		{"default shards", radosdb.DefaultShards},
		{"3 shards", 3}, // an odd count, and more rows per shard
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Run(t, func(t *testing.T) accountdb.Backend { return openBackend(t, tc.shards) })
		})
	}
}
