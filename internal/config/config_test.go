package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func write(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "server.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestSectionsInheritDefaultAndOverrideIt(t *testing.T) {
	f, err := Load(write(t, "# comment\n[DEFAULT]\nbind_port = 6200\nlog_level = INFO\n\n[app:object-server]\n; another\nlog_level = DEBUG\nrados_pool = data\n"))
	require.NoError(t, err)
	s := f.Section("app:object-server")
	require.Equal(t, "DEBUG", s.String("log_level", ""))
	port, err := s.Int("bind_port", 0)
	require.NoError(t, err)
	require.Equal(t, 6200, port)
	require.Equal(t, "data", s.Values["rados_pool"])
	require.True(t, f.HasSection("app:object-server"))
	require.False(t, f.HasSection("app:proxy-server"))
}

func TestTypedGettersNameTheBadSetting(t *testing.T) {
	f, err := Load(write(t, "[s]\nworkers = many\ntimeout = 1.5\nflag = yes\n"))
	require.NoError(t, err)
	s := f.Section("s")
	_, err = s.Int("workers", 1)
	require.ErrorContains(t, err, `workers = "many"`)
	d, err := s.Seconds("timeout", 0)
	require.NoError(t, err)
	require.Equal(t, 1500*time.Millisecond, d)
	b, err := s.Bool("flag", false)
	require.NoError(t, err)
	require.True(t, b)
}

func TestSyntaxErrorsNameTheLine(t *testing.T) {
	_, err := Load(write(t, "[s]\nok = 1\nnot a setting\n"))
	require.ErrorContains(t, err, ":3:")
	_, err = Load(write(t, "orphan = 1\n"))
	require.ErrorContains(t, err, "outside")
}
