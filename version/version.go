// Package version names the build of radosswift, for `radosswift version`, logs and recon.
package version

import "runtime"

// Version is set at link time by the Makefile (-ldflags "-X ...version.Version=...").
var Version = "dev"

// String is the one-line description printed by `radosswift version`.
func String() string {
	return "radosswift " + Version + " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}
