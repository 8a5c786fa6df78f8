package radosengine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile/diskfiletest"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/testbed"
)

// newEngine opens an engine on the test bed's pool in a namespace of its own, so that
// object counts in a test see only that test's objects.
func newEngine(t testing.TB, tune func(*radosengine.Config)) *radosengine.Engine {
	t.Helper()
	bed := testbed.Require(t)
	cfg := radosengine.DefaultConfig(bed.Pool)
	cfg.Namespace = fmt.Sprintf("test-%d", time.Now().UnixNano())
	if tune != nil {
		tune(&cfg)
	}
	e, err := radosengine.New(bed.Connect(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	return e
}

func TestConformanceWithSmallStripes(t *testing.T) {
	e := newEngine(t, func(c *radosengine.Config) { c.StripeSize = 256 << 10 })
	diskfiletest.Suite{Engine: e, Stripe: 256 << 10}.Run(t)
}

func TestConformanceWithDefaultStripes(t *testing.T) {
	e := newEngine(t, nil)
	diskfiletest.Suite{Engine: e, Stripe: radosengine.DefaultStripeSize}.Run(t)
}
