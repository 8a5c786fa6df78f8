package middleware

import (
	"strings"
	"testing"

	"github.com/radosswift/radosswift/internal/config"
)

// sectionsOf serves filter sections from a map, as a config file would.
func sectionsOf(filters map[string]map[string]string) func(string) config.Section {
	return func(name string) config.Section {
		return config.SectionOf(name, filters[strings.TrimPrefix(name, "filter:")])
	}
}

var sampleFilters = map[string]map[string]string{
	"healthcheck": {"use": "egg:swift#healthcheck"},
	"recon":       {"use": "egg:swift#recon", "recon_cache_path": "/var/cache/swift"},
	"access_log":  {"use": "egg:radosswift#access_log", "access_log_level": "INFO"},
	"metrics":     {"use": "egg:radosswift#metrics"},
}

func TestBuildComposesThePipelinesFilters(t *testing.T) {
	logger, logs := observed()
	src := newTestSource(t)
	wrap, err := Build(strings.Fields("healthcheck recon access_log metrics object-server"),
		sectionsOf(sampleFilters), Deps{Logger: logger, Recon: src})
	if err != nil {
		t.Fatal(err)
	}
	next := &app{}
	h := wrap(next.handle)

	if ctx := do(h, "GET", "/healthcheck"); string(ctx.Response.Body()) != "OK" {
		t.Errorf("/healthcheck = %q", ctx.Response.Body())
	}
	if got := reconObject(t, h, "/recon/version"); got["version"] != "2.30.1" {
		t.Errorf("/recon/version = %v", got)
	}
	if ctx := do(h, "GET", "/sda1/1/a/c/o"); string(ctx.Response.Body()) != "app" || next.calls != 1 {
		t.Errorf("object request answered %q, app ran %d times", ctx.Response.Body(), next.calls)
	}
	e := parseExposition(t, string(do(h, "GET", "/metrics").Response.Body()))
	if e.samples[`radosswift_object_requests_total{method="GET",status="2xx"}`] != 1 {
		t.Errorf("metrics (after healthcheck and recon) counted %v GETs, want the object GET only", e.samples)
	}
	if e.samples["radosswift_object_async_pending"] != 7 {
		t.Errorf("metrics gauges do not come from the recon source")
	}
	// access_log sits after healthcheck and recon: it logged the object GET and the
	// scrape (metrics comes after it), not /healthcheck or /recon.
	var paths []string
	for _, entry := range logs.TakeAll() {
		paths = append(paths, entry.ContextMap()["path"].(string))
	}
	if strings.Join(paths, " ") != "/sda1/1/a/c/o /metrics" {
		t.Errorf("access log paths = %v", paths)
	}
}

func TestBuildPutsTheFirstFilterOutermost(t *testing.T) {
	logger, logs := observed()
	wrap, err := Build([]string{"access_log", "healthcheck", "object-server"}, sectionsOf(sampleFilters), Deps{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	do(wrap((&app{}).handle), "GET", "/healthcheck")
	if entry := onlyEntry(t, logs); !strings.Contains(entry.Message, `"GET /healthcheck" 200 2 `) {
		t.Errorf("access_log before healthcheck logged %q", entry.Message)
	}
}

func TestBuildAcceptsEitherEgg(t *testing.T) {
	filters := map[string]map[string]string{
		"hc":  {"use": "egg:radosswift#healthcheck"},
		"rc":  {"use": " egg:radosswift#recon "},
		"log": {"use": "egg:swift#access_log"},
		"mx":  {"use": "egg:swift#metrics"},
	}
	logger, _ := observed()
	wrap, err := Build([]string{"hc", "rc", "log", "mx", "object-server"}, sectionsOf(filters),
		Deps{Logger: logger, Recon: newTestSource(t)})
	if err != nil {
		t.Fatal(err)
	}
	if ctx := do(wrap((&app{}).handle), "GET", "/healthcheck"); string(ctx.Response.Body()) != "OK" {
		t.Errorf("/healthcheck = %q", ctx.Response.Body())
	}
}

func TestBuildOfJustTheAppLeavesItAlone(t *testing.T) {
	wrap, err := Build([]string{"object-server"}, sectionsOf(nil), Deps{})
	if err != nil {
		t.Fatal(err)
	}
	next := &app{}
	do(wrap(next.handle), "GET", "/healthcheck")
	if next.calls != 1 {
		t.Errorf("the app ran %d times, want 1", next.calls)
	}
}

func TestBuildReportsWhatIsWrongAndWhichFilter(t *testing.T) {
	logger, _ := observed()
	full := Deps{Logger: logger, Recon: newTestSource(t)}
	filters := map[string]map[string]string{
		"proxy-logging": {"use": "egg:swift#proxy_logging"},
		"mystery":       {"use": "egg:other#healthcheck"},
		"nouse":         {"disable_path": "/x"},
		"recon":         {"use": "egg:swift#recon"},
		"access_log":    {"use": "egg:radosswift#access_log"},
		"loud":          {"use": "egg:radosswift#access_log", "access_log_level": "LOUD"},
	}
	for _, tc := range []struct {
		pipeline string
		deps     Deps
		want     []string
	}{
		{"proxy-logging object-server", full, []string{`"proxy-logging"`, "egg:swift#proxy_logging"}},
		{"mystery object-server", full, []string{`"mystery"`, "egg:other#healthcheck"}},
		{"nouse object-server", full, []string{`"nouse"`, "[filter:nouse]"}},
		{"missing object-server", full, []string{`"missing"`, "[filter:missing]"}},
		{"recon object-server", Deps{Logger: logger}, []string{`"recon"`, "ReconSource"}},
		{"access_log object-server", Deps{Recon: full.Recon}, []string{`"access_log"`, "logger"}},
		{"loud object-server", full, []string{`"loud"`, "LOUD"}},
		{"", full, []string{"empty"}},
	} {
		wrap, err := Build(strings.Fields(tc.pipeline), sectionsOf(filters), tc.deps)
		if err == nil || wrap != nil {
			t.Errorf("Build(%q) = no error", tc.pipeline)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Build(%q) error %q does not mention %s", tc.pipeline, err, want)
			}
		}
	}
}
