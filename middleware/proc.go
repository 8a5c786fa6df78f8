package middleware

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The /proc readers below parse exactly what Swift's recon middleware parses, and fail
// where it raises (its WSGI server then answers 500).

// loadAverage is recon's get_load: /proc/loadavg, in Swift's key order.
type loadAverage struct {
	OneMinute      float64 `json:"1m"`
	FiveMinutes    float64 `json:"5m"`
	FifteenMinutes float64 `json:"15m"`
	Tasks          string  `json:"tasks"`
	Processes      int64   `json:"processes"`
}

func readLoadAverage(procRoot string) (loadAverage, error) {
	data, err := os.ReadFile(filepath.Join(procRoot, "loadavg"))
	if err != nil {
		return loadAverage{}, err
	}
	fields := strings.Fields(string(data))
	if len(fields) != 5 {
		return loadAverage{}, fmt.Errorf("loadavg: want 5 fields, got %q", strings.TrimSpace(string(data)))
	}
	var load loadAverage
	var errs [4]error
	load.OneMinute, errs[0] = strconv.ParseFloat(fields[0], 64)
	load.FiveMinutes, errs[1] = strconv.ParseFloat(fields[1], 64)
	load.FifteenMinutes, errs[2] = strconv.ParseFloat(fields[2], 64)
	load.Tasks = fields[3]
	load.Processes, errs[3] = strconv.ParseInt(fields[4], 10, 64)
	if err := errors.Join(errs[:]...); err != nil {
		return loadAverage{}, fmt.Errorf("loadavg: %w", err)
	}
	return load, nil
}

// readMemInfo is recon's get_mem: every /proc/meminfo line as "Name": "value unit".
func readMemInfo(procRoot string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(procRoot, "meminfo"))
	if err != nil {
		return nil, err
	}
	info := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			continue
		}
		parts := strings.Split(line, ":")
		if len(parts) < 2 {
			return nil, fmt.Errorf("meminfo: no colon in %q", line)
		}
		info[parts[0]] = strings.TrimSpace(parts[1])
	}
	return info, nil
}

// readSocketStats is recon's get_socket_info: the TCP line of /proc/net/sockstat
// (tcp_in_use, orphan, time_wait, tcp_mem_allocated_bytes = pages × page size) and
// tcp6_in_use from /proc/net/sockstat6; a missing file contributes nothing.
func readSocketStats(procRoot string, pageSize int64) (map[string]int64, error) {
	stats := map[string]int64{}
	err := eachLine(filepath.Join(procRoot, "net", "sockstat"), func(line string) error {
		if !strings.HasPrefix(line, "TCP: inuse") {
			return nil
		}
		f := strings.Fields(line)
		if len(f) < 11 {
			return fmt.Errorf("sockstat: short TCP line %q", line)
		}
		keys := []struct {
			name  string
			field int
		}{{"tcp_in_use", 2}, {"orphan", 4}, {"time_wait", 6}, {"tcp_mem_allocated_bytes", 10}}
		for _, k := range keys {
			n, err := strconv.ParseInt(f[k.field], 10, 64)
			if err != nil {
				return fmt.Errorf("sockstat: %w", err)
			}
			stats[k.name] = n
		}
		stats["tcp_mem_allocated_bytes"] *= pageSize
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	err = eachLine(filepath.Join(procRoot, "net", "sockstat6"), func(line string) error {
		if !strings.HasPrefix(line, "TCP6: inuse") {
			return nil
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return fmt.Errorf("sockstat6: short TCP6 line %q", line)
		}
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return fmt.Errorf("sockstat6: %w", err)
		}
		stats["tcp6_in_use"] = n
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return stats, nil
}

// mount is one entry of recon's get_mounted.
type mount struct {
	Device string `json:"device"`
	Path   string `json:"path"`
}

// readMounts is recon's get_mounted: device and mount point of every /proc/mounts line.
func readMounts(procRoot string) ([]mount, error) {
	mounts := []mount{}
	err := eachLine(filepath.Join(procRoot, "mounts"), func(line string) error {
		f := strings.Fields(line)
		if len(f) == 0 {
			return nil
		}
		if len(f) != 6 {
			return fmt.Errorf("mounts: want 6 fields in %q", line)
		}
		mounts = append(mounts, mount{Device: f[0], Path: f[1]})
		return nil
	})
	return mounts, err
}

func eachLine(path string, fn func(line string) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		if err := fn(scanner.Text()); err != nil {
			return err
		}
	}
	return scanner.Err()
}
