package memengine_test

import (
	"testing"

	"github.com/radosswift/radosswift/diskfile/diskfiletest"
	"github.com/radosswift/radosswift/diskfile/memengine"
)

// The memory engine has no stripes; the suite's sizes straddle 64 KiB, the RADOS
// engine's smallest buffer, so that the same sizes are tried as on RADOS.
func TestConformance(t *testing.T) {
	diskfiletest.Suite{Engine: memengine.New(memengine.Config{}), Stripe: 64 << 10}.Run(t)
}

func TestConformanceOnAnotherPolicy(t *testing.T) {
	diskfiletest.Suite{Engine: memengine.New(memengine.Config{}), Policy: 1, Stripe: 1 << 20}.Run(t)
}
