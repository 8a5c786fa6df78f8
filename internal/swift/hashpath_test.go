package swift

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const pythonForSwift = "/usr/bin/python3"

var (
	pythonSwiftOnce sync.Once
	pythonSwiftOK   bool
)

// runPythonSwift runs script with Debian's python3 and its swift module, feeding it
// in as JSON on stdin and decoding its stdout as JSON into out. It reports false when
// that Python or its swift module is missing, so callers can skip the comparison.
func runPythonSwift(t *testing.T, script string, in, out any) bool {
	t.Helper()
	pythonSwiftOnce.Do(func() {
		pythonSwiftOK = exec.Command(pythonForSwift, "-c", "import swift.common.ring, swift.common.utils").Run() == nil
	})
	if !pythonSwiftOK {
		return false
	}
	input, err := json.Marshal(in)
	require.NoError(t, err)
	cmd := exec.Command(pythonForSwift, "-c", script)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	output, err := cmd.Output()
	require.NoError(t, err, "python: %s", stderr.String())
	require.NoError(t, json.Unmarshal(output, out), "python output: %s", output)
	return true
}

func TestHashPathKnownVectors(t *testing.T) {
	changeme := HashConf{Suffix: "changeme"}
	caps := HashConf{Prefix: "startcap", Suffix: "endcap"}
	for _, tc := range []struct {
		h       HashConf
		a, c, o string
		want    string
	}{
		{changeme, "AUTH_test", "", "", "9d00c9d091fea9ea855f29c22714dc83"},
		{changeme, "AUTH_test", "c", "", "26e5f92ddb812f3a145582033a81302f"},
		{changeme, "AUTH_test", "c", "o", "7363996f2cfb95eaa18df19ccc31aece"},
		{changeme, "AUTH_t", "cont ☃", "obj/with/slashes", "734dd88c7a62d47dab5c2c02fcbc1937"},
		{caps, "AUTH_test", "", "", "e5bd8f122fd42f578ca96104693b8b84"},
		{caps, "AUTH_test", "c", "", "ac2db2230e9ff342403f3e76e498a150"},
		{caps, "AUTH_test", "c", "o", "dc57422faba8f18562c1a6a2aede3df6"},
		{caps, "AUTH_t", "cont ☃", "obj/with/slashes", "b0d10b783056886474d6903d9bb7a049"},
	} {
		require.Equal(t, tc.want, tc.h.HashPath(tc.a, tc.c, tc.o), "%+v %q/%q/%q", tc.h, tc.a, tc.c, tc.o)
		d := tc.h.HashPathDigest(tc.a, tc.c, tc.o)
		require.Equal(t, tc.want, hex.EncodeToString(d[:]))
	}
	require.Panics(t, func() { changeme.HashPath("a", "", "o") }, "Swift raises ValueError for an object without a container")
}

func TestExpirerContainerKnownVectors(t *testing.T) {
	changeme := HashConf{Suffix: "changeme"}
	caps := HashConf{Prefix: "startcap", Suffix: "endcap"}
	for _, tc := range []struct {
		h        HashConf
		at, div  int64
		a, c, o  string
		want     string
		describe string
	}{
		{changeme, 1700000000, 86400, "AUTH_test", "c", "o", "1699919962", "shard 38"},
		{changeme, 1700000123, 3600, "AUTH_t", "cont ☃", "obj/with/slashes", "1699999141", "shard 59"},
		{changeme, 50, 86400, "a", "c", "o", "0000000000", "negative raised to zero"},
		{changeme, 99999999999, 86400, "a", "c", "o", "9999999999", "capped"},
		{changeme, -5, 86400, "a", "c", "o", "0000000000", "negative delete-at"},
		{changeme, 1700000000, -86400, "a", "c", "o", "1700006363", "floor division with a negative divisor"},
		{caps, 1700000000, 86400, "AUTH_test", "c", "o", "1699919930", "shard 70"},
		{caps, 1700000123, 3600, "AUTH_t", "cont ☃", "obj/with/slashes", "1699999123", "shard 77"},
		{caps, 1700000000, -86400, "a", "c", "o", "1700006321", "floor division with a negative divisor"},
	} {
		require.Equal(t, tc.want, ExpirerContainer(tc.at, tc.div, tc.h, tc.a, tc.c, tc.o), tc.describe)
	}
}

func TestNormalizeDeleteAt(t *testing.T) {
	for v, want := range map[int64]string{
		-1: "0000000000", 0: "0000000000", 5: "0000000005", 1700000000: "1700000000",
		9999999999: "9999999999", 10000000000: "9999999999", -1 << 63: "0000000000", 1<<63 - 1: "9999999999",
	} {
		require.Equal(t, want, NormalizeDeleteAt(v), "%d", v)
	}
}

// randomSwiftName makes a valid UTF-8 name mixing ASCII, slashes, spaces and
// multi-byte characters.
func randomSwiftName(rng *rand.Rand, maxLen int) string {
	alphabet := []rune("abcXYZ019_-./ %?&+=~éü☃€😀日本\u00a0")
	n := 1 + rng.IntN(maxLen)
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

const pythonHashScript = `
import json, sys
from swift.common import utils
req = json.load(sys.stdin)
out = []
for conf in req["confs"]:
    utils.HASH_PATH_PREFIX = bytes.fromhex(conf["prefix"])
    utils.HASH_PATH_SUFFIX = bytes.fromhex(conf["suffix"])
    hashes = [utils.hash_path(a, c or None, o or None) for a, c, o in req["names"]]
    expirer = [utils.get_expirer_container(x, d, a, c, o) for x, d, a, c, o in req["expirer"]]
    out.append({"hashes": hashes, "expirer": expirer})
json.dump(out, sys.stdout)
`

func TestHashPathAndExpirerContainerMatchPython(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	confs := []HashConf{{Suffix: "changeme"}, {Prefix: "startcap", Suffix: "endcap"}, {Prefix: "only-prefix"},
		{Prefix: "caf\xe9\xff", Suffix: "\x00\x01 bytes"}}
	names := [][3]string{{"AUTH_test", "", ""}, {"AUTH_test", "c", ""}, {"AUTH_test", "c", "o"}, {".expiring_objects", "", ""}}
	for range 40 {
		name := [3]string{"AUTH_" + randomSwiftName(rng, 10), "", ""}
		switch rng.IntN(3) {
		case 0:
			name[1] = randomSwiftName(rng, 20)
		case 1:
			name[1], name[2] = randomSwiftName(rng, 20), randomSwiftName(rng, 60)
		}
		names = append(names, name)
	}
	type expirerCase struct {
		At, Div int64
		A, C, O string
	}
	var expirer []expirerCase
	for i := range 30 {
		div := []int64{86400, 3600, 100, 7, 1, -86400}[i%6]
		at := 1500000000 + rng.Int64N(500000000)
		if i%10 == 9 {
			at = rng.Int64N(200) - 100
		}
		expirer = append(expirer, expirerCase{at, div, "AUTH_" + randomSwiftName(rng, 8), randomSwiftName(rng, 12), randomSwiftName(rng, 30)})
	}

	type pyConf struct {
		Prefix string `json:"prefix"`
		Suffix string `json:"suffix"`
	}
	var req struct {
		Confs   []pyConf    `json:"confs"`
		Names   [][3]string `json:"names"`
		Expirer [][]any     `json:"expirer"`
	}
	for _, h := range confs {
		req.Confs = append(req.Confs, pyConf{hex.EncodeToString([]byte(h.Prefix)), hex.EncodeToString([]byte(h.Suffix))})
	}
	req.Names = names
	for _, e := range expirer {
		req.Expirer = append(req.Expirer, []any{e.At, e.Div, e.A, e.C, e.O})
	}
	var got []struct {
		Hashes  []string `json:"hashes"`
		Expirer []string `json:"expirer"`
	}
	if !runPythonSwift(t, pythonHashScript, req, &got) {
		t.Skipf("%s lacks the swift module; only the hard-coded vectors were checked", pythonForSwift)
	}
	require.Len(t, got, len(confs))
	for i, h := range confs {
		for j, n := range names {
			require.Equal(t, got[i].Hashes[j], h.HashPath(n[0], n[1], n[2]), "conf %d name %q", i, n)
		}
		for j, e := range expirer {
			require.Equal(t, got[i].Expirer[j], ExpirerContainer(e.At, e.Div, h, e.A, e.C, e.O), "conf %d case %+v", i, e)
		}
	}
}

// hashConfCases are swift.conf texts with what validate_hash_conf makes of them
// (wantErr: Swift refuses the file).
var hashConfCases = []struct {
	name    string
	text    string
	want    HashConf
	wantErr bool
}{
	{"plain", "[swift-hash]\nswift_hash_path_suffix = changeme\nswift_hash_path_prefix = changeme\n",
		HashConf{Prefix: "changeme", Suffix: "changeme"}, false},
	{"suffix only, colon, upper-case key, comments, CRLF",
		"# swift.conf\r\n[swift-hash]\r\n; the suffix\r\nSWIFT_HASH_PATH_SUFFIX: s1 \r\n\r\n[storage-policy:0]\r\nname = gold\r\n",
		HashConf{Suffix: "s1"}, false},
	{"old Mac line ends", "[swift-hash]\rswift_hash_path_prefix=p\r", HashConf{Prefix: "p"}, false},
	{"DEFAULT is inherited", "[DEFAULT]\nswift_hash_path_prefix = p\n[swift-hash]\nswift_hash_path_suffix = s\n",
		HashConf{Prefix: "p", Suffix: "s"}, false},
	{"the section wins over DEFAULT", "[DEFAULT]\nswift_hash_path_suffix = d\n[swift-hash]\nswift_hash_path_suffix = s\n",
		HashConf{Suffix: "s"}, false},
	{"interpolation and %%", "[swift-hash]\nBase = ab\nswift_hash_path_suffix = %(base)s%%cd\nswift_hash_path_prefix = 100%%\n",
		HashConf{Prefix: "100%", Suffix: "ab%cd"}, false},
	{"nested interpolation from DEFAULT", "[DEFAULT]\nx = 1%%\ny = %(x)s2\n[swift-hash]\nswift_hash_path_suffix = <%(y)s>\n",
		HashConf{Suffix: "<1%2>"}, false},
	{"a bare % is an error", "[swift-hash]\nswift_hash_path_suffix = 50%off\n", HashConf{}, true},
	{"a missing interpolation key is an error", "[swift-hash]\nswift_hash_path_suffix = %(nope)s\n", HashConf{}, true},
	{"continuation lines", "[swift-hash]\nswift_hash_path_suffix = line1\n  line2\n\n  line3\n\n# end\nswift_hash_path_prefix = p\n",
		HashConf{Prefix: "p", Suffix: "line1\nline2\n\nline3"}, false},
	{"inline comments are kept", "[swift-hash]\nswift_hash_path_suffix = abc # not a comment ; nor this\n",
		HashConf{Suffix: "abc # not a comment ; nor this"}, false},
	{"first delimiter splits", "[swift-hash]\nswift_hash_path_suffix: a = b : c\n", HashConf{Suffix: "a = b : c"}, false},
	{"indented options", "[swift-hash]\n  swift_hash_path_suffix = x\n  swift_hash_path_prefix = y\n", HashConf{Prefix: "y", Suffix: "x"}, false},
	{"text after the header's bracket", "[swift-hash] # hash\nswift_hash_path_suffix = x\n", HashConf{Suffix: "x"}, false},
	{"latin-1 bytes, NBSP is whitespace", "[swift-hash]\nswift_hash_path_suffix = \xa0caf\xc3\xa9\xa0\n", HashConf{Suffix: "caf\xc3\xa9"}, false},
	{"no swift-hash section", "[swift-constraints]\nmax_file_size = 1\n", HashConf{}, true},
	{"only in DEFAULT", "[DEFAULT]\nswift_hash_path_suffix = s\n", HashConf{}, true},
	{"both empty", "[swift-hash]\nswift_hash_path_suffix =\nswift_hash_path_prefix = \n", HashConf{}, true},
	{"spaces inside the brackets", "[ swift-hash ]\nswift_hash_path_suffix = x\n", HashConf{}, true},
	{"duplicate option", "[swift-hash]\nswift_hash_path_suffix = a\nSwift_Hash_Path_Suffix = b\n", HashConf{}, true},
	{"duplicate section", "[swift-hash]\nswift_hash_path_suffix = a\n[swift-hash]\nswift_hash_path_prefix = b\n", HashConf{}, true},
	{"setting before any section", "swift_hash_path_suffix = a\n[swift-hash]\nswift_hash_path_prefix = b\n", HashConf{}, true},
	{"a line without a delimiter", "[swift-hash]\nswift_hash_path_suffix = a\njunk\n", HashConf{}, true},
	{"an empty key", "[swift-hash]\nswift_hash_path_suffix = a\n= b\n", HashConf{}, true},
	{"empty file", "", HashConf{}, true},
}

const pythonHashConfScript = `
import json, sys
from swift.common import utils
out = []
for path in json.load(sys.stdin):
    utils.SWIFT_CONF_FILE = path
    utils.HASH_PATH_PREFIX = b""
    utils.HASH_PATH_SUFFIX = b""
    try:
        utils.validate_hash_conf()
        out.append({"prefix": utils.HASH_PATH_PREFIX.hex(), "suffix": utils.HASH_PATH_SUFFIX.hex()})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
json.dump(out, sys.stdout)
`

func TestLoadHashConf(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, tc := range hashConfCases {
		path := filepath.Join(dir, fmt.Sprintf("swift-%d.conf", i))
		require.NoError(t, os.WriteFile(path, []byte(tc.text), 0o644))
		paths = append(paths, path)
		h, err := LoadHashConf(path)
		if tc.wantErr {
			require.Error(t, err, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, h, tc.name)
	}
	_, err := LoadHashConf(filepath.Join(dir, "missing.conf"))
	require.ErrorIs(t, err, os.ErrNotExist)

	var got []struct{ Prefix, Suffix, Error string }
	if !runPythonSwift(t, pythonHashConfScript, paths, &got) {
		t.Skipf("%s lacks the swift module; only the expected values were checked", pythonForSwift)
	}
	require.Len(t, got, len(hashConfCases))
	for i, tc := range hashConfCases {
		if tc.wantErr {
			require.NotEmpty(t, got[i].Error, "Python accepted %s", tc.name)
			continue
		}
		require.Empty(t, got[i].Error, tc.name)
		require.Equal(t, hex.EncodeToString([]byte(tc.want.Prefix)), got[i].Prefix, tc.name)
		require.Equal(t, hex.EncodeToString([]byte(tc.want.Suffix)), got[i].Suffix, tc.name)
	}
}
