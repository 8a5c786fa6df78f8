package config

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Section is one section's settings as a component sees them (see File.App and
// File.Items): plain values, and where each was written, for error messages.
type Section struct {
	Name     string
	File     string
	Values   map[string]string
	origin   map[string]Value
	Shadowed []Value // plain keys of the section ignored because [DEFAULT] has them (File.App)
}

func newSection(name, file string) Section {
	return Section{Name: name, File: file, Values: map[string]string{}, origin: map[string]Value{}}
}

func (s *Section) set(key string, v Value) {
	s.Values[key] = v.Text
	s.origin[key] = v
}

// SectionOf is a section of plain values, for settings made in code and for tests.
func SectionOf(name string, values map[string]string) Section {
	s := newSection(name, "")
	for k, v := range values {
		s.set(k, Value{Text: v, Section: name, Key: k})
	}
	return s
}

// String returns the value, or fallback when it is unset or empty.
func (s Section) String(key, fallback string) string {
	if v := s.Values[key]; v != "" {
		return v
	}
	return fallback
}

// Origin is where a key's value was written.
func (s Section) Origin(key string) (Value, bool) {
	v, ok := s.origin[key]
	if !ok {
		if text, set := s.Values[key]; set { // a Values entry added by hand
			return Value{Text: text, File: s.File, Section: s.Name, Key: key}, true
		}
	}
	return v, ok
}

// Derive is a section of the given keys, each taking its value and origin from the key
// of s that from names (from[key] = key in s); Values added to s by hand are kept too.
// diskfile uses it to give each policy rados_pool from rados_pool_N.
func (s Section) Derive(name string, from map[string]string) Section {
	d := newSection(name, s.File)
	for key, src := range from {
		if v, ok := s.Origin(src); ok {
			d.set(key, v)
		}
	}
	return d
}

// Key is one entry of a component's table: a setting's name, type, default and a
// one-line doc, bound to the field it is decoded into.
type Key struct {
	Name     string
	Type     string // bool, int, seconds, bytes, string, list
	Default  string // as it would be written in a file ("" for none)
	Doc      string
	min      float64
	max      float64
	required bool
	reset    func()                         // stores the default
	parse    func(k Key, text string) error // stores a value from the file
}

func numeric(name, typ string, def float64, defText, doc string, reset func(), store func(n float64)) Key {
	k := Key{Name: name, Type: typ, Default: defText, Doc: doc, min: math.Inf(-1), max: math.Inf(1), reset: reset}
	if typ == "seconds" || typ == "bytes" {
		k.min = 0
	}
	k.parse = func(k Key, text string) error {
		var n float64
		switch typ {
		case "seconds":
			d, err := ParseSeconds(text)
			if err != nil {
				return errors.New(k.want())
			}
			n = d.Seconds()
		default:
			i, err := ParseInt(text)
			if err != nil {
				return errors.New(k.want())
			}
			n = float64(i)
		}
		if n < k.min || n > k.max {
			return errors.New(k.want())
		}
		store(n)
		return nil
	}
	return k
}

// Int declares an integer setting.
func Int(name string, dst *int, def int, doc string) Key {
	return numeric(name, "int", float64(def), strconv.Itoa(def), doc, func() { *dst = def }, func(n float64) { *dst = int(n) })
}

// Int64 declares an integer setting kept as int64.
func Int64(name string, dst *int64, def int64, doc string) Key {
	return numeric(name, "int", float64(def), strconv.FormatInt(def, 10), doc, func() { *dst = def }, func(n float64) { *dst = int64(n) })
}

// Bytes declares a size in bytes (an integer, 0 or more).
func Bytes(name string, dst *int64, def int64, doc string) Key {
	return numeric(name, "bytes", float64(def), strconv.FormatInt(def, 10), doc, func() { *dst = def }, func(n float64) { *dst = int64(n) })
}

// Seconds declares a duration written in seconds (fractions allowed, 0 or more).
func Seconds(name string, dst *time.Duration, def time.Duration, doc string) Key {
	k := numeric(name, "seconds", def.Seconds(), strconv.FormatFloat(def.Seconds(), 'f', -1, 64), doc, func() { *dst = def }, func(float64) {})
	parse := k.parse
	k.parse = func(k Key, text string) error {
		if err := parse(k, text); err != nil {
			return err
		}
		*dst, _ = ParseSeconds(text) // exact, not through a float of seconds
		return nil
	}
	return k
}

// AtLeast bounds a numeric setting from below.
func (k Key) AtLeast(min float64) Key { k.min = min; return k }

// Between bounds a numeric setting on both sides.
func (k Key) Between(min, max float64) Key { k.min, k.max = min, max; return k }

// Required makes an unset or empty value an error.
func (k Key) Required() Key { k.required = true; return k }

// Positive refuses 0 (and anything below) for a numeric setting.
func (k Key) Positive() Key { k.min = math.SmallestNonzeroFloat64; return k }

func (k Key) want() string {
	what := map[string]string{"int": "an integer", "seconds": "a number of seconds", "bytes": "a number of bytes"}[k.Type]
	if b := k.bounds(); b != "" {
		return what + ", " + b
	}
	return what
}

// bounds is the range of a numeric key in words ("" when unbounded).
func (k Key) bounds() string {
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	switch {
	case k.min == math.SmallestNonzeroFloat64:
		return "more than 0"
	case !math.IsInf(k.min, -1) && !math.IsInf(k.max, 1):
		return "from " + num(k.min) + " to " + num(k.max)
	case !math.IsInf(k.min, -1) && k.min != 0:
		return num(k.min) + " or more"
	case k.min == 0:
		return "0 or more"
	}
	return ""
}

// Bool declares a boolean setting: Swift's true and false values (see ParseBool).
func Bool(name string, dst *bool, def bool, doc string) Key {
	return Key{Name: name, Type: "bool", Default: strconv.FormatBool(def), Doc: doc,
		reset: func() { *dst = def },
		parse: func(_ Key, text string) error {
			b, err := ParseBool(text)
			if err == nil {
				*dst = b
			}
			return err
		}}
}

// String declares a text setting.
func String(name string, dst *string, def string, doc string) Key {
	return Key{Name: name, Type: "string", Default: def, Doc: doc,
		reset: func() { *dst = def },
		parse: func(_ Key, text string) error { *dst = text; return nil }}
}

// List declares a comma-separated list (Swift's list_from_csv).
func List(name string, dst *[]string, def string, doc string) Key {
	return Key{Name: name, Type: "list", Default: def, Doc: doc,
		reset: func() { *dst = ParseList(def) },
		parse: func(_ Key, text string) error { *dst = ParseList(text); return nil }}
}

// OneOf restricts a string setting to some values, in any case (as Swift upper-cases
// log levels); the value stored is the one listed.
func (k Key) OneOf(values ...string) Key {
	parse := k.parse
	k.parse = func(k Key, text string) error {
		for _, v := range values {
			if strings.EqualFold(text, v) {
				return parse(k, v)
			}
		}
		return fmt.Errorf("want one of %s", strings.Join(values, ", "))
	}
	return k
}

// Decode stores every key of the table from s, the default where the key is unset or
// empty, and returns every bad value at once (an Errors), each naming its file, line,
// section, key and value and what was wanted.
func (s Section) Decode(keys ...[]Key) error {
	var errs Errors
	for _, table := range keys {
		for _, k := range table {
			k.reset()
			v, ok := s.Origin(k.Name)
			if !ok || v.Text == "" {
				if k.required {
					errs.Add(&BadValue{Value: Value{File: s.File, Section: s.Name, Key: k.Name}, In: s.Name, Want: "a value (the key is required)"})
				}
				continue
			}
			if err := k.parse(k, v.Text); err != nil {
				errs = append(errs, &BadValue{Value: v, In: s.Name, Want: strings.TrimPrefix(err.Error(), "want ")})
			}
		}
	}
	return errs.Err()
}

// Unknown lists the keys of s that no table declares and that known does not claim,
// sorted. Swift ignores unknown keys; a server logs them.
func (s Section) Unknown(known func(key string) bool, tables ...[]Key) []string {
	declared := map[string]bool{"here": true, "__file__": true, "use": true}
	for _, t := range tables {
		for _, k := range t {
			declared[k.Name] = true
		}
	}
	var out []string
	for key := range s.Values {
		if !declared[key] && (known == nil || !known(key)) {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// BadValue is a setting that its table refuses.
type BadValue struct {
	Value
	In   string // the section being loaded (the value may come from [DEFAULT])
	Want string
}

func (b *BadValue) Error() string {
	where := ""
	if b.File != "" {
		where = b.File
		if b.Line > 0 {
			where += ":" + strconv.Itoa(b.Line)
		}
		where += ": "
	}
	section := "[" + b.Section + "]"
	if b.In != "" && b.In != b.Section {
		section += " (read by [" + b.In + "])"
	}
	return fmt.Sprintf("%s%s %s = %q: want %s", where, section, b.Key, b.Text, b.Want)
}

// Errors collects every problem of a config, to be reported together.
type Errors []error

// Add appends err (nothing for nil; the members of another Errors; nothing already
// reported, as a [DEFAULT] value that several tables read).
func (e *Errors) Add(err error) {
	many, isErrors := err.(Errors)
	switch {
	case err == nil:
	case isErrors:
		for _, one := range many {
			e.Add(one)
		}
	default:
		for _, seen := range *e {
			if seen.Error() == err.Error() {
				return
			}
		}
		*e = append(*e, err)
	}
}

// Err is nil when there is nothing to report.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

func (e Errors) Error() string {
	if len(e) == 1 {
		return e[0].Error()
	}
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = "  " + err.Error()
	}
	return fmt.Sprintf("%d config errors:\n%s", len(e), strings.Join(lines, "\n"))
}

// Unwrap lets errors.Is and errors.As see every member.
func (e Errors) Unwrap() []error { return e }

// Markdown is a table's rows as the README lists them: key, type, default, meaning.
func Markdown(keys []Key) string {
	var b strings.Builder
	b.WriteString("| key | type | default | meaning |\n|---|---|---|---|\n")
	for _, k := range keys {
		def := "`" + k.Default + "`"
		switch {
		case k.required:
			def = "(required)"
		case k.Default == "":
			def = "(none)"
		}
		typ := k.Type
		if b := k.bounds(); b != "" && k.parse != nil && k.Type != "bool" && k.Type != "string" && k.Type != "list" {
			typ += ", " + b
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Name, typ, def, strings.ReplaceAll(k.Doc, "|", "\\|"))
	}
	return b.String()
}
