package middleware

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// exposition is a parsed Prometheus text exposition: sample values by
// `name{labels}` as written, and each family's TYPE.
type exposition struct {
	samples map[string]float64
	types   map[string]string
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$`)
	typeLine   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$`)
	helpLine   = regexp.MustCompile(`^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$`)
)

// parseExposition checks the text format 0.0.4 line by line: every sample belongs to
// a family declared by an earlier TYPE, no series is repeated, and values are numbers.
func parseExposition(t *testing.T, text string) exposition {
	t.Helper()
	e := exposition{samples: map[string]float64{}, types: map[string]string{}}
	scanner := bufio.NewScanner(strings.NewReader(text))
	for scanner.Scan() {
		line := scanner.Text()
		if m := typeLine.FindStringSubmatch(line); m != nil {
			if _, dup := e.types[m[1]]; dup {
				t.Errorf("TYPE of %s declared twice", m[1])
			}
			e.types[m[1]] = m[2]
			continue
		}
		if helpLine.MatchString(line) {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not a sample line: %q", line)
			continue
		}
		family := m[1]
		if e.types[family] == "" {
			family = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(family, "_bucket"), "_sum"), "_count")
			if e.types[family] != "histogram" {
				t.Errorf("sample %q has no TYPE before it", line)
			}
		}
		value, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Errorf("sample %q: %v", line, err)
		}
		key := m[1] + m[2]
		if _, dup := e.samples[key]; dup {
			t.Errorf("series %s repeated", key)
		}
		e.samples[key] = value
	}
	if !strings.HasSuffix(text, "\n") {
		t.Errorf("exposition does not end with a newline")
	}
	return e
}

func scrape(t *testing.T, h fasthttp.RequestHandler) exposition {
	t.Helper()
	ctx := do(h, "GET", "/metrics")
	if ctx.Response.StatusCode() != 200 {
		t.Fatalf("GET /metrics = %d", ctx.Response.StatusCode())
	}
	if ct := string(ctx.Response.Header.ContentType()); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	return parseExposition(t, string(ctx.Response.Body()))
}

// objectApp answers like an object server: GET 200 with a 5-byte body, PUT 201,
// DELETE 404, anything else 405.
func objectApp(ctx *fasthttp.RequestCtx) {
	switch string(ctx.Method()) {
	case "GET":
		ctx.SetBodyString("hello")
	case "PUT":
		ctx.SetStatusCode(201)
	case "DELETE":
		ctx.SetStatusCode(404)
		ctx.SetBodyString("Not Found")
	default:
		ctx.SetStatusCode(405)
	}
}

func TestMetricsCountRequestsByMethodAndStatusClass(t *testing.T) {
	h := Metrics(nil, ObjectServer, nil)(objectApp)
	do(h, "GET", "/sda1/1/a/c/o")
	do(h, "GET", "/sda1/1/a/c/o")
	do(h, "PUT", "/sda1/1/a/c/o", func(r *fasthttp.Request) { r.SetBodyString("0123456789") })
	do(h, "DELETE", "/sda1/1/a/c/o")
	do(h, "BREW", "/sda1/1/a/c/o")

	e := scrape(t, h)
	for series, want := range map[string]float64{
		`radosswift_object_requests_total{method="GET",status="2xx"}`:               2,
		`radosswift_object_requests_total{method="PUT",status="2xx"}`:               1,
		`radosswift_object_requests_total{method="DELETE",status="4xx"}`:            1,
		`radosswift_object_requests_total{method="OTHER",status="4xx"}`:             1,
		`radosswift_object_received_bytes_total{method="PUT"}`:                      10,
		`radosswift_object_received_bytes_total{method="GET"}`:                      0,
		`radosswift_object_sent_bytes_total{method="GET"}`:                          10,
		`radosswift_object_sent_bytes_total{method="DELETE"}`:                       9,
		`radosswift_object_request_duration_seconds_count{method="GET"}`:            2,
		`radosswift_object_request_duration_seconds_bucket{method="GET",le="+Inf"}`: 2,
	} {
		if got, ok := e.samples[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if _, ok := e.samples[`radosswift_object_requests_total{method="HEAD",status="2xx"}`]; ok {
		t.Errorf("a series for a method never seen")
	}
	for family, kind := range map[string]string{
		"radosswift_object_requests_total": "counter", "radosswift_object_request_duration_seconds": "histogram",
		"radosswift_object_received_bytes_total": "counter", "radosswift_object_sent_bytes_total": "counter",
	} {
		if e.types[family] != kind {
			t.Errorf("TYPE %s = %q, want %s", family, e.types[family], kind)
		}
	}
	if _, ok := e.types["radosswift_object_async_pending"]; ok {
		t.Errorf("gauges without a source")
	}

	do(h, "GET", "/sda1/1/a/c/o")
	again := scrape(t, h)
	if got := again.samples[`radosswift_object_requests_total{method="GET",status="2xx"}`]; got != 3 {
		t.Errorf("GET count after one more = %v, want 3", got)
	}
	if got := again.samples[`radosswift_object_sent_bytes_total{method="GET"}`]; got != 15 {
		t.Errorf("GET bytes after one more = %v, want 15", got)
	}
}

func TestMetricsHistogramBucketsAreCumulative(t *testing.T) {
	h := Metrics(nil, ObjectServer, nil)(objectApp)
	for i := 0; i < 4; i++ {
		do(h, "GET", "/sda1/1/a/c/o")
	}
	e := scrape(t, h)
	previous := 0.0
	for _, bound := range latencyBuckets {
		series := `radosswift_object_request_duration_seconds_bucket{method="GET",le="` + formatFloat(bound) + `"}`
		got, ok := e.samples[series]
		if !ok || got < previous {
			t.Fatalf("%s = %v (present %v), want at least %v", series, got, ok, previous)
		}
		previous = got
	}
	if e.samples[`radosswift_object_request_duration_seconds_bucket{method="GET",le="60"}`] != 4 {
		t.Errorf("requests of a few microseconds are not all under 60 s")
	}
	if sum := e.samples[`radosswift_object_request_duration_seconds_sum{method="GET"}`]; sum <= 0 || sum > 60 {
		t.Errorf("duration sum = %v", sum)
	}
}

func TestMetricsCountDeclaredLengthsOfStreamsAndNothingForHEAD(t *testing.T) {
	h := Metrics(nil, ObjectServer, nil)(func(ctx *fasthttp.RequestCtx) {
		if ctx.IsHead() {
			ctx.Response.Header.SetContentLength(4096)
			ctx.Response.SkipBody = true
			return
		}
		ctx.SetBodyStream(strings.NewReader(strings.Repeat("x", 1000)), 1000)
	})
	do(h, "GET", "/sda1/1/a/c/o")
	do(h, "HEAD", "/sda1/1/a/c/o")
	e := scrape(t, h)
	if got := e.samples[`radosswift_object_sent_bytes_total{method="GET"}`]; got != 1000 {
		t.Errorf("GET bytes = %v, want the declared 1000", got)
	}
	if got := e.samples[`radosswift_object_sent_bytes_total{method="HEAD"}`]; got != 0 {
		t.Errorf("HEAD bytes = %v, want 0", got)
	}
}

func TestMetricsReportTheSourcesGauges(t *testing.T) {
	src := &fakeSource{asyncPending: 7, quarantined: map[int]int{1: 2, 0: 3}}
	e := scrape(t, Metrics(nil, ObjectServer, src)(objectApp))
	for series, want := range map[string]float64{
		`radosswift_object_async_pending`:                   7,
		`radosswift_object_quarantined_objects{policy="0"}`: 3,
		`radosswift_object_quarantined_objects{policy="1"}`: 2,
		`radosswift_object_metrics_source_errors_total`:     0,
	} {
		if got, ok := e.samples[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if e.types["radosswift_object_async_pending"] != "gauge" || e.types["radosswift_object_quarantined_objects"] != "gauge" {
		t.Errorf("types = %v", e.types)
	}
}

func TestMetricsLeaveOutGaugesTheSourceCannotCount(t *testing.T) {
	src := &fakeSource{asyncErr: errBackend, quarantineErr: errBackend}
	h := Metrics(nil, ObjectServer, src)(objectApp)
	scrape(t, h)
	e := scrape(t, h)
	if _, ok := e.samples["radosswift_object_async_pending"]; ok {
		t.Errorf("async pending reported after a failed count")
	}
	if got := e.samples["radosswift_object_metrics_source_errors_total"]; got != 4 {
		t.Errorf("source errors after two failing scrapes = %v, want 4", got)
	}
}

func TestMetricsPassOtherPathsToNextAndDoNotCountScrapes(t *testing.T) {
	next := &app{}
	h := Metrics(map[string]string{"metrics_path": "/_metrics"}, ObjectServer, nil)(next.handle)
	if ctx := do(h, "GET", "/metrics"); string(ctx.Response.Body()) != "app" {
		t.Errorf("GET /metrics with metrics_path = /_metrics was not passed on")
	}
	first := scrape2(t, h, "/_metrics")
	second := scrape2(t, h, "/_metrics")
	if first != 1 || second != 1 {
		t.Errorf("GET counts %v then %v, want 1 and 1 (scrapes are not counted)", first, second)
	}
}

func scrape2(t *testing.T, h fasthttp.RequestHandler, path string) float64 {
	ctx := do(h, "GET", path)
	e := parseExposition(t, string(ctx.Response.Body()))
	return e.samples[`radosswift_object_requests_total{method="GET",status="2xx"}`]
}

func TestMetricsServeTheExpositionOverHTTP(t *testing.T) {
	client := serveInMemory(t, Metrics(nil, ObjectServer, &fakeSource{asyncPending: 1})(objectApp))
	get(t, client, "GET", "/sda1/1/a/c/o")
	status, body := get(t, client, "GET", "/metrics")
	if status != 200 {
		t.Fatalf("GET /metrics = %d", status)
	}
	e := parseExposition(t, body)
	if e.samples[`radosswift_object_requests_total{method="GET",status="2xx"}`] != 1 || e.samples["radosswift_object_async_pending"] != 1 {
		t.Errorf("exposition over HTTP:\n%s", body)
	}
}

func TestMetricsCountStreamedUploadsOverHTTP(t *testing.T) {
	client := serveInMemory(t, Metrics(nil, ObjectServer, nil)(func(ctx *fasthttp.RequestCtx) {
		n, err := io.Copy(io.Discard, ctx.RequestBodyStream())
		if err != nil || n != 100000 {
			ctx.SetStatusCode(499)
			return
		}
		ctx.SetStatusCode(201)
	}))
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod("PUT")
	req.SetRequestURI("http://object-server/sda1/1/a/c/o")
	req.SetBodyString(strings.Repeat("x", 100000))
	if err := client.Do(req, resp); err != nil || resp.StatusCode() != 201 {
		t.Fatalf("PUT = %d, %v", resp.StatusCode(), err)
	}
	status, body := get(t, client, "GET", "/metrics")
	e := parseExposition(t, body)
	if status != 200 || e.samples[`radosswift_object_received_bytes_total{method="PUT"}`] != 100000 {
		t.Errorf("after a 100000-byte upload:\n%s", body)
	}
}

func TestMetricsOfContainerAndAccountServersCarryTheirOwnNames(t *testing.T) {
	for _, serverType := range []ServerKind{ContainerServer, AccountServer} {
		src := &fakeSource{asyncPending: 7}
		h := Metrics(nil, serverType, src)(objectApp)
		e := scrape(t, h) // the first scrape counts nothing: scrapes are not requests
		e = scrape(t, h)
		if e.types["radosswift_"+string(serverType)+"_requests_total"] != "counter" {
			t.Errorf("%s: types = %v", serverType, e.types)
		}
		for series := range e.types {
			if !strings.HasPrefix(series, "radosswift_"+string(serverType)+"_") {
				t.Errorf("%s server exposes %s", serverType, series)
			}
		}
		if _, ok := e.types["radosswift_"+string(serverType)+"_async_pending"]; ok || src.asyncCalls != 0 {
			t.Errorf("%s server reports the object server's async-pending gauge", serverType)
		}
	}
}
