// Package config reads the servers' configuration files, in the ini dialect Swift's
// paste.deploy files use: [sections] of "key = value" lines, # and ; comments, and a
// [DEFAULT] section whose keys every other section inherits.
package config

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// File is a parsed configuration file.
type File struct {
	Path     string
	sections map[string]map[string]string
}

// Load parses path; a syntax error names the file and line.
func Load(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	file := &File{Path: path, sections: map[string]map[string]string{"DEFAULT": {}}}
	section := ""
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		switch {
		case text == "" || text[0] == '#' || text[0] == ';':
		case text[0] == '[':
			if !strings.HasSuffix(text, "]") {
				return nil, fmt.Errorf("%s:%d: unterminated section header", path, line)
			}
			section = strings.TrimSpace(text[1 : len(text)-1])
			if file.sections[section] == nil {
				file.sections[section] = map[string]string{}
			}
		default:
			key, value, ok := strings.Cut(text, "=")
			if !ok {
				key, value, ok = strings.Cut(text, ":")
			}
			if !ok {
				return nil, fmt.Errorf("%s:%d: expected key = value", path, line)
			}
			if section == "" {
				return nil, fmt.Errorf("%s:%d: setting outside any [section]", path, line)
			}
			file.sections[section][strings.TrimSpace(key)] = strings.TrimSpace(value)
		}
	}
	return file, scanner.Err()
}

// HasSection reports whether the file has the section.
func (f *File) HasSection(name string) bool { _, ok := f.sections[name]; return ok }

// Section returns a section's settings with [DEFAULT]'s inherited (the section wins).
func (f *File) Section(name string) Section {
	merged := map[string]string{}
	for k, v := range f.sections["DEFAULT"] {
		merged[k] = v
	}
	for k, v := range f.sections[name] {
		merged[k] = v
	}
	return Section{Name: name, File: f.Path, Values: merged}
}

// Section is one section's settings, with typed getters that report bad values clearly.
type Section struct {
	Name   string
	File   string
	Values map[string]string
}

// String returns the value or fallback.
func (s Section) String(key, fallback string) string {
	if v, ok := s.Values[key]; ok && v != "" {
		return v
	}
	return fallback
}

// Int returns the value as an integer, or fallback when unset.
func (s Section) Int(key string, fallback int) (int, error) {
	v, ok := s.Values[key]
	if !ok || v == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, s.bad(key, v, "an integer")
	}
	return n, nil
}

// Seconds returns the value, in seconds (fractions allowed), as a duration.
func (s Section) Seconds(key string, fallback time.Duration) (time.Duration, error) {
	v, ok := s.Values[key]
	if !ok || v == "" {
		return fallback, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, s.bad(key, v, "a number of seconds")
	}
	return time.Duration(f * float64(time.Second)), nil
}

// Bool accepts Swift's true values (true, yes, on, 1) and false values.
func (s Section) Bool(key string, fallback bool) (bool, error) {
	v, ok := s.Values[key]
	if !ok || v == "" {
		return fallback, nil
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1", "t", "y":
		return true, nil
	case "false", "no", "off", "0", "f", "n":
		return false, nil
	}
	return false, s.bad(key, v, "true or false")
}

func (s Section) bad(key, value, want string) error {
	return fmt.Errorf("%s [%s] %s = %q: want %s", s.File, s.Name, key, value, want)
}
