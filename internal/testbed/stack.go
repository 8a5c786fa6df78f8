package testbed

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// StackPorts are the ports of a scripts/run-stack stack. Tests never take run-stack's
// defaults (8080, 6200-6202): those belong to `make run`, which a newcomer may well
// have running while `make test` runs.
type StackPorts struct {
	Proxy, Object, Container, Account int
}

// FreeStackPorts picks four ports on 127.0.0.1 that nothing listens on, for a private
// stack.
func FreeStackPorts() (StackPorts, error) {
	ports, err := FreePorts(4)
	if err != nil {
		return StackPorts{}, err
	}
	return StackPorts{Proxy: ports[0], Object: ports[1], Container: ports[2], Account: ports[3]}, nil
}

// Env is what scripts/run-stack is started with to serve on these ports.
func (p StackPorts) Env() []string {
	return []string{
		"RUN_STACK_PROXY_PORT=" + strconv.Itoa(p.Proxy),
		"RUN_STACK_OBJECT_PORT=" + strconv.Itoa(p.Object),
		"RUN_STACK_CONTAINER_PORT=" + strconv.Itoa(p.Container),
		"RUN_STACK_ACCOUNT_PORT=" + strconv.Itoa(p.Account),
	}
}

// ProxyURL is the stack's Swift proxy, http://127.0.0.1:PORT.
func (p StackPorts) ProxyURL() string { return fmt.Sprintf("http://127.0.0.1:%d", p.Proxy) }

// AuthURL is the proxy's tempauth v1.0 endpoint (the swift CLI's ST_AUTH).
func (p StackPorts) AuthURL() string { return p.ProxyURL() + "/auth/v1.0" }

// FreePorts picks n ports on 127.0.0.1 that nothing listens on, below the kernel's
// ephemeral range (32768 and up) so that no outgoing connection takes one meanwhile,
// and in a stretch of its own per process so that test binaries running at once
// rarely try the same ones.
func FreePorts(n int) ([]int, error) {
	var ports []int
	for port := 21000 + os.Getpid()%5000; len(ports) < n && port < 32700; port += 7 {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		l.Close()
		ports = append(ports, port)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("found only %d free ports of %d", len(ports), n)
	}
	return ports, nil
}
