package diskfile

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"sync"
)

// Factory builds an engine from the settings of one storage policy.
type Factory func(settings map[string]string) (Engine, error)

var (
	registryMu sync.Mutex
	registry   = map[string]Factory{}
)

// Register makes an engine available by name (from the engine package's init).
func Register(name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("diskfile: engine registered twice: " + name)
	}
	registry[name] = f
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

// OpenPolicies builds the engines a server section configures. Plain keys apply to
// every policy; a key ending in _N applies to policy N only and declares it:
//
//	engine = rados
//	rados_pool = swift-data        # policy 0
//	rados_pool_1 = swift-gold      # policy 1
//
// Policy 0 always exists.
func OpenPolicies(settings map[string]string) (Policies, error) {
	base := map[string]string{}
	perPolicy := map[int]map[string]string{0: {}}
	for k, v := range settings {
		if m := policySuffix.FindStringSubmatch(k); m != nil {
			idx, _ := strconv.Atoi(m[2])
			if perPolicy[idx] == nil {
				perPolicy[idx] = map[string]string{}
			}
			perPolicy[idx][m[1]] = v
			continue
		}
		base[k] = v
	}
	indexes := make([]int, 0, len(perPolicy))
	for idx := range perPolicy {
		indexes = append(indexes, idx)
	}
	sort.Ints(indexes)
	policies := Policies{}
	for _, idx := range indexes {
		merged := map[string]string{}
		for k, v := range base {
			merged[k] = v
		}
		for k, v := range perPolicy[idx] {
			merged[k] = v
		}
		name := merged["engine"]
		if name == "" {
			name = DefaultEngine
		}
		registryMu.Lock()
		factory, ok := registry[name]
		registryMu.Unlock()
		if !ok {
			policies.Close()
			return nil, fmt.Errorf("storage policy %d: unknown engine %q", idx, name)
		}
		e, err := factory(merged)
		if err != nil {
			policies.Close()
			return nil, fmt.Errorf("storage policy %d: %w", idx, err)
		}
		policies[idx] = e
	}
	return policies, nil
}
