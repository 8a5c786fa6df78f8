package swift

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// StoragePolicies are swift.conf's [storage-policy:N] sections as the account and
// container servers need them: which indices exist, their names (account stats are
// reported per policy name) and the default for containers created without one.
type StoragePolicies struct {
	Names   map[int]string
	Default int
}

// ListingLimits are the [swift-constraints] limits on one listing request.
type ListingLimits struct {
	Container int // container_listing_limit
	Account   int // account_listing_limit
}

// DefaultListingLimits are Swift's built-in values.
var DefaultListingLimits = ListingLimits{Container: 10000, Account: 10000}

// Name returns a policy's name and whether the index is configured.
func (p StoragePolicies) Name(index int) (string, bool) {
	name, ok := p.Names[index]
	return name, ok
}

// Indices lists the configured indices in order.
func (p StoragePolicies) Indices() []int {
	out := make([]int, 0, len(p.Names))
	for i := range p.Names {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// LoadStoragePolicies reads the policies of swift.conf as swift.common.storage_policy
// does: no section means a single policy 0 named Policy-0; with several, exactly one
// must say default = yes (a single policy is the default whatever it says).
func LoadStoragePolicies(swiftConfPath string) (StoragePolicies, error) {
	data, err := os.ReadFile(swiftConfPath)
	if err != nil {
		return StoragePolicies{}, err
	}
	ini, err := parsePyIni(data, swiftConfPath)
	if err != nil {
		return StoragePolicies{}, err
	}
	p := StoragePolicies{Names: map[int]string{}}
	var defaults []int
	for section := range ini.sections {
		rest, ok := strings.CutPrefix(section, "storage-policy:")
		if !ok {
			continue
		}
		index, err := strconv.Atoi(rest)
		if err != nil || index < 0 {
			return StoragePolicies{}, fmt.Errorf("%s: [%s]: invalid policy index", swiftConfPath, section)
		}
		name, _, err := ini.get(section, "name")
		if err != nil {
			return StoragePolicies{}, err
		}
		if name == "" {
			name = "Policy-" + rest
		}
		p.Names[index] = name
		isDefault, _, err := ini.get(section, "default")
		if err != nil {
			return StoragePolicies{}, err
		}
		if TrueValue(isDefault) {
			defaults = append(defaults, index)
		}
	}
	switch {
	case len(p.Names) == 0:
		p.Names[0] = "Policy-0"
	case len(defaults) == 1:
		p.Default = defaults[0]
	case len(p.Names) == 1:
		p.Default = p.Indices()[0]
	case len(defaults) == 0:
		return StoragePolicies{}, fmt.Errorf("%s: no storage policy has default = yes", swiftConfPath)
	default:
		return StoragePolicies{}, fmt.Errorf("%s: more than one storage policy has default = yes", swiftConfPath)
	}
	return p, nil
}

// LoadListingLimits reads container_listing_limit and account_listing_limit from
// swift.conf's [swift-constraints], with Swift's defaults for what is not set.
func LoadListingLimits(swiftConfPath string) (ListingLimits, error) {
	data, err := os.ReadFile(swiftConfPath)
	if err != nil {
		return ListingLimits{}, err
	}
	ini, err := parsePyIni(data, swiftConfPath)
	if err != nil {
		return ListingLimits{}, err
	}
	limits := DefaultListingLimits
	for key, dst := range map[string]*int{"container_listing_limit": &limits.Container, "account_listing_limit": &limits.Account} {
		v, ok, err := ini.get("swift-constraints", key)
		if err != nil {
			return ListingLimits{}, err
		}
		if !ok || v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return ListingLimits{}, fmt.Errorf("%s: [swift-constraints] %s = %q: want a positive integer", swiftConfPath, key, v)
		}
		*dst = n
	}
	return limits, nil
}
