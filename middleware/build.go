package middleware

import (
	"errors"
	"fmt"
	"strings"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"
)

// Deps are what the filters need beyond their settings.
type Deps struct {
	Logger *zap.Logger // access_log writes here; recon logs its errors here
	Recon  ReconSource // recon's source, and metrics' gauges
}

// filterKinds maps the entry point of a filter's "use = egg:swift#NAME" (or
// egg:radosswift#NAME) to its constructor.
var filterKinds = map[string]func(name string, settings map[string]string, deps Deps) (Middleware, error){
	"healthcheck": func(_ string, settings map[string]string, _ Deps) (Middleware, error) {
		return Healthcheck(settings), nil
	},
	"recon": func(name string, settings map[string]string, deps Deps) (Middleware, error) {
		if deps.Recon == nil {
			return nil, fmt.Errorf("filter %q: recon needs a ReconSource", name)
		}
		return newRecon(settings, deps.Recon, reconOptions{logger: deps.Logger}), nil
	},
	"access_log": func(name string, settings map[string]string, deps Deps) (Middleware, error) {
		if deps.Logger == nil {
			return nil, fmt.Errorf("filter %q: access_log needs a logger", name)
		}
		mw, err := newAccessLog(deps.Logger, settings)
		if err != nil {
			return nil, fmt.Errorf("filter %q: %w", name, err)
		}
		return mw, nil
	},
	"metrics": func(_ string, settings map[string]string, deps Deps) (Middleware, error) {
		var src MetricsSource
		if deps.Recon != nil {
			src = deps.Recon
		}
		return Metrics(settings, src), nil
	},
}

// Build composes the filters of a [pipeline:main] line: every name but the last (the
// app, object-server) is a filter whose [filter:NAME] section, as sections("filter:NAME")
// returns it, names its kind with use = egg:swift#healthcheck, egg:swift#recon,
// egg:radosswift#access_log or egg:radosswift#metrics (either egg for any of them).
// The first filter sees a request first. Every problem is an error naming the filter.
func Build(pipeline []string, sections func(name string) map[string]string, deps Deps) (func(fasthttp.RequestHandler) fasthttp.RequestHandler, error) {
	if len(pipeline) == 0 {
		return nil, errors.New("pipeline: empty (want filters, then object-server)")
	}
	filters := pipeline[:len(pipeline)-1]
	chain := make([]Middleware, 0, len(filters))
	for _, name := range filters {
		settings := sections("filter:" + name)
		use := strings.TrimSpace(settings["use"])
		if use == "" {
			return nil, fmt.Errorf("filter %q: no use = in [filter:%s]", name, name)
		}
		kind, ok := filterKind(use)
		if !ok {
			return nil, fmt.Errorf("filter %q: unknown use = %q (want egg:swift#healthcheck, egg:swift#recon, egg:radosswift#access_log or egg:radosswift#metrics)", name, use)
		}
		mw, err := filterKinds[kind](name, settings, deps)
		if err != nil {
			return nil, err
		}
		chain = append(chain, mw)
	}
	return func(app fasthttp.RequestHandler) fasthttp.RequestHandler {
		h := app
		for i := len(chain) - 1; i >= 0; i-- {
			h = chain[i](h)
		}
		return h
	}, nil
}

// filterKind reads "egg:swift#NAME" or "egg:radosswift#NAME".
func filterKind(use string) (string, bool) {
	for _, egg := range []string{"egg:swift#", "egg:radosswift#"} {
		if kind, ok := strings.CutPrefix(use, egg); ok {
			_, known := filterKinds[kind]
			return kind, known
		}
	}
	return "", false
}
