package diskfile

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"sync"

	"github.com/radosswift/radosswift/internal/config"
)

// Factory builds an engine from the settings of one storage policy.
type Factory func(settings map[string]string) (Engine, error)

// engineKind is a registered engine: its factory and its key table (fresh
// destinations at each call; nil for an engine without settings).
type engineKind struct {
	open Factory
	keys func() []config.Key
}

var (
	registryMu sync.Mutex
	registry   = map[string]engineKind{}
)

// Register makes an engine available by name (from the engine package's init), with
// the table of its settings, which CheckPolicies validates before anything is opened.
func Register(name string, f Factory, keys func() []config.Key) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("diskfile: engine registered twice: " + name)
	}
	registry[name] = engineKind{open: f, keys: keys}
}

func lookup(name string) (engineKind, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	kind, ok := registry[name]
	return kind, ok
}

// EngineKeys is the key table of a registered engine (for the README and tests).
func EngineKeys(name string) ([]config.Key, bool) {
	kind, ok := lookup(name)
	if !ok || kind.keys == nil {
		return nil, ok
	}
	return kind.keys(), true
}

// DefaultEngine is the engine of a policy whose config names none.
const DefaultEngine = "rados"

// Policies maps storage policy indexes to their engines.
type Policies map[int]Engine

// Engine returns the engine of a policy; an unknown index is the caller's error
// (Swift answers 503 for a policy this node does not serve).
func (p Policies) Engine(policy int) (Engine, error) {
	e, ok := p[policy]
	if !ok {
		return nil, fmt.Errorf("storage policy %d is not configured on this node", policy)
	}
	return e, nil
}

// Close closes every engine.
func (p Policies) Close() {
	for _, e := range p {
		e.Close()
	}
}

var policySuffix = regexp.MustCompile(`^(.+)_([0-9]+)$`)

// IsPolicyKey reports whether key belongs to the policies' engines' settings as a
// per-policy key (rados_pool_1) or engine, the key naming an engine.
func IsPolicyKey(key string) bool {
	if key == "engine" {
		return true
	}
	m := policySuffix.FindStringSubmatch(key)
	return m != nil && (m[1] == "engine" || isEngineKey(m[1]))
}

func isEngineKey(key string) bool {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, kind := range registry {
		if kind.keys == nil {
			continue
		}
		for _, k := range kind.keys() {
			if k.Name == key {
				return true
			}
		}
	}
	return false
}

// policySections splits a server section into one section per policy. Plain keys
// apply to every policy; a key ending in _N applies to policy N only and declares it:
//
//	engine = rados
//	rados_pool = swift-data        # policy 0
//	rados_pool_1 = swift-gold      # policy 1
//
// Policy 0 always exists. Each value keeps its origin (rados_pool_1, line 12).
func policySections(s config.Section) (indexes []int, sections map[int]config.Section) {
	base := map[string]string{}
	perPolicy := map[int]map[string]string{0: {}}
	for k := range s.Values {
		if m := policySuffix.FindStringSubmatch(k); m != nil {
			idx, err := strconv.Atoi(m[2])
			if err == nil {
				if perPolicy[idx] == nil {
					perPolicy[idx] = map[string]string{}
				}
				perPolicy[idx][m[1]] = k
				continue
			}
		}
		base[k] = k
	}
	sections = map[int]config.Section{}
	for idx, own := range perPolicy {
		from := map[string]string{}
		for k, src := range base {
			from[k] = src
		}
		for k, src := range own {
			from[k] = src
		}
		sections[idx] = s.Derive(s.Name, from)
		indexes = append(indexes, idx)
	}
	sort.Ints(indexes)
	return indexes, sections
}

// CheckPolicies validates, without opening anything, the engine settings of every
// policy a server section configures: each policy's engine exists and every key of its
// table is good. All problems come back in one error.
func CheckPolicies(s config.Section) error {
	var errs config.Errors
	indexes, sections := policySections(s)
	for _, idx := range indexes {
		ps := sections[idx]
		name := ps.String("engine", DefaultEngine)
		kind, ok := lookup(name)
		if !ok {
			errs.Add(fmt.Errorf("storage policy %d: unknown engine %q", idx, name))
			continue
		}
		if kind.keys != nil {
			errs.Add(ps.Decode(kind.keys()))
		}
	}
	return errs.Err()
}

// OpenPolicies builds the engines a server section configures (see policySections).
func OpenPolicies(s config.Section) (Policies, error) {
	indexes, sections := policySections(s)
	policies := Policies{}
	for _, idx := range indexes {
		ps := sections[idx]
		name := ps.String("engine", DefaultEngine)
		kind, ok := lookup(name)
		if !ok {
			policies.Close()
			return nil, fmt.Errorf("storage policy %d: unknown engine %q", idx, name)
		}
		e, err := kind.open(ps.Values)
		if err != nil {
			policies.Close()
			return nil, fmt.Errorf("storage policy %d: %w", idx, err)
		}
		policies[idx] = e
	}
	return policies, nil
}
