package swift

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/radosswift/radosswift/internal/config"
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

// SwiftConf is what a process takes from swift.conf, read once at start: the hash path
// secrets, the storage policies and the constraints.
type SwiftConf struct {
	Path        string
	Hash        HashConf
	Policies    StoragePolicies
	Constraints Constraints
	Listing     ListingLimits
}

// LoadSwiftConf reads swift.conf as Swift's modules do (utils.validate_hash_conf,
// storage_policy, constraints: a plain ConfigParser, latin-1 for the hash secrets).
// Every bad [swift-constraints] value is reported at once.
func LoadSwiftConf(path string) (SwiftConf, error) {
	file, err := config.LoadDialect(path, config.SwiftConf)
	if err != nil {
		return SwiftConf{}, fmt.Errorf("swift.conf: %w", err)
	}
	c := SwiftConf{Path: path}
	if c.Hash, err = hashConf(file); err != nil {
		return SwiftConf{}, err
	}
	if c.Policies, err = storagePolicies(file); err != nil {
		return SwiftConf{}, err
	}
	if c.Constraints, c.Listing, err = constraints(file); err != nil {
		return SwiftConf{}, err
	}
	return c, nil
}

// ConstraintKeys is the [swift-constraints] table (the limits this node enforces;
// Swift's other constraints are the proxy's).
func ConstraintKeys(c *Constraints, l *ListingLimits) []config.Key {
	d := DefaultConstraints
	return []config.Key{
		config.Int64("max_file_size", &c.MaxFileSize, d.MaxFileSize, "largest object body, in bytes").AtLeast(0),
		config.Int("max_meta_name_length", &c.MaxMetaNameLength, d.MaxMetaNameLength, "longest metadata name").AtLeast(0),
		config.Int("max_meta_value_length", &c.MaxMetaValueLength, d.MaxMetaValueLength, "longest metadata value").AtLeast(0),
		config.Int("max_meta_count", &c.MaxMetaCount, d.MaxMetaCount, "most metadata items on one account, container or object").AtLeast(0),
		config.Int("max_meta_overall_size", &c.MaxMetaOverallSize, d.MaxMetaOverallSize, "most bytes of metadata names and values together").AtLeast(0),
		config.Int("max_header_size", &c.MaxHeaderSize, d.MaxHeaderSize, "longest header value").AtLeast(0),
		config.Int("max_object_name_length", &c.MaxObjectNameLength, d.MaxObjectNameLength, "longest object name, in characters").AtLeast(1),
		config.Int("container_listing_limit", &l.Container, DefaultListingLimits.Container, "most objects in one container listing").AtLeast(1),
		config.Int("account_listing_limit", &l.Account, DefaultListingLimits.Account, "most containers in one account listing").AtLeast(1),
	}
}

// constraints reads [swift-constraints] as constraints.reload_constraints does
// (ConfigParser.get: the section's value or [DEFAULT]'s), with Swift's defaults.
func constraints(file *config.File) (Constraints, ListingLimits, error) {
	var c Constraints
	var l ListingLimits
	s := config.SectionOf("swift-constraints", nil)
	if file.HasSection("swift-constraints") {
		var err error
		if s, err = file.Items("swift-constraints"); err != nil {
			return c, l, err
		}
	}
	err := s.Decode(ConstraintKeys(&c, &l))
	return c, l, err
}

// storagePolicies reads the policies of swift.conf as swift.common.storage_policy
// does: no section means a single policy 0 named Policy-0; with several, exactly one
// must say default = yes (a single policy is the default whatever it says).
func storagePolicies(file *config.File) (StoragePolicies, error) {
	p := StoragePolicies{Names: map[int]string{}}
	var defaults []int
	for _, section := range file.Sections() {
		rest, ok := strings.CutPrefix(section, "storage-policy:")
		if !ok {
			continue
		}
		index, err := strconv.Atoi(rest)
		if err != nil || index < 0 {
			return StoragePolicies{}, fmt.Errorf("%s: [%s]: invalid policy index", file.Path, section)
		}
		name, _, err := file.Get(section, "name")
		if err != nil {
			return StoragePolicies{}, err
		}
		if name.Text == "" {
			name.Text = "Policy-" + rest
		}
		p.Names[index] = name.Text
		isDefault, _, err := file.Get(section, "default")
		if err != nil {
			return StoragePolicies{}, err
		}
		if config.TrueValue(isDefault.Text) {
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
		return StoragePolicies{}, fmt.Errorf("%s: no storage policy has default = yes", file.Path)
	default:
		return StoragePolicies{}, fmt.Errorf("%s: more than one storage policy has default = yes", file.Path)
	}
	return p, nil
}
