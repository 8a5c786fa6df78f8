package middleware

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/radosswift/radosswift/internal/config"
)

// AccessLog logs one line per request once next has answered, in Swift's object-server
// format (LOG_LINE_DEFAULT_FORMAT):
//
//	remote_addr - - [dd/Mon/yyyy:HH:MM:SS +0000] "METHOD PATH" status content_length
//	"referer" "txn_id" "user_agent" trans_time "additional_info" pid policy_index
//
// with "-" for any empty or zero value, as Swift's LogStringFormatter writes it. The
// same values are attached as zap fields of the same names (trans_time in seconds;
// content_length -1 when unknown). content_length is the response's Content-Length,
// the declared length for a streamed body or a HEAD; the status is the one next set,
// so a handler that gave up on a disconnected client is logged 499.
//
// Settings: access_log_level (DEBUG, INFO, WARNING, ERROR, CRITICAL; default INFO)
// and log_requests (default true). Like Swift's object server, REPLICATE and SSYNC
// requests and requests with X-Backend-Replication are logged at DEBUG. An invalid
// access_log_level falls back to INFO with a warning; Build reports it as an error.
func AccessLog(logger *zap.Logger, settings map[string]string) Middleware {
	if logger == nil {
		logger = zap.NewNop()
	}
	var as accessLogSettings
	if err := config.SectionOf("filter:access_log", settings).Decode(as.keys()); err != nil {
		logger.Warn("access_log: using the defaults of bad settings", zap.Error(err))
	}
	return newAccessLog(logger, as)
}

// accessLogSettings are the keys of a [filter:...] with use = egg:radosswift#access_log.
type accessLogSettings struct {
	Level       string
	LogRequests bool
}

func (s *accessLogSettings) keys() []config.Key {
	return []config.Key{
		config.String("access_log_level", &s.Level, "INFO", "the level of the access-log lines (REPLICATE and SSYNC are logged at DEBUG)").
			OneOf("DEBUG", "INFO", "NOTICE", "WARNING", "WARN", "ERROR", "CRITICAL"),
		config.Bool("log_requests", &s.LogRequests, true, "log one line per request"),
	}
}

func newAccessLog(logger *zap.Logger, s accessLogSettings) Middleware {
	level, _ := parseLevel(s.Level) // the table admits only names parseLevel knows
	enabled := s.LogRequests
	pid := os.Getpid()
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		if !enabled {
			return next
		}
		return func(ctx *fasthttp.RequestCtx) {
			start := time.Now()
			next(ctx)
			elapsed := time.Since(start)
			lvl := level
			if isReplication(ctx) {
				lvl = zapcore.DebugLevel
			}
			if !logger.Core().Enabled(lvl) {
				return
			}
			entry := newAccessEntry(ctx, time.Now(), elapsed, pid)
			if ce := logger.Check(lvl, entry.line()); ce != nil {
				ce.Write(entry.fields()...)
			}
		}
	}
}

// parseLevel reads Swift's log level names (and zap's "warn").
func parseLevel(name string) (zapcore.Level, error) {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "DEBUG":
		return zapcore.DebugLevel, nil
	case "INFO", "NOTICE":
		return zapcore.InfoLevel, nil
	case "WARNING", "WARN":
		return zapcore.WarnLevel, nil
	case "ERROR", "CRITICAL":
		return zapcore.ErrorLevel, nil
	}
	return zapcore.InfoLevel, fmt.Errorf("access_log_level = %q: want DEBUG, INFO, WARNING, ERROR or CRITICAL", name)
}

// isReplication is the object server's test for logging at DEBUG.
func isReplication(ctx *fasthttp.RequestCtx) bool {
	method := string(ctx.Method())
	return method == "REPLICATE" || method == "SSYNC" || ctx.Request.Header.Peek("X-Backend-Replication") != nil
}

// accessEntry is one request's access-log values, in Swift's order.
type accessEntry struct {
	remoteAddr     string
	time           time.Time
	method         string
	path           string
	status         int
	contentLength  int64 // -1: unknown
	referer        string
	txnID          string
	userAgent      string
	transTime      time.Duration
	additionalInfo string
	pid            int
	policyIndex    string
}

func newAccessEntry(ctx *fasthttp.RequestCtx, now time.Time, elapsed time.Duration, pid int) accessEntry {
	policy := ctx.Response.Header.Peek("X-Backend-Storage-Policy-Index")
	if policy == nil {
		policy = ctx.Request.Header.Peek("X-Backend-Storage-Policy-Index")
	}
	return accessEntry{
		remoteAddr:    ctx.RemoteIP().String(),
		time:          now,
		method:        string(ctx.Method()),
		path:          requestPath(ctx),
		status:        ctx.Response.StatusCode(),
		contentLength: responseContentLength(&ctx.Response),
		referer:       string(ctx.Request.Header.Referer()),
		txnID:         string(ctx.Request.Header.Peek("X-Trans-Id")),
		userAgent:     string(ctx.Request.Header.UserAgent()),
		transTime:     elapsed,
		pid:           pid,
		policyIndex:   string(policy),
	}
}

// line formats the entry as Swift's LOG_LINE_DEFAULT_FORMAT does.
func (e accessEntry) line() string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString(orDash(e.remoteAddr))
	b.WriteString(" - - [")
	b.WriteString(e.time.UTC().Format("02/Jan/2006:15:04:05"))
	b.WriteString(" +0000] \"")
	b.WriteString(orDash(e.method))
	b.WriteByte(' ')
	b.WriteString(orDash(e.path))
	b.WriteString("\" ")
	b.WriteString(orDash(strconv.Itoa(e.status)))
	b.WriteByte(' ')
	if e.contentLength > 0 {
		b.WriteString(strconv.FormatInt(e.contentLength, 10))
	} else {
		b.WriteByte('-')
	}
	b.WriteString(" \"")
	b.WriteString(orDash(e.referer))
	b.WriteString("\" \"")
	b.WriteString(orDash(e.txnID))
	b.WriteString("\" \"")
	b.WriteString(orDash(e.userAgent))
	b.WriteString("\" ")
	if e.transTime > 0 {
		b.WriteString(strconv.FormatFloat(e.transTime.Seconds(), 'f', 4, 64))
	} else {
		b.WriteByte('-')
	}
	b.WriteString(" \"")
	b.WriteString(orDash(e.additionalInfo))
	b.WriteString("\" ")
	b.WriteString(strconv.Itoa(e.pid))
	b.WriteByte(' ')
	b.WriteString(orDash(e.policyIndex))
	return b.String()
}

func (e accessEntry) fields() []zap.Field {
	return []zap.Field{
		zap.String("remote_addr", e.remoteAddr),
		zap.Time("time", e.time),
		zap.String("method", e.method),
		zap.String("path", e.path),
		zap.Int("status", e.status),
		zap.Int64("content_length", e.contentLength),
		zap.String("referer", e.referer),
		zap.String("txn_id", e.txnID),
		zap.String("user_agent", e.userAgent),
		zap.Float64("trans_time", e.transTime.Seconds()),
		zap.String("additional_info", e.additionalInfo),
		zap.Int("pid", e.pid),
		zap.String("policy_index", e.policyIndex),
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// responseContentLength is swob's res.content_length: the Content-Length the response
// declares for a streamed or skipped (HEAD) body, else the body's size; -1 if unknown
// (a stream of unknown length).
func responseContentLength(resp *fasthttp.Response) int64 {
	if resp.IsBodyStream() || resp.SkipBody {
		if n := resp.Header.ContentLength(); n >= 0 {
			return int64(n)
		}
		return -1
	}
	return int64(len(resp.Body()))
}

// requestPath is swob's req.path: the path without the query, percent-decoded as the
// WSGI server does and quoted again with urllib's quote(path, safe='/').
func requestPath(ctx *fasthttp.RequestCtx) string {
	raw := ctx.URI().PathOriginal()
	if len(raw) == 0 {
		raw = ctx.Path()
	}
	return swiftQuote(percentDecode(string(raw)))
}

// percentDecode is urllib's unquote on bytes: every valid %XX becomes its byte and
// anything else is kept as it is.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, okHi := unhex(s[i+1])
			lo, okLo := unhex(s[i+2])
			if okHi && okLo {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// swiftQuote is urllib.parse.quote(s, safe='/'): letters, digits, "_.-~" and "/" stay,
// every other byte becomes %XX (upper-case hex).
func swiftQuote(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '_' || c == '.' || c == '-' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
