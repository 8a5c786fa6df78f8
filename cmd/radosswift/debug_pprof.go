package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"

	"go.uber.org/zap"
)

// startDebugPprof serves Go's profiler (net/http/pprof) on addr when the config names one
// (debug_pprof_addr = 127.0.0.1:6060): CPU and allocation profiles of a server under real
// load are how its hot path is measured. It refuses non-loopback addresses, since the
// profiler shows memory contents and has no authentication.
func startDebugPprof(addr string, log *zap.Logger) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("debug_pprof_addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("debug_pprof_addr %q: only a loopback address is allowed", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("debug_pprof_addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { _ = http.Serve(ln, mux) }()
	log.Info("profiler listening", zap.String("addr", ln.Addr().String()))
	return nil
}
