package accountdb

import (
	"fmt"
	"sort"
	"sync"
)

// Factory builds a backend from the settings of a server's config section
// (for example db_dir for "sqlite").
type Factory func(settings map[string]string) (Backend, error)

var (
	registryMu sync.Mutex
	registry   = map[string]Factory{}
)

// DefaultBackend is the backend of a config that names none.
const DefaultBackend = "rados"

// Register makes a backend available by name (from the backend package's init).
func Register(name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("accountdb: backend registered twice: " + name)
	}
	registry[name] = f
}

// Open builds the backend registered under name ("" = DefaultBackend).
func Open(name string, settings map[string]string) (Backend, error) {
	if name == "" {
		name = DefaultBackend
	}
	registryMu.Lock()
	factory, ok := registry[name]
	registryMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("unknown account/container database backend %q (registered: %v)", name, registered())
	}
	return factory(settings)
}

func registered() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
