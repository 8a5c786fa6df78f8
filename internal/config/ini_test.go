package config

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// iniCase is a config text and what Swift reads from it. want holds the values of
// File.Items (readconf's view) and wantApp those of File.App (paste.deploy's view of
// an [app:...] section); both were checked against Debian's Python 3.11 with Swift
// 2.30.1 (TestReaderAgreesWithPython repeats the check wherever that Python is).
type iniCase struct {
	name    string
	files   map[string]string // one file "a.conf", or a conf.d of several
	dialect Dialect
	want    map[string]map[string]string // section → key → value (Items), only the keys listed
	wantApp map[string]map[string]string // app section → key → value (App), only the keys listed
	absent  map[string][]string          // app section → keys App must not have
	wantErr string                       // a syntax or interpolation error mentioning this
	noApp   bool                         // keys differ in case: paste keeps case, this reader lower-cases
}

var iniCases = []iniCase{
	{name: "= and : separate keys from values, spaces around them are dropped",
		files: one("[s]\na = 1\nb: 2\nc=3\nd :4 \ne = x = y\nf = a:b\n"),
		want:  map[string]map[string]string{"s": {"a": "1", "b": "2", "c": "3", "d": "4", "e": "x = y", "f": "a:b"}}},
	{name: "keys are lower-cased, values keep their case",
		files: one("[s]\nBind_Port = 6200\nLOG_LEVEL = Debug\n"), noApp: true,
		want: map[string]map[string]string{"s": {"bind_port": "6200", "log_level": "Debug"}}},
	{name: "full-line # and ; comments, even indented; a # after a value is part of it",
		files: one("# top\n[s]\n; semi\n  # indented\na = 1 # not a comment\nb = x;y\n"),
		want:  map[string]map[string]string{"s": {"a": "1 # not a comment", "b": "x;y"}}},
	{name: "indented lines continue a value, empty lines inside are kept, trailing ones dropped",
		files: one("[s]\npipeline = a\n  b\n\n  c\n\nnext = 1\n"),
		want:  map[string]map[string]string{"s": {"pipeline": "a\nb\n\nc", "next": "1"}}},
	{name: "a comment inside a continued value does not end it",
		files: one("[s]\na = 1\n# note\n  2\n"),
		want:  map[string]map[string]string{"s": {"a": "1\n2"}}},
	{name: "[DEFAULT] is inherited; readconf lets the section win, paste.deploy keeps DEFAULT's",
		files: one("[DEFAULT]\nnode_timeout = 9\nbind_ip = 127.0.0.1\n[app:object-server]\npaste.app_factory = os:getcwd\nnode_timeout = 2.5\n" +
			"[object-updater]\nnode_timeout = 2.5\n"),
		want:    map[string]map[string]string{"object-updater": {"node_timeout": "2.5", "bind_ip": "127.0.0.1"}},
		wantApp: map[string]map[string]string{"app:object-server": {"node_timeout": "9", "bind_ip": "127.0.0.1"}}},
	{name: "set key = value overrides [DEFAULT] for that app",
		files:   one("[DEFAULT]\nlog_level = INFO\n[app:object-server]\npaste.app_factory = os:getcwd\nset log_level = DEBUG\n"),
		wantApp: map[string]map[string]string{"app:object-server": {"log_level": "DEBUG"}},
		absent:  map[string][]string{"app:object-server": {"set log_level"}}},
	{name: "set in [pipeline:main] reaches the app",
		files:   one("[DEFAULT]\nlog_level = INFO\n[pipeline:main]\npipeline = object-server\nset log_level = WARNING\n[app:object-server]\npaste.app_factory = os:getcwd\n"),
		wantApp: map[string]map[string]string{"app:object-server": {"log_level": "WARNING"}}},
	{name: "references interpolate from the section and [DEFAULT], %(here)s is the file's directory for paste",
		files:   one("[DEFAULT]\nbase = /srv\n[app:object-server]\npaste.app_factory = os:getcwd\npool = p\ndir = %(base)s/%(pool)s\nrel = %(here)s/x\npct = 50%%, %(pool)s\n"),
		wantApp: map[string]map[string]string{"app:object-server": {"dir": "/srv/p", "rel": "{here}/x", "pct": "50%, p"}}},
	{name: "a value without a reference is taken as written (Swift's NicerInterpolation): 1% and %% stay",
		files: one("[s]\nreserve = 1%\nraw = a%%b\n"),
		want:  map[string]map[string]string{"s": {"reserve": "1%", "raw": "a%%b"}}},
	{name: "swift.conf's BasicInterpolation: %% is % everywhere",
		files: one("[swift-hash]\nswift_hash_path_suffix = a%%b\n"), dialect: SwiftConf,
		want: map[string]map[string]string{"swift-hash": {"swift_hash_path_suffix": "a%b"}}},
	{name: "swift.conf's BasicInterpolation refuses a lone %",
		files: one("[swift-hash]\nswift_hash_path_suffix = 1%\n"), dialect: SwiftConf, wantErr: "'%' must be followed"},
	{name: "swift.conf is latin-1: any byte is kept",
		files: one("[swift-hash]\nswift_hash_path_prefix = \xe9\xa0\xff\n"), dialect: SwiftConf,
		want: map[string]map[string]string{"swift-hash": {"swift_hash_path_prefix": "\xe9\xa0\xff"}}},
	{name: "interpolating an unknown key is an error",
		files: one("[s]\na = %(nope)s\n"), wantErr: `no key "nope"`},
	{name: "a loop of references is an error",
		files: one("[s]\na = %(b)s\nb = %(a)s\n"), wantErr: "recursive"},
	{name: "a duplicate section is an error",
		files: one("[s]\na = 1\n[s]\nb = 2\n"), wantErr: "section [s] already exists"},
	{name: "a duplicate key is an error, whatever its case",
		files: one("[s]\na = 1\nA = 2\n"), wantErr: `key "a" in section [s] already exists`},
	{name: "[DEFAULT] may appear twice, its keys not",
		files: one("[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[s]\n"),
		want:  map[string]map[string]string{"s": {"a": "1", "b": "2"}}},
	{name: "a line that is not key = value is an error naming the line",
		files: one("[s]\nok = 1\nnot a setting\n"), wantErr: "a.conf:3: expected key = value"},
	{name: "a key before any section is an error",
		files: one("orphan = 1\n"), wantErr: "no section headers"},
	{name: "a section header may be followed by text, and ends at its last ]",
		files: one("[a]b] trailing\nk = v\n"),
		want:  map[string]map[string]string{"a]b": {"k": "v"}}},
	{name: "\\r\\n and \\r end lines",
		files: one("[s]\r\na = 1\rb = 2\r\n"),
		want:  map[string]map[string]string{"s": {"a": "1", "b": "2"}}},
	{name: "a conf.d: *.conf files in name order, later ones override, other files ignored",
		files: map[string]string{"20-b.conf": "[s]\na = 2\n", "10-a.conf": "[DEFAULT]\nd = 1\n[s]\na = 1\nb = 1\n", "notes.txt": "junk", ".hidden.conf": "junk"},
		want:  map[string]map[string]string{"s": {"a": "2", "b": "1", "d": "1"}}},
}

func one(text string) map[string]string { return map[string]string{"a.conf": text} }

// path writes c's files and returns the file, or the directory of a conf.d.
func (c iniCase) path(t *testing.T) string {
	dir := t.TempDir()
	for name, text := range c.files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600))
	}
	if len(c.files) == 1 {
		for name := range c.files {
			return filepath.Join(dir, name)
		}
	}
	return dir
}

func (c iniCase) load(t *testing.T, path string) (*File, error) {
	d := c.dialect
	if d == (Dialect{}) {
		d = ServerConf
	}
	return LoadDialect(path, d)
}

func TestReaderReadsAsSwift(t *testing.T) {
	for _, c := range iniCases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path(t)
			f, err := c.load(t, path)
			if err == nil {
				err = firstViewError(f)
			}
			if c.wantErr != "" {
				require.ErrorContains(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			for section, keys := range c.want {
				read := f.Items
				if pasteSection(section) {
					read = f.App
				}
				s, err := read(section)
				require.NoError(t, err)
				for k, v := range keys {
					require.Equal(t, v, s.Values[k], "[%s] %s", section, k)
				}
			}
			here := filepath.Dir(path)
			for section, keys := range c.wantApp {
				s, err := f.App(section)
				require.NoError(t, err)
				for k, v := range keys {
					require.Equal(t, strings.ReplaceAll(v, "{here}", here), s.Values[k], "[%s] %s", section, k)
				}
				for _, k := range c.absent[section] {
					require.NotContains(t, s.Values, k)
				}
			}
		})
	}
}

// firstViewError reads every section as Swift would: [app:...] and [filter:...]
// through paste.deploy, the others through readconf.
func firstViewError(f *File) error {
	for _, s := range f.Sections() {
		read := f.Items
		if pasteSection(s) {
			read = f.App
		}
		if _, err := read(s); err != nil {
			return err
		}
	}
	return nil
}

func pasteSection(s string) bool {
	return strings.HasPrefix(s, "app:") || strings.HasPrefix(s, "filter:") || strings.HasPrefix(s, "pipeline:")
}

func TestShadowedKeysAreListed(t *testing.T) {
	f, err := Parse("x.conf", []byte("[DEFAULT]\nlog_level = INFO\n[app:x]\nlog_level = DEBUG\nother = 1\n"), ServerConf)
	require.NoError(t, err)
	s, err := f.App("app:x")
	require.NoError(t, err)
	require.Equal(t, "INFO", s.Values["log_level"])
	require.Len(t, s.Shadowed, 1)
	require.Equal(t, "log_level", s.Shadowed[0].Key)
	require.Equal(t, 4, s.Shadowed[0].Line)
}

// pythonReader prints, as JSON, what Swift reads from a file or conf.d: readconf's
// sections (or, for swift.conf, a plain latin-1 ConfigParser's) and paste.deploy's
// config of every [app:NAME] section.
const pythonReader = `
import glob, json, os, sys, configparser
from swift.common import utils, wsgi
from paste.deploy import loadwsgi
def read(path, mode):
  out = {"items": {}, "app": {}}
  try:
      if mode == "swiftconf":
          c = configparser.ConfigParser()
          with open(path, encoding="latin1") as f:
              c.read_file(f)
          for s in c.sections():
              out["items"][s] = dict(c.items(s))
      else:
          c = configparser.RawConfigParser()
          c.read(sorted(glob.glob(path + "/*.conf")) if os.path.isdir(path) else path)
          for s in c.sections():
              if not s.startswith(("app:", "filter:", "pipeline:")):
                  items = utils.readconf(path, s)
                  items.pop("log_name"), items.pop("__file__")
                  out["items"][s] = items
          def config(ctx):
              return {k: v for k, v in ctx.config().items() if k != "__name__"}
          if "pipeline:main" in c.sections():
              # as a server loads it: through the pipeline, whose "set" lines reach the app
              ctx = wsgi.loadcontext(loadwsgi.APP, path)
              out["app"]["app:" + ctx.app_context.name] = config(ctx.app_context)
          else:
              for s in c.sections():
                  if s.startswith("app:"):
                      out["app"][s] = config(wsgi.loadcontext(loadwsgi.APP, path, name=s[4:]))
  except Exception as e:
      out = {"error": "%s: %s" % (type(e).__name__, e)}
  return out
print(json.dumps([read(p, m) for p, m in zip(sys.argv[1::2], sys.argv[2::2])]))
`

func TestReaderAgreesWithPython(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import swift.common.wsgi, paste.deploy").Run(); err != nil {
		t.Skip("no Python 3 with Swift and paste.deploy here")
	}
	type pythonView struct {
		Error string
		Items map[string]map[string]string
		App   map[string]map[string]string
	}
	var args, paths []string
	for _, c := range iniCases {
		path := c.path(t)
		mode := "server"
		if c.dialect == SwiftConf {
			mode = "swiftconf"
		}
		paths = append(paths, path)
		args = append(args, path, mode)
	}
	raw, err := exec.Command(python, append([]string{"-c", pythonReader}, args...)...).Output()
	require.NoError(t, err)
	var views []pythonView
	require.NoError(t, json.Unmarshal(raw, &views))
	require.Len(t, views, len(iniCases))
	for i, c := range iniCases {
		path, py, mode := paths[i], views[i], args[2*i+1]
		t.Run(c.name, func(t *testing.T) {
			f, err := c.load(t, path)
			if err == nil {
				err = firstViewError(f)
			}
			if py.Error != "" {
				require.Error(t, err, "Python refused it: %s", py.Error)
				return
			}
			require.NoError(t, err)
			latin1 := func(s string) string {
				if mode != "swiftconf" {
					return s
				}
				b := []byte{}
				for _, r := range s {
					b = append(b, byte(r))
				}
				return string(b)
			}
			for section, items := range py.Items {
				if pasteSection(section) {
					continue
				}
				s, err := f.Items(section)
				require.NoError(t, err)
				want := map[string]string{}
				for k, v := range items {
					want[latin1(k)] = latin1(v)
				}
				got := map[string]string{}
				for k, v := range s.Values {
					if k != "here" && k != "__file__" { // paste.deploy's, not readconf's
						got[k] = v
					}
				}
				require.Equal(t, want, got, "readconf's [%s]", section)
			}
			if c.noApp {
				return
			}
			for section, items := range py.App {
				s, err := f.App(section)
				require.NoError(t, err)
				delete(s.Values, "paste.app_factory") // paste.deploy's own, consumed by it
				require.Equal(t, items, s.Values, "paste.deploy's [%s]", section)
			}
		})
	}
}
