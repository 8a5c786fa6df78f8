package middleware

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// observed returns a logger whose entries (DEBUG and up) the test can read.
func observed() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(core), logs
}

// onlyEntry returns the one entry logged, failing the test if there is not exactly one.
func onlyEntry(t *testing.T, logs *observer.ObservedLogs) observer.LoggedEntry {
	t.Helper()
	entries := logs.TakeAll()
	if len(entries) != 1 {
		t.Fatalf("logged %d entries, want 1: %v", len(entries), entries)
	}
	return entries[0]
}

func TestAccessLogWritesSwiftsObjectServerLine(t *testing.T) {
	logger, logs := observed()
	h := AccessLog(logger, nil)(func(ctx *fasthttp.RequestCtx) {
		time.Sleep(2 * time.Millisecond)
		ctx.SetStatusCode(200)
		ctx.SetBodyString("hello")
	})
	do(h, "GET", "/sda1/123/AUTH_test/c/o?multipart-manifest=get",
		withHeader("X-Trans-Id", "tx0123456789abcdef01234-0065a1b2c3"),
		withHeader("User-Agent", "proxy-server 1234"),
		withHeader("Referer", "GET http://proxy/v1/AUTH_test/c/o"),
		withHeader("X-Backend-Storage-Policy-Index", "2"))

	entry := onlyEntry(t, logs)
	if entry.Level != zapcore.InfoLevel {
		t.Errorf("level = %v, want info", entry.Level)
	}
	want := regexp.MustCompile(`^10\.1\.2\.3 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] ` +
		`"GET /sda1/123/AUTH_test/c/o" 200 5 "GET http://proxy/v1/AUTH_test/c/o" ` +
		`"tx0123456789abcdef01234-0065a1b2c3" "proxy-server 1234" (\d+\.\d{4}) "-" ` +
		fmt.Sprint(os.Getpid()) + ` 2$`)
	m := want.FindStringSubmatch(entry.Message)
	if m == nil {
		t.Fatalf("line = %q\nwant  %s", entry.Message, want)
	}
	if m[1] < "0.0020" {
		t.Errorf("request time %s, want at least the handler's 2 ms", m[1])
	}
	// The date is the UTC time of logging.
	stamp := entry.Message[strings.Index(entry.Message, "[")+1 : strings.Index(entry.Message, "]")]
	logged, err := time.Parse("02/Jan/2006:15:04:05 -0700", stamp)
	if err != nil || time.Since(logged) > time.Minute || time.Since(logged) < -time.Minute {
		t.Errorf("logged time %q (%v), want now", stamp, err)
	}

	fields := entry.ContextMap()
	for key, want := range map[string]any{
		"remote_addr": "10.1.2.3", "method": "GET", "path": "/sda1/123/AUTH_test/c/o",
		"status": int64(200), "content_length": int64(5), "referer": "GET http://proxy/v1/AUTH_test/c/o",
		"txn_id": "tx0123456789abcdef01234-0065a1b2c3", "user_agent": "proxy-server 1234",
		"additional_info": "", "pid": int64(os.Getpid()), "policy_index": "2",
	} {
		if fields[key] != want {
			t.Errorf("field %s = %#v, want %#v", key, fields[key], want)
		}
	}
	if tt, ok := fields["trans_time"].(float64); !ok || tt < 0.002 || tt > 5 {
		t.Errorf("field trans_time = %#v, want seconds", fields["trans_time"])
	}
	if _, ok := fields["time"].(time.Time); !ok {
		t.Errorf("field time = %#v, want a time", fields["time"])
	}
}

func TestAccessLogWritesDashesForWhatIsMissing(t *testing.T) {
	logger, logs := observed()
	h := AccessLog(logger, nil)(func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(204) })
	do(h, "DELETE", "/sda1/1/a/c/o")
	line := onlyEntry(t, logs).Message
	// Swift's LogStringFormatter writes "-" for every empty value, including a zero length.
	want := regexp.MustCompile(`^10\.1\.2\.3 - - \[[^]]+\] "DELETE /sda1/1/a/c/o" 204 - "-" "-" "-" \d+\.\d{4} "-" \d+ -$`)
	if !want.MatchString(line) {
		t.Errorf("line = %q\nwant  %s", line, want)
	}
}

func TestAccessLogLogsTheDeclaredLengthOfStreamsAndHEADs(t *testing.T) {
	logger, logs := observed()
	h := AccessLog(logger, nil)(func(ctx *fasthttp.RequestCtx) {
		if ctx.IsHead() {
			ctx.Response.Header.SetContentLength(4096)
			ctx.Response.SkipBody = true
			return
		}
		ctx.SetBodyStream(strings.NewReader(strings.Repeat("x", 1000)), 1000)
	})
	for method, want := range map[string]string{"GET": `" 200 1000 "`, "HEAD": `" 200 4096 "`} {
		do(h, method, "/sda1/1/a/c/o")
		entry := onlyEntry(t, logs)
		if !strings.Contains(entry.Message, want) {
			t.Errorf("%s line = %q, want %q", method, entry.Message, want)
		}
	}
}

func TestAccessLogLogsTheDeclaredLengthOfAStreamOverHTTP(t *testing.T) {
	logger, logs := observed()
	client := serveInMemory(t, AccessLog(logger, nil)(func(ctx *fasthttp.RequestCtx) {
		ctx.SetBodyStream(strings.NewReader(strings.Repeat("x", 70000)), 70000)
	}))
	if status, body := get(t, client, "GET", "/sda1/1/a/c/o"); status != 200 || len(body) != 70000 {
		t.Fatalf("GET = %d with %d bytes", status, len(body))
	}
	entry := onlyEntry(t, logs)
	if !strings.Contains(entry.Message, `"GET /sda1/1/a/c/o" 200 70000 "-"`) {
		t.Errorf("line = %q", entry.Message)
	}
}

func TestAccessLogLogsAClientDisconnectAs499(t *testing.T) {
	logger, logs := observed()
	h := AccessLog(logger, nil)(func(ctx *fasthttp.RequestCtx) {
		ctx.SetStatusCode(499)
		ctx.SetBodyString("Client Disconnect")
	})
	do(h, "PUT", "/sda1/1/a/c/o", withHeader("Content-Length", "100"))
	entry := onlyEntry(t, logs)
	if !strings.Contains(entry.Message, `"PUT /sda1/1/a/c/o" 499 17 `) || entry.ContextMap()["status"] != int64(499) {
		t.Errorf("line = %q, fields %v, want status 499", entry.Message, entry.ContextMap())
	}
}

func TestAccessLogPrefersTheResponsesPolicyIndex(t *testing.T) {
	logger, logs := observed()
	h := AccessLog(logger, nil)(func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set("X-Backend-Storage-Policy-Index", "3")
	})
	do(h, "GET", "/sda1/1/a/c/o", withHeader("X-Backend-Storage-Policy-Index", "1"))
	if line := onlyEntry(t, logs).Message; !strings.HasSuffix(line, " 3") {
		t.Errorf("line = %q, want policy index 3 (get_policy_index: response first)", line)
	}
}

func TestAccessLogQuotesThePathLikeSwift(t *testing.T) {
	logger, logs := observed()
	h := AccessLog(logger, nil)(func(ctx *fasthttp.RequestCtx) {})
	do(h, "GET", "/sda1/1/a/c/h%C3%A9llo%20w+rld~%2Fx?q=1")
	if line := onlyEntry(t, logs).Message; !strings.Contains(line, `"GET /sda1/1/a/c/h%C3%A9llo%20w%2Brld~/x" 200`) {
		t.Errorf("line = %q", line)
	}
}

func TestSwiftQuoteMatchesUrllibQuote(t *testing.T) {
	// Expected values from Python 3: urllib.parse.quote(s, safe='/').
	for in, want := range map[string]string{
		"/a/b":          "/a/b",
		"/a b/c+d":      "/a%20b/c%2Bd",
		"/~user/_x.y-z": "/~user/_x.y-z",
		"/h\xc3\xa9":    "/h%C3%A9",
		"/%;=&?#":       "/%25%3B%3D%26%3F%23",
		"/\x00\x7f\xff": "/%00%7F%FF",
	} {
		if got := swiftQuote(in); got != want {
			t.Errorf("swiftQuote(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"%41%4a%zz%": "AJ%zz%", "%e2%82%ac": "\u20ac", "a%2": "a%2"} {
		if got := percentDecode(in); got != want {
			t.Errorf("percentDecode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccessLogUsesTheConfiguredLevel(t *testing.T) {
	for setting, want := range map[string]zapcore.Level{
		"": zapcore.InfoLevel, "DEBUG": zapcore.DebugLevel, "info": zapcore.InfoLevel,
		"WARNING": zapcore.WarnLevel, "ERROR": zapcore.ErrorLevel, "CRITICAL": zapcore.ErrorLevel,
	} {
		logger, logs := observed()
		h := AccessLog(logger, map[string]string{"access_log_level": setting})(func(*fasthttp.RequestCtx) {})
		do(h, "GET", "/sda1/1/a/c/o")
		if got := onlyEntry(t, logs).Level; got != want {
			t.Errorf("access_log_level %q logged at %v, want %v", setting, got, want)
		}
	}
}

func TestAccessLogLogsReplicationAtDebug(t *testing.T) {
	logger, logs := observed()
	h := AccessLog(logger, map[string]string{"access_log_level": "WARNING"})(func(*fasthttp.RequestCtx) {})
	do(h, "REPLICATE", "/sda1/1/abc")
	do(h, "SSYNC", "/sda1/1")
	do(h, "PUT", "/sda1/1/a/c/o", withHeader("X-Backend-Replication", "True"))
	for _, e := range logs.TakeAll() {
		if e.Level != zapcore.DebugLevel {
			t.Errorf("%q logged at %v, want debug", e.Message, e.Level)
		}
	}
}

func TestAccessLogSkipsWorkBelowTheLoggersLevel(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	h := AccessLog(zap.New(core), nil)(func(*fasthttp.RequestCtx) {})
	do(h, "GET", "/sda1/1/a/c/o")
	if logs.Len() != 0 {
		t.Errorf("logged %d INFO entries into a WARN logger", logs.Len())
	}
}

func TestAccessLogStaysQuietWhenLogRequestsIsOff(t *testing.T) {
	logger, logs := observed()
	next := &app{}
	h := AccessLog(logger, map[string]string{"log_requests": "no"})(next.handle)
	do(h, "GET", "/sda1/1/a/c/o")
	if logs.Len() != 0 || next.calls != 1 {
		t.Errorf("log_requests = no: %d entries, next ran %d times", logs.Len(), next.calls)
	}
}

func TestAccessLogFallsBackToInfoForAnUnknownLevel(t *testing.T) {
	logger, logs := observed()
	h := AccessLog(logger, map[string]string{"access_log_level": "LOUD"})(func(*fasthttp.RequestCtx) {})
	warnings := logs.TakeAll()
	if len(warnings) != 1 || warnings[0].Level != zapcore.WarnLevel || !strings.Contains(warnings[0].ContextMap()["error"].(string), "LOUD") {
		t.Fatalf("warnings = %v, want one naming LOUD", warnings)
	}
	do(h, "GET", "/sda1/1/a/c/o")
	if got := onlyEntry(t, logs).Level; got != zapcore.InfoLevel {
		t.Errorf("logged at %v, want info", got)
	}
}
