package main

import (
	"fmt"

	"github.com/radosswift/radosswift/diskfile"
	_ "github.com/radosswift/radosswift/diskfile/radosengine" // registers the "rados" engine
	"github.com/radosswift/radosswift/internal/config"
)

// openPolicies opens the engines that a server section of confPath configures.
func openPolicies(confPath, section string) (diskfile.Policies, config.Section, error) {
	file, err := config.Load(confPath)
	if err != nil {
		return nil, config.Section{}, err
	}
	if !file.HasSection(section) {
		return nil, config.Section{}, fmt.Errorf("%s has no [%s] section", confPath, section)
	}
	s := file.Section(section)
	policies, err := diskfile.OpenPolicies(s.Values)
	return policies, s, err
}
