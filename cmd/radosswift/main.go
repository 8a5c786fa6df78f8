// Command radosswift is the one binary of the product: every server and tool is a
// subcommand, so a node installs one file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// command is one subcommand; run gets the arguments after its name.
type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{
	"version":           {"print the version and exit", runVersion},
	"probe":             {"prove this node can use its pool: one write op and one read op as the servers' user", runProbe},
	"object-server":     {"serve Swift's backend object protocol (-c object-server.conf)", runObjectServer},
	"object-updater":    {"deliver queued container updates (-c object-server.conf [--once])", runObjectUpdater},
	"container-server":  {"serve Swift's backend container protocol (-c container-server.conf)", runContainerServer},
	"account-server":    {"serve Swift's backend account protocol (-c account-server.conf)", runAccountServer},
	"container-updater": {"report changed containers to their account servers (-c container-server.conf [--once | --interval D])", runContainerUpdater},
	"gc":                {"reclaim superseded and abandoned object data and old tombstones (-c object-server.conf)", runGC},
	"bench":             {"benchmark the object server, the proxy, raw librados and stock Swift: PUT/GET/HEAD/DELETE/mixed over sizes and concurrency", runBench},
	"bench-engine":      {"benchmark the RADOS engine against raw go-ceph (small-object PUT/GET), or its memory with --large SIZE", runBenchEngine},
}

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	name := os.Args[1]
	switch name {
	case "-h", "--help", "help":
		usage(os.Stdout)
		return
	case "--version", "-v":
		name = "version"
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "radosswift: unknown command %q\n\n", name)
		usage(os.Stderr)
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "radosswift %s: %v\n", name, err)
		os.Exit(1)
	}
}

func usage(w *os.File) {
	fmt.Fprintln(w, "radosswift: OpenStack Swift storage nodes whose data lives in Ceph RADOS.")
	fmt.Fprintln(w, "\nUsage: radosswift COMMAND [options]   (radosswift COMMAND --help for its options)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	width := 0
	for _, name := range names {
		width = max(width, len(name))
	}
	for _, name := range names {
		fmt.Fprintf(w, "  %s%s  %s\n", name, strings.Repeat(" ", width-len(name)), commands[name].summary)
	}
}
