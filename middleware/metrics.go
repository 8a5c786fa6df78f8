package middleware

import (
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/internal/config"
)

// metricsSettings are the keys of a [filter:...] with use = egg:radosswift#metrics.
type metricsSettings struct{ Path string }

func (s *metricsSettings) keys() []config.Key {
	return []config.Key{config.String("metrics_path", &s.Path, "/metrics", "the path of the Prometheus exposition")}
}

// MetricsSource supplies the gauges of /metrics; a ReconSource is one.
type MetricsSource interface {
	AsyncPending() (int, error)
	Quarantined() (map[int]int, error)
}

// The metric families of /metrics, after the prefix radosswift_<server type>_ (object,
// container or account): each server's series are its own.
const (
	metricRequests     = "requests_total"
	metricDuration     = "request_duration_seconds"
	metricBytesIn      = "received_bytes_total"
	metricBytesOut     = "sent_bytes_total"
	metricAsyncPending = "async_pending"
	metricQuarantined  = "quarantined_objects"
	metricSourceErrors = "metrics_source_errors_total"
)

// metricMethods are the method label values; any other method counts as OTHER, so a
// client cannot grow the label set.
var metricMethods = [...]string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "REPLICATE", "SSYNC", "UPDATE", "OTHER"}

// latencyBuckets are the upper bounds, in seconds, of the request duration histogram.
var latencyBuckets = [...]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// statusClasses are the status label values: index status/100, "other" outside 1xx-5xx.
var statusClasses = [...]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// Metrics serves a Prometheus text exposition (format 0.0.4) at /metrics (setting
// metrics_path), any method, and counts every other request once next has answered:
//
//   - radosswift_object_requests_total{method,status}: requests by method and status
//     class ("2xx", "4xx", ...);
//   - radosswift_object_request_duration_seconds{method}: a histogram with fixed buckets;
//   - radosswift_object_received_bytes_total{method} and
//     radosswift_object_sent_bytes_total{method}: body bytes, as declared by
//     Content-Length for streamed bodies (0 for a HEAD's or a chunked stream's);
//   - radosswift_object_async_pending and
//     radosswift_object_quarantined_objects{policy}: gauges read from src at each scrape
//     (left out when src fails, counted in radosswift_object_metrics_source_errors_total).
//
// src may be nil: the gauges are then left out. A container or account server's
// series are radosswift_container_... or radosswift_account_..., without the
// async-pending and quarantine gauges, which are the object server's.
func Metrics(settings map[string]string, server ServerKind, src MetricsSource) Middleware {
	var ms metricsSettings
	_ = config.SectionOf("filter:metrics", settings).Decode(ms.keys()) // text only: nothing to refuse
	if server == "" {
		server = ObjectServer
	}
	m := &metrics{src: src, path: ms.Path, prefix: "radosswift_" + string(server) + "_"}
	if server != ObjectServer {
		m.src = nil
	}
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			if string(ctx.Path()) == m.path {
				m.serve(ctx)
				return
			}
			start := time.Now()
			next(ctx)
			m.observe(ctx, time.Since(start))
		}
	}
}

type metrics struct {
	src          MetricsSource
	path         string
	prefix       string // radosswift_<server type>_
	methods      [len(metricMethods)]methodMetrics
	sourceErrors atomic.Uint64
}

type methodMetrics struct {
	byStatus [len(statusClasses)]atomic.Uint64
	buckets  [len(latencyBuckets) + 1]atomic.Uint64 // not cumulative; the last is above every bound
	nanos    atomic.Int64
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
}

func methodIndex(method []byte) int {
	for i, m := range metricMethods[:len(metricMethods)-1] {
		if string(method) == m {
			return i
		}
	}
	return len(metricMethods) - 1
}

func statusIndex(status int) int {
	if class := status / 100; class >= 1 && class <= 5 {
		return class
	}
	return 0
}

func (m *metrics) observe(ctx *fasthttp.RequestCtx, elapsed time.Duration) {
	mm := &m.methods[methodIndex(ctx.Method())]
	mm.byStatus[statusIndex(ctx.Response.StatusCode())].Add(1)
	seconds := elapsed.Seconds()
	bucket := sort.SearchFloat64s(latencyBuckets[:], seconds) // first bound >= seconds
	mm.buckets[bucket].Add(1)
	mm.nanos.Add(elapsed.Nanoseconds())
	mm.bytesIn.Add(uint64(requestBodyLength(&ctx.Request)))
	mm.bytesOut.Add(uint64(responseBodyLength(ctx)))
}

// requestBodyLength is the size of a body that was read whole, or the declared
// Content-Length of a streamed one (0 for a chunked stream); a streamed body is never
// read here.
func requestBodyLength(req *fasthttp.Request) int64 {
	if req.IsBodyStream() {
		if n := req.Header.ContentLength(); n > 0 {
			return int64(n)
		}
		return 0
	}
	return int64(len(req.Body()))
}

// responseBodyLength is what is sent as the body: nothing for HEAD or a skipped body,
// the declared length of a stream (0 if unknown), else the body's size.
func responseBodyLength(ctx *fasthttp.RequestCtx) int64 {
	if ctx.IsHead() || ctx.Response.SkipBody {
		return 0
	}
	if n := responseContentLength(&ctx.Response); n > 0 {
		return n
	}
	return 0
}

func (m *metrics) serve(ctx *fasthttp.RequestCtx) {
	var b bytes.Buffer
	m.write(&b)
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	ctx.SetBody(b.Bytes())
}

// write renders the exposition; series of methods never seen are left out.
func (m *metrics) write(b *bytes.Buffer) {
	family(b, m.prefix+metricRequests, "counter", "Requests answered, by method and status class.")
	for i := range m.methods {
		for s := range statusClasses {
			if n := m.methods[i].byStatus[s].Load(); n > 0 {
				sample(b, m.prefix+metricRequests, labels("method", metricMethods[i], "status", statusClasses[s]), formatUint(n))
			}
		}
	}

	family(b, m.prefix+metricDuration, "histogram", "Time from request to response headers, by method.")
	for i := range m.methods {
		mm := &m.methods[i]
		var counts [len(latencyBuckets) + 1]uint64
		var total uint64
		for j := range counts {
			counts[j] = mm.buckets[j].Load()
			total += counts[j]
		}
		if total == 0 {
			continue
		}
		method := metricMethods[i]
		var cumulative uint64
		for j, bound := range latencyBuckets {
			cumulative += counts[j]
			sample(b, m.prefix+metricDuration+"_bucket", labels("method", method, "le", formatFloat(bound)), formatUint(cumulative))
		}
		sample(b, m.prefix+metricDuration+"_bucket", labels("method", method, "le", "+Inf"), formatUint(total))
		sample(b, m.prefix+metricDuration+"_sum", labels("method", method), formatFloat(float64(mm.nanos.Load())/1e9))
		sample(b, m.prefix+metricDuration+"_count", labels("method", method), formatUint(total))
	}

	family(b, m.prefix+metricBytesIn, "counter", "Request body bytes received, by method.")
	m.writePerMethod(b, m.prefix+metricBytesIn, func(mm *methodMetrics) uint64 { return mm.bytesIn.Load() })
	family(b, m.prefix+metricBytesOut, "counter", "Response body bytes sent, by method.")
	m.writePerMethod(b, m.prefix+metricBytesOut, func(mm *methodMetrics) uint64 { return mm.bytesOut.Load() })

	if m.src != nil {
		family(b, m.prefix+metricAsyncPending, "gauge", "Container updates waiting in the async-pending queue.")
		if n, err := m.src.AsyncPending(); err == nil {
			sample(b, m.prefix+metricAsyncPending, "", strconv.Itoa(n))
		} else {
			m.sourceErrors.Add(1)
		}
		family(b, m.prefix+metricQuarantined, "gauge", "Quarantined objects, by storage policy index.")
		if perPolicy, err := m.src.Quarantined(); err == nil {
			policies := make([]int, 0, len(perPolicy))
			for p := range perPolicy {
				policies = append(policies, p)
			}
			sort.Ints(policies)
			for _, p := range policies {
				sample(b, m.prefix+metricQuarantined, labels("policy", strconv.Itoa(p)), strconv.Itoa(perPolicy[p]))
			}
		} else {
			m.sourceErrors.Add(1)
		}
		family(b, m.prefix+metricSourceErrors, "counter", "Scrapes whose async-pending or quarantine count failed.")
		sample(b, m.prefix+metricSourceErrors, "", formatUint(m.sourceErrors.Load()))
	}
}

func (m *metrics) writePerMethod(b *bytes.Buffer, name string, value func(*methodMetrics) uint64) {
	for i := range m.methods {
		mm := &m.methods[i]
		seen := false
		for s := range statusClasses {
			seen = seen || mm.byStatus[s].Load() > 0
		}
		if seen {
			sample(b, name, labels("method", metricMethods[i]), formatUint(value(mm)))
		}
	}
}

func family(b *bytes.Buffer, name, kind, help string) {
	b.WriteString("# HELP " + name + " " + help + "\n")
	b.WriteString("# TYPE " + name + " " + kind + "\n")
}

func sample(b *bytes.Buffer, name, labels, value string) {
	b.WriteString(name)
	b.WriteString(labels)
	b.WriteByte(' ')
	b.WriteString(value)
	b.WriteByte('\n')
}

// labels renders {k1="v1",k2="v2"}; the values here never need escaping.
func labels(pairs ...string) string {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(pairs[i] + `="` + pairs[i+1] + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

func formatUint(n uint64) string   { return strconv.FormatUint(n, 10) }
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
