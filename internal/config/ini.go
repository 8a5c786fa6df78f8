// Package config is the one configuration path of every radosswift process: an ini
// reader that reads files exactly as Swift does (Python's ConfigParser, through
// paste.deploy for the servers), typed values as Swift reads them, and key tables that
// each component declares once and that validate a whole file at start (see keys.go).
//
// The reader follows Python 3's configparser.ConfigParser with Swift's settings:
// "=" or ":" between key and value, keys lower-cased, values continued on indented
// lines (empty lines inside a value kept, trailing ones dropped), full-line "#" and
// ";" comments only (a "#" after a value is part of it), duplicate sections or keys in
// one file refused (strict), [DEFAULT] inherited by every section, and "%(key)s"
// interpolation. A directory is read as Swift's conf.d: its *.conf files in name order,
// later files adding to and overriding earlier ones.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Dialect is how a file is read. Swift reads the servers' files through paste.deploy
// (UTF-8, here and __file__ in [DEFAULT], NicerInterpolation) and swift.conf through a
// plain ConfigParser (latin-1, so the hash path secrets may be any bytes, and
// BasicInterpolation).
type Dialect struct {
	Latin1 bool // every byte is one latin-1 character; otherwise the file must be UTF-8
	// Basic is configparser.BasicInterpolation: "%" in any value must be "%%" or
	// "%(key)s". Otherwise Swift's NicerInterpolation: a value without "%(" is taken
	// as written (so "1%" works), one with it is interpolated as Basic.
	Basic bool
	Here  bool // [DEFAULT] has here (the file's directory, or the conf.d) and __file__, as paste.deploy sets them
}

// ServerConf is how Swift's servers read their own config files.
var ServerConf = Dialect{Here: true}

// SwiftConf is how Swift reads swift.conf (utils.validate_hash_conf, storage_policy,
// constraints).
var SwiftConf = Dialect{Latin1: true, Basic: true}

// Value is one raw setting and where it was written.
type Value struct {
	Text    string
	File    string
	Line    int
	Section string // the section it was written in ("DEFAULT" for an inherited one)
	Key     string // the key as written in the file (lower-cased), e.g. rados_pool_1
}

// File is a parsed configuration file or conf.d directory.
type File struct {
	Path     string
	dialect  Dialect
	defaults map[string]Value
	sections map[string]map[string]Value
	order    []string // sections in the order they first appeared
}

// Load reads a server config file, or a conf.d directory, as Swift's servers do.
func Load(path string) (*File, error) { return LoadDialect(path, ServerConf) }

// LoadDialect reads path (a file, or a directory of *.conf files) in dialect d.
// Every syntax error of a file is reported, each with its line.
func LoadDialect(path string, d Dialect) (*File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	here := filepath.Dir(abs)
	if info.IsDir() {
		// utils.read_conf_dir: *.conf, not hidden, in sorted order.
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		files = files[:0]
		for _, e := range entries {
			if name := e.Name(); strings.HasSuffix(name, ".conf") && !strings.HasPrefix(name, ".") {
				files = append(files, filepath.Join(path, name))
			}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: no *.conf files in the directory", path)
		}
		here = abs
	}
	f := newFile(path, d, here, abs)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := f.read(name, data); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Parse reads data as the file name (for tests, and text that is not in a file).
func Parse(name string, data []byte, d Dialect) (*File, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, err
	}
	f := newFile(name, d, filepath.Dir(abs), abs)
	if err := f.read(name, data); err != nil {
		return nil, err
	}
	return f, nil
}

func newFile(path string, d Dialect, here, abs string) *File {
	f := &File{Path: path, dialect: d, defaults: map[string]Value{}, sections: map[string]map[string]Value{}}
	if d.Here {
		f.defaults["here"] = Value{Text: here, File: path, Section: "DEFAULT", Key: "here"}
		f.defaults["__file__"] = Value{Text: abs, File: path, Section: "DEFAULT", Key: "__file__"}
	}
	return f
}

// read is RawConfigParser._read for one file: strict, full-line comments, empty lines
// in values, "=" and ":" delimiters, no valueless keys.
func (f *File) read(name string, data []byte) error {
	var text string
	if f.dialect.Latin1 {
		text = decodeLatin1(data)
	} else if !utf8.Valid(data) {
		return fmt.Errorf("%s: not valid UTF-8", name)
	} else {
		text = string(data)
	}
	type rawOption struct {
		lines []string
		line  int
	}
	var errs []string
	added := map[string]bool{} // strict: sections and "section\x00key" seen in this file
	type section struct {
		name    string
		options map[string]*rawOption
		order   []string
	}
	var sections []*section
	var cur *section
	var curOpt *rawOption
	indentLevel := 0
	for i, line := range splitLines(text) {
		lineno := i + 1
		value := pyStrip(line)
		if strings.HasPrefix(value, "#") || strings.HasPrefix(value, ";") {
			continue // a comment neither ends nor extends a value
		}
		if value == "" {
			if curOpt != nil {
				curOpt.lines = append(curOpt.lines, "")
			}
			continue
		}
		indent := 0
		for _, r := range line {
			if !pyIsSpace(r) {
				break
			}
			indent++
		}
		if cur != nil && curOpt != nil && indent > indentLevel {
			curOpt.lines = append(curOpt.lines, value)
			continue
		}
		indentLevel = indent
		if end := strings.LastIndexByte(value, ']'); value[0] == '[' && end >= 2 {
			sectname := value[1:end]
			if sectname != "DEFAULT" {
				if added[sectname] {
					return fmt.Errorf("%s:%d: section [%s] already exists", name, lineno, f.encode(sectname))
				}
				added[sectname] = true
			}
			cur = &section{name: sectname, options: map[string]*rawOption{}}
			sections = append(sections, cur)
			curOpt = nil
			continue
		}
		if cur == nil {
			return fmt.Errorf("%s:%d: file contains no section headers (a [section] must come first)", name, lineno)
		}
		delim := strings.IndexAny(value, "=:")
		key := ""
		if delim >= 0 {
			key = pyLower(pyRstrip(value[:delim]))
		}
		if key == "" {
			errs = append(errs, fmt.Sprintf("%s:%d: expected key = value, found %q", name, lineno, f.encode(line)))
			curOpt = nil
			continue
		}
		id := cur.name + "\x00" + key
		if added[id] {
			return fmt.Errorf("%s:%d: key %q in section [%s] already exists", name, lineno, f.encode(key), f.encode(cur.name))
		}
		added[id] = true
		curOpt = &rawOption{lines: []string{pyStrip(value[delim+1:])}, line: lineno}
		cur.options[key] = curOpt
		cur.order = append(cur.order, key)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	for _, s := range sections {
		target := f.defaults
		sectname := f.encode(s.name)
		if s.name != "DEFAULT" {
			if f.sections[sectname] == nil {
				f.sections[sectname] = map[string]Value{}
				f.order = append(f.order, sectname)
			}
			target = f.sections[sectname]
		}
		for _, key := range s.order {
			opt := s.options[key]
			k := f.encode(key)
			target[k] = Value{Text: f.encode(pyRstrip(strings.Join(opt.lines, "\n"))), File: name, Line: opt.line, Section: sectname, Key: k}
		}
	}
	return nil
}

// HasSection reports whether the file has the section ([DEFAULT] is not one).
func (f *File) HasSection(name string) bool { _, ok := f.sections[name]; return ok }

// Sections lists the sections in the order they first appear.
func (f *File) Sections() []string { return append([]string(nil), f.order...) }

// Get is ConfigParser.get(section, key) as readconf's parser answers it: the section's
// value or [DEFAULT]'s, interpolated; ok is false when neither has the key or the section is missing.
func (f *File) Get(section, key string) (v Value, ok bool, err error) {
	vars, found := f.vars(section, false)
	if !found {
		return Value{}, false, nil
	}
	v, ok = vars[key]
	if !ok {
		return Value{}, false, nil
	}
	v.Text, err = f.interpolate(section, key, v.Text, vars)
	return v, err == nil, err
}

// Items is what swift.common.utils.readconf gives a daemon for a section:
// [DEFAULT]'s keys and the section's, the section's winning, interpolated.
func (f *File) Items(section string) (Section, error) {
	vars, found := f.vars(section, false)
	if !found {
		return Section{}, fmt.Errorf("%s: no [%s] section", f.Path, section)
	}
	s := newSection(section, f.Path)
	var errs []string
	for key, v := range vars {
		text, err := f.interpolate(section, key, v.Text, vars)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		v.Text = text
		s.set(key, v)
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return s, errors.New(strings.Join(errs, "\n"))
	}
	return s, nil
}

// App is what paste.deploy (loadwsgi.ConfigLoader.get_context) hands the app or filter
// of a section: [DEFAULT]'s keys, overridden by "set key = value" lines of
// [pipeline:main] and of the section, then the section's other keys. A plain key of the
// section that [DEFAULT] also has is ignored, as paste.deploy ignores it (only "set"
// overrides [DEFAULT]); Section.Shadowed lists them so that a server can warn.
// "get key = other" takes key from the global value of other.
func (f *File) App(section string) (Section, error) {
	if !f.HasSection(section) {
		return Section{}, fmt.Errorf("%s: no [%s] section", f.Path, section)
	}
	var errs []string
	get := func(sect, key string, v Value) Value {
		vars, _ := f.vars(sect, true)
		text, err := f.interpolate(sect, key, v.Text, vars)
		if err != nil {
			errs = append(errs, err.Error())
		}
		v.Text = text
		return v
	}
	global := map[string]Value{}
	for key, v := range f.defaults {
		global[key] = get("DEFAULT", key, v)
	}
	applySets := func(sect string) {
		for key, v := range f.sections[sect] {
			if name, ok := strings.CutPrefix(key, "set "); ok {
				v = get(sect, key, v)
				v.Key = strings.TrimSpace(name)
				global[v.Key] = v
			}
		}
	}
	if section != "pipeline:main" && f.HasSection("pipeline:main") {
		applySets("pipeline:main") // a pipeline's global additions reach its filters and app
	}
	applySets(section)
	s := newSection(section, f.Path)
	for k, v := range global {
		s.set(k, v)
	}
	for key, v := range f.sections[section] {
		switch {
		case strings.HasPrefix(key, "set "):
		case strings.HasPrefix(key, "get "):
			from := get(section, key, v).Text
			src, ok := global[from]
			if !ok {
				errs = append(errs, fmt.Sprintf("%s:%d: [%s] %s = %s: no such global key", v.File, v.Line, section, key, from))
				continue
			}
			src.Key = strings.TrimSpace(key[4:])
			s.set(src.Key, src)
		default:
			if _, inDefault := f.defaults[key]; inDefault {
				s.Shadowed = append(s.Shadowed, v)
				continue
			}
			s.set(key, get(section, key, v))
		}
	}
	sort.Slice(s.Shadowed, func(i, j int) bool { return s.Shadowed[i].Line < s.Shadowed[j].Line })
	if len(errs) > 0 {
		sort.Strings(errs)
		return s, errors.New(strings.Join(errs, "\n"))
	}
	return s, nil
}

// isBuiltin tells the here and __file__ that Dialect.Here adds from the file's own.
func isBuiltin(v Value) bool { return v.Line == 0 && (v.Key == "here" || v.Key == "__file__") }

// vars is the interpolation map of a section: its raw values over [DEFAULT]'s.
// here and __file__ are paste.deploy's only (readconf has neither) unless paste is set.
func (f *File) vars(section string, paste bool) (map[string]Value, bool) {
	sect, found := f.sections[section]
	if !found && section != "DEFAULT" {
		return nil, false
	}
	vars := make(map[string]Value, len(f.defaults)+len(sect))
	for k, v := range f.defaults {
		if paste || !isBuiltin(v) {
			vars[k] = v
		}
	}
	for k, v := range sect {
		vars[k] = v
	}
	return vars, true
}

const maxInterpolationDepth = 10 // configparser.MAX_INTERPOLATION_DEPTH

// interpolate is BasicInterpolation.before_get (or Swift's NicerInterpolation, which
// leaves a value without "%(" as it is).
func (f *File) interpolate(section, key, raw string, vars map[string]Value) (string, error) {
	if !f.dialect.Basic && !strings.Contains(raw, "%(") {
		return raw, nil
	}
	var out strings.Builder
	if err := f.interpolateSome(&out, section, key, raw, vars, 1); err != nil {
		v := vars[key]
		return "", fmt.Errorf("%s:%d: [%s] %s: %w", v.File, v.Line, section, key, err)
	}
	return out.String(), nil
}

func (f *File) interpolateSome(out *strings.Builder, section, key, rest string, vars map[string]Value, depth int) error {
	if depth > maxInterpolationDepth {
		return errors.New("interpolation too deeply recursive (a loop of %(key)s references?)")
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
				return fmt.Errorf("bad interpolation variable reference %q", rest)
			}
			name := pyLower(rest[2:end])
			v, found := vars[name]
			if !found {
				return fmt.Errorf("no key %q to interpolate (in this section or [DEFAULT])", name)
			}
			rest = rest[end+2:]
			if strings.Contains(v.Text, "%") {
				if err := f.interpolateSome(out, section, key, v.Text, vars, depth+1); err != nil {
					return err
				}
			} else {
				out.WriteString(v.Text)
			}
		default:
			return fmt.Errorf("'%%' must be followed by '%%' or '(', found: %q (write %%%% for a literal %%)", rest)
		}
	}
	return nil
}

// encode turns text back into the file's bytes: latin-1 characters are bytes.
func (f *File) encode(s string) string {
	if !f.dialect.Latin1 {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

func decodeLatin1(data []byte) string {
	var b strings.Builder
	b.Grow(len(data))
	for _, c := range data {
		b.WriteRune(rune(c))
	}
	return b.String()
}

// splitLines splits like Python's text files with universal newlines: "\n", "\r\n" and
// "\r" all end a line (and nothing else does).
func splitLines(s string) []string {
	var lines []string
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

// pyIsSpace is Python's str.isspace for one character: Go's Unicode white space plus
// the four information separators Python counts.
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

func pyStrip(s string) string  { return strings.TrimFunc(s, pyIsSpace) }
func pyRstrip(s string) string { return strings.TrimRightFunc(s, pyIsSpace) }

// pyLower is ConfigParser.optionxform (str.lower).
func pyLower(s string) string { return strings.ToLower(s) }
