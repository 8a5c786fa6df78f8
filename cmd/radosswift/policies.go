package main

import (
	"github.com/radosswift/radosswift/diskfile"
	_ "github.com/radosswift/radosswift/diskfile/radosengine" // registers the "rados" engine
	"github.com/radosswift/radosswift/objectserver"
)

// openPolicies opens the engines that an object server config configures, after the
// whole config has been validated (the tools check what the server would).
func openPolicies(confPath string) (diskfile.Policies, objectserver.Config, error) {
	cfg, err := objectserver.LoadConfig(confPath)
	if err != nil {
		return nil, cfg, err
	}
	policies, err := diskfile.OpenPolicies(cfg.Section)
	return policies, cfg, err
}
