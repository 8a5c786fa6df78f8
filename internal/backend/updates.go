package backend

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// UpdateClient sends the updates one backend server owes another, as Swift's servers
// send them with bufferedhttp: an object server's container and expirer updates, a
// container server's account updates. Connections are kept alive per host; each
// update is bounded by conn_timeout to connect and node_timeout to be answered.
type UpdateClient struct {
	kind   Kind
	client *http.Client
}

// NewUpdateClient builds the client of a server of kind (it signs its User-Agent).
func NewUpdateClient(kind Kind, connTimeout, nodeTimeout time.Duration) *UpdateClient {
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: connTimeout}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
	return &UpdateClient{kind: kind, client: &http.Client{Transport: transport, Timeout: connTimeout + nodeTimeout}}
}

// Send sends method /device/partition/path... to host (ip:port) with headers and no
// body, and returns the status the server answered (0 and an error when there was no
// answer). The path's segments are quoted as Swift quotes them.
func (c *UpdateClient) Send(method, host string, segments []string, headers map[string]string) (int, error) {
	path := ""
	for _, s := range segments {
		path += "/" + s
	}
	req, err := http.NewRequest(method, "http://"+host+(&url.URL{Path: path}).EscapedPath(), nil)
	if err != nil {
		return 0, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", fmt.Sprintf("%s %d", c.kind, os.Getpid()))
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
