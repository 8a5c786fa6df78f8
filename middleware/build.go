package middleware

import (
	"errors"
	"fmt"
	"strings"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"

	"github.com/radosswift/radosswift/internal/config"
)

// ServerKind is which backend server a pipeline serves.
type ServerKind string

const (
	ObjectServer    ServerKind = "object"
	ContainerServer ServerKind = "container"
	AccountServer   ServerKind = "account"
)

// Deps are what the filters need beyond their settings.
type Deps struct {
	Server ServerKind  // names metrics' series and recon's updater; "" is ObjectServer
	Logger *zap.Logger // access_log writes here; recon logs its errors here
	Recon  ReconSource // recon's source, and metrics' gauges (object server only)
}

// filter is one kind of filter: its key table (fresh destinations at each call, for
// checks and docs) and its constructor from settings the table has validated.
type filter struct {
	keys  func() []config.Key
	build func(settings map[string]string, deps Deps) (Middleware, error)
}

// filterKinds maps the entry point of a filter's "use = egg:swift#NAME" (or
// egg:radosswift#NAME) to its kind.
var filterKinds = map[string]filter{
	"healthcheck": {
		keys:  func() []config.Key { return new(healthcheckSettings).keys() },
		build: func(settings map[string]string, _ Deps) (Middleware, error) { return Healthcheck(settings), nil },
	},
	"recon": {
		keys: func() []config.Key { return new(reconSettings).keys() },
		build: func(settings map[string]string, deps Deps) (Middleware, error) {
			if deps.Recon == nil {
				return nil, errors.New("recon needs a ReconSource")
			}
			return newRecon(settings, deps.Recon, reconOptions{logger: deps.Logger, server: deps.Server}), nil
		},
	},
	"access_log": {
		keys: func() []config.Key { return new(accessLogSettings).keys() },
		build: func(settings map[string]string, deps Deps) (Middleware, error) {
			if deps.Logger == nil {
				return nil, errors.New("access_log needs a logger")
			}
			return AccessLog(deps.Logger, settings), nil
		},
	},
	"metrics": {
		keys: func() []config.Key { return new(metricsSettings).keys() },
		build: func(settings map[string]string, deps Deps) (Middleware, error) {
			var src MetricsSource
			if deps.Recon != nil {
				src = deps.Recon
			}
			return Metrics(settings, deps.Server, src), nil
		},
	},
}

// FilterKeys is the key table of a filter kind (healthcheck, recon, access_log,
// metrics), for the README and tests; ok is false for an unknown kind.
func FilterKeys(kind string) (keys []config.Key, ok bool) {
	f, ok := filterKinds[kind]
	if !ok {
		return nil, false
	}
	return f.keys(), true
}

// CheckFilter validates the section of the pipeline's filter name without building
// it: its use = and every key of its kind's table, all bad values at once.
func CheckFilter(name string, s config.Section) error {
	kind, err := kindOf(name, s)
	if err != nil {
		return err
	}
	return s.Decode(filterKinds[kind].keys())
}

func kindOf(name string, s config.Section) (string, error) {
	use := strings.TrimSpace(s.Values["use"])
	if use == "" {
		return "", fmt.Errorf("filter %q: no use = in [filter:%s]", name, name)
	}
	kind, ok := filterKind(use)
	if !ok {
		return "", fmt.Errorf("filter %q: unknown use = %q (want egg:swift#healthcheck, egg:swift#recon, egg:radosswift#access_log or egg:radosswift#metrics)", name, use)
	}
	return kind, nil
}

// Build composes the filters of a [pipeline:main] line: every name but the last (the
// app) is a filter whose [filter:NAME] section, as sections("filter:NAME") returns it,
// names its kind with use = egg:swift#healthcheck, egg:swift#recon,
// egg:radosswift#access_log or egg:radosswift#metrics (either egg for any of them).
// The first filter sees a request first. Every problem is an error naming the filter.
func Build(pipeline []string, sections func(name string) config.Section, deps Deps) (func(fasthttp.RequestHandler) fasthttp.RequestHandler, error) {
	if len(pipeline) == 0 {
		return nil, errors.New("pipeline: empty (want filters, then the app)")
	}
	if deps.Server == "" {
		deps.Server = ObjectServer
	}
	filters := pipeline[:len(pipeline)-1]
	chain := make([]Middleware, 0, len(filters))
	for _, name := range filters {
		s := sections("filter:" + name)
		kind, err := kindOf(name, s)
		if err != nil {
			return nil, err
		}
		if err := s.Decode(filterKinds[kind].keys()); err != nil {
			return nil, fmt.Errorf("filter %q: %w", name, err)
		}
		mw, err := filterKinds[kind].build(s.Values, deps)
		if err != nil {
			return nil, fmt.Errorf("filter %q: %w", name, err)
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
