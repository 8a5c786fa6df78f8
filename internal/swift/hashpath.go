package swift

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"strings"
)

// HashConf is swift.conf's [swift-hash] section: the secret prefix and suffix that
// swift.common.utils.hash_path wraps around every account/container/object path. The
// strings hold the raw bytes of the file (Swift reads it as latin-1 and encodes back).
type HashConf struct {
	Prefix, Suffix string
}

// DefaultSwiftConf is where Swift looks for swift.conf (utils.SWIFT_CONF_FILE).
const DefaultSwiftConf = "/etc/swift/swift.conf"

// LoadHashConf reads swift_hash_path_prefix and swift_hash_path_suffix from the
// [swift-hash] section of swiftConfPath the way utils.validate_hash_conf does (Python's
// ConfigParser: keys are case-insensitive, [DEFAULT] is inherited, "%%" stands for "%",
// "%(key)s" is interpolated, indented lines continue a value). Like Swift it refuses a
// file where both are missing or empty.
func LoadHashConf(swiftConfPath string) (HashConf, error) {
	data, err := os.ReadFile(swiftConfPath)
	if err != nil {
		return HashConf{}, err
	}
	return parseHashConf(data, swiftConfPath)
}

func parseHashConf(data []byte, name string) (HashConf, error) {
	ini, err := parsePyIni(data, name)
	if err != nil {
		return HashConf{}, err
	}
	var h HashConf
	if h.Suffix, _, err = ini.get("swift-hash", "swift_hash_path_suffix"); err != nil {
		return HashConf{}, err
	}
	if h.Prefix, _, err = ini.get("swift-hash", "swift_hash_path_prefix"); err != nil {
		return HashConf{}, err
	}
	if h.Prefix == "" && h.Suffix == "" {
		return HashConf{}, fmt.Errorf("[swift-hash]: both swift_hash_path_suffix and swift_hash_path_prefix are missing from %s", name)
	}
	return h, nil
}

// HashPathDigest is hash_path(account, container, object, raw_digest=True): the md5 of
// prefix + "/" + account[/container[/object]] + suffix. An empty container or object is
// left out, as Swift does for None or "". An object without a container is a caller's
// bug (Swift raises ValueError) and panics.
func (h HashConf) HashPathDigest(account, container, object string) [md5.Size]byte {
	if object != "" && container == "" {
		panic("swift: hash_path: container is required if object is provided")
	}
	m := md5.New()
	m.Write([]byte(h.Prefix))
	m.Write([]byte{'/'})
	m.Write([]byte(account))
	if container != "" {
		m.Write([]byte{'/'})
		m.Write([]byte(container))
	}
	if object != "" {
		m.Write([]byte{'/'})
		m.Write([]byte(object))
	}
	m.Write([]byte(h.Suffix))
	var d [md5.Size]byte
	m.Sum(d[:0])
	return d
}

// HashPath is hash_path(account, container, object): the hex form of HashPathDigest,
// the name of an object's or database's hash directory.
func (h HashConf) HashPath(account, container, object string) string {
	d := h.HashPathDigest(account, container, object)
	return hex.EncodeToString(d[:])
}

// ExpirerContainer is utils.get_expirer_container: the .expiring_objects container that
// holds the expiry task for a/c/o deleted at deleteAt, given the object servers'
// expiring_objects_container_divisor (86400 by default). The 128-bit hash_path, taken
// as a number modulo 100, spreads tasks over 100 containers per divisor period. A zero
// divisor panics, as Python raises ZeroDivisionError.
func ExpirerContainer(deleteAt int64, divisor int64, h HashConf, account, container, object string) string {
	d := h.HashPathDigest(account, container, object)
	shard := 0
	for _, b := range d {
		shard = (shard*256 + int(b)) % 100
	}
	if divisor == 0 {
		panic("swift: get_expirer_container: divisor is zero")
	}
	// Python's int(x_delete_at) // divisor * divisor - shard, with unbounded integers.
	x, div := big.NewInt(deleteAt), big.NewInt(divisor)
	q, r := new(big.Int).QuoRem(x, div, new(big.Int))
	if r.Sign() != 0 && r.Sign() != div.Sign() {
		q.Sub(q, big.NewInt(1)) // floor, not truncation
	}
	q.Mul(q, div)
	q.Sub(q, big.NewInt(int64(shard)))
	switch {
	case q.Sign() < 0:
		return NormalizeDeleteAt(0)
	case !q.IsInt64():
		return NormalizeDeleteAt(maxDeleteAt)
	}
	return NormalizeDeleteAt(q.Int64())
}

const maxDeleteAt = 9999999999

// NormalizeDeleteAt is normalize_delete_at_timestamp for whole seconds: the ten-digit,
// zero-padded form, with values below zero raised to 0000000000 and values past
// 9999999999 capped there.
func NormalizeDeleteAt(v int64) string {
	v = max(0, min(v, maxDeleteAt))
	return fmt.Sprintf("%010d", v)
}

// pyIni is the subset of Python 3's configparser.ConfigParser (defaults: "=" and ":"
// delimiters, "#"/";" full-line comments only, strict, empty lines kept in values,
// lower-cased option names, BasicInterpolation) needed to read swift.conf exactly as
// validate_hash_conf does. The file's bytes are handled as latin-1 characters.
type pyIni struct {
	name     string
	defaults map[string]string
	sections map[string]map[string]string
}

func parsePyIni(data []byte, name string) (*pyIni, error) {
	ini := &pyIni{name: name, defaults: map[string]string{}, sections: map[string]map[string]string{}}
	raw := map[string]map[string][]string{} // section → option → value lines
	rawDefaults := map[string][]string{}
	added := map[string]bool{} // strict mode: sections and "section\x00option" seen in this file
	var cursect map[string][]string
	sectname, optname := "", ""
	indentLevel := 0
	for i, line := range pyIniLines(data) {
		lineno := i + 1
		value := pyStrip(line)
		if strings.HasPrefix(value, "#") || strings.HasPrefix(value, ";") {
			continue // a comment line neither ends nor extends a value
		}
		if value == "" {
			if cursect != nil && optname != "" {
				cursect[optname] = append(cursect[optname], "")
			}
			continue
		}
		curIndent := 0
		for curIndent < len(line) && pyIsSpace(line[curIndent]) {
			curIndent++
		}
		if cursect != nil && optname != "" && curIndent > indentLevel {
			cursect[optname] = append(cursect[optname], value)
			continue
		}
		indentLevel = curIndent
		if end := strings.LastIndexByte(value, ']'); value[0] == '[' && end >= 2 {
			sectname = value[1:end]
			switch {
			case raw[sectname] != nil:
				if added[sectname] {
					return nil, fmt.Errorf("%s:%d: section %q already exists", name, lineno, sectname)
				}
				cursect = raw[sectname]
			case sectname == "DEFAULT":
				cursect = rawDefaults
			default:
				cursect = map[string][]string{}
				raw[sectname] = cursect
			}
			if sectname != "DEFAULT" {
				added[sectname] = true
			}
			optname = ""
			continue
		}
		if cursect == nil {
			return nil, fmt.Errorf("%s:%d: file contains no section headers", name, lineno)
		}
		delim := strings.IndexAny(value, "=:")
		if delim < 0 {
			return nil, fmt.Errorf("%s:%d: source contains parsing errors: %q", name, lineno, line)
		}
		opt := pyRstrip(value[:delim])
		if opt == "" {
			return nil, fmt.Errorf("%s:%d: source contains parsing errors: %q", name, lineno, line)
		}
		optname = pyLower(opt)
		key := sectname + "\x00" + optname
		if added[key] {
			return nil, fmt.Errorf("%s:%d: option %q in section %q already exists", name, lineno, optname, sectname)
		}
		added[key] = true
		cursect[optname] = []string{pyStrip(value[delim+1:])}
	}
	join := func(lines []string) string { return pyRstrip(strings.Join(lines, "\n")) }
	for k, v := range rawDefaults {
		ini.defaults[k] = join(v)
	}
	for s, opts := range raw {
		ini.sections[s] = map[string]string{}
		for k, v := range opts {
			ini.sections[s][k] = join(v)
		}
	}
	return ini, nil
}

// get is ConfigParser.get(section, option) with interpolation; a missing section or
// option gives ok false (Swift catches NoSectionError and NoOptionError).
func (ini *pyIni) get(section, option string) (value string, ok bool, err error) {
	sect, found := ini.sections[section]
	if !found && section != "DEFAULT" {
		return "", false, nil
	}
	vars := map[string]string{}
	for k, v := range ini.defaults {
		vars[k] = v
	}
	for k, v := range sect {
		vars[k] = v
	}
	option = pyLower(option)
	rawValue, found := vars[option]
	if !found {
		return "", false, nil
	}
	var out strings.Builder
	if err := ini.interpolate(&out, section, option, rawValue, vars, 1); err != nil {
		return "", false, err
	}
	return out.String(), true, nil
}

// interpolate is BasicInterpolation._interpolate_some.
func (ini *pyIni) interpolate(out *strings.Builder, section, option, rest string, vars map[string]string, depth int) error {
	if depth > 10 {
		return fmt.Errorf("%s: [%s] %s: interpolation too deeply recursive", ini.name, section, option)
	}
	for rest != "" {
		p := strings.IndexByte(rest, '%')
		if p < 0 {
			out.WriteString(rest)
			return nil
		}
		out.WriteString(rest[:p])
		rest = rest[p:]
		switch {
		case strings.HasPrefix(rest, "%%"):
			out.WriteByte('%')
			rest = rest[2:]
		case strings.HasPrefix(rest, "%("):
			end := strings.IndexByte(rest, ')')
			if end < 3 || end+1 >= len(rest) || rest[end+1] != 's' {
				return fmt.Errorf("%s: [%s] %s: bad interpolation variable reference %q", ini.name, section, option, rest)
			}
			v, found := vars[pyLower(rest[2:end])]
			if !found {
				return fmt.Errorf("%s: [%s] %s: no option %q to interpolate", ini.name, section, option, rest[2:end])
			}
			rest = rest[end+2:]
			if strings.Contains(v, "%") {
				if err := ini.interpolate(out, section, option, v, vars, depth+1); err != nil {
					return err
				}
			} else {
				out.WriteString(v)
			}
		default:
			return fmt.Errorf("%s: [%s] %s: '%%' must be followed by '%%' or '(', found: %q", ini.name, section, option, rest)
		}
	}
	return nil
}

// pyIniLines splits like Python's text files with universal newlines: "\n", "\r\n" and
// "\r" all end a line. The line endings are dropped (they are whitespace to every use).
func pyIniLines(data []byte) []string {
	var lines []string
	s := string(data)
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// pyIsSpace is str.isspace for a latin-1 character.
func pyIsSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0:
		return true
	}
	return false
}

func pyStrip(s string) string {
	for s != "" && pyIsSpace(s[0]) {
		s = s[1:]
	}
	return pyRstrip(s)
}

func pyRstrip(s string) string {
	for s != "" && pyIsSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// pyLower is str.lower for latin-1 text (ConfigParser.optionxform).
func pyLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' || c >= 0xc0 && c <= 0xde && c != 0xd7 {
			b[i] = c + 0x20
		}
	}
	return string(b)
}
