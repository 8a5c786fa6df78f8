package main

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/accountdb/radosdb"
	"github.com/radosswift/radosswift/accountdb/server"
	"github.com/radosswift/radosswift/accountdb/sqlitedb"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/config"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/middleware"
	"github.com/radosswift/radosswift/objectserver"
)

// readmeKeyTables are the key tables the README lists, by the name of their block.
func readmeKeyTables(t *testing.T) map[string][]config.Key {
	var base backend.BaseConfig
	var object objectserver.Config
	var container, account server.Config
	var constraints swift.Constraints
	var listing swift.ListingLimits
	tables := map[string][]config.Key{
		"base":              backend.BaseKeys(&base, 6200),
		"object-server":     objectserver.Keys(&object),
		"rados-engine":      radosengine.Keys(new(radosengine.Settings)),
		"container-server":  append(server.CommonKeys(&container), server.ContainerKeys(&container)...),
		"container-updater": server.UpdaterKeys(&container),
		"account-server":    server.CommonKeys(&account),
		"rados-db":          radosdb.Keys(new(radosdb.Settings)),
		"sqlite-db":         sqlitedb.Keys(new(sqlitedb.Settings)),
		"swift-constraints": swift.ConstraintKeys(&constraints, &listing),
	}
	for _, kind := range []string{"healthcheck", "recon", "access_log", "metrics"} {
		keys, ok := middleware.FilterKeys(kind)
		require.True(t, ok, kind)
		tables["filter-"+kind] = keys
	}
	return tables
}

func TestREADMEListsEveryComponentsKeys(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "README.md")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	readme := string(data)
	update := os.Getenv("RADOSSWIFT_UPDATE_README") != ""
	for name, keys := range readmeKeyTables(t) {
		block := regexp.MustCompile(`(?s)<!-- keys:` + regexp.QuoteMeta(name) + ` -->\n.*?<!-- /keys -->`)
		want := "<!-- keys:" + name + " -->\n" + config.Markdown(keys) + "<!-- /keys -->"
		require.True(t, block.MatchString(readme), "README has no <!-- keys:%s --> block", name)
		if update {
			readme = block.ReplaceAllLiteralString(readme, want)
			continue
		}
		require.Equal(t, want, block.FindString(readme), "README's %s keys differ from the code's table: RADOSSWIFT_UPDATE_README=1 go test -run README ./cmd/radosswift", name)
	}
	if update {
		require.NoError(t, os.WriteFile(path, []byte(readme), 0o644))
	}
}

// The sample configs in etc/ load as the servers load them, with no key ignored.
func TestSampleConfigsLoadWithEveryKeyKnown(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	etc := filepath.Join(filepath.Dir(file), "..", "..", "etc")
	object, err := objectserver.LoadConfig(filepath.Join(etc, "object-server.conf"))
	require.NoError(t, err)
	require.Empty(t, object.Unknown, "object-server.conf")
	require.Empty(t, object.Section.Shadowed, "object-server.conf")
	for _, kind := range []server.Kind{server.ContainerServer, server.AccountServer} {
		cfg, err := server.LoadConfig(filepath.Join(etc, string(kind)+".conf"), kind)
		require.NoError(t, err, kind)
		require.Empty(t, cfg.Unknown, kind)
		require.Empty(t, cfg.Section.Shadowed, kind)
	}
}
