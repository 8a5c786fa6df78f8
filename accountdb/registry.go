package accountdb

import (
	"fmt"
	"sort"
	"sync"

	"github.com/radosswift/radosswift/internal/config"
)

// Factory builds a backend from the settings of a server's config section
// (for example db_dir for "sqlite").
type Factory func(settings map[string]string) (Backend, error)

// backendKind is a registered backend: its factory and its key table (fresh
// destinations at each call).
type backendKind struct {
	open Factory
	keys func() []config.Key
}

var (
	registryMu sync.Mutex
	registry   = map[string]backendKind{}
)

// DefaultBackend is the backend of a config that names none.
const DefaultBackend = "rados"

// Register makes a backend available by name (from the backend package's init), with
// the table of its settings, which Check validates before anything is opened.
func Register(name string, f Factory, keys func() []config.Key) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("accountdb: backend registered twice: " + name)
	}
	registry[name] = backendKind{open: f, keys: keys}
}

func lookup(name string) (backendKind, error) {
	if name == "" {
		name = DefaultBackend
	}
	registryMu.Lock()
	kind, ok := registry[name]
	registryMu.Unlock()
	if !ok {
		return backendKind{}, fmt.Errorf("unknown account/container database backend %q (registered: %v)", name, registered())
	}
	return kind, nil
}

// Keys is the key table of the backend registered under name.
func Keys(name string) ([]config.Key, error) {
	kind, err := lookup(name)
	if err != nil || kind.keys == nil {
		return nil, err
	}
	return kind.keys(), nil
}

// Check validates, without opening anything, the settings of backend name in s: every
// bad value at once.
func Check(name string, s config.Section) error {
	keys, err := Keys(name)
	if err != nil {
		return err
	}
	return s.Decode(keys)
}

// Open builds the backend registered under name ("" = DefaultBackend).
func Open(name string, settings map[string]string) (Backend, error) {
	kind, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return kind.open(settings)
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
