package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// swiftAPI speaks the Swift API through the proxy with a tempauth token.
type swiftAPI struct {
	t       *testing.T
	storage string
	token   string
}

func newSwiftAPI(t *testing.T) *swiftAPI {
	req, err := http.NewRequest("GET", ports.AuthURL(), nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-User", "test:tester")
	req.Header.Set("X-Auth-Key", "testing")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	return &swiftAPI{t: t, storage: resp.Header.Get("X-Storage-Url"), token: resp.Header.Get("X-Auth-Token")}
}

func (s *swiftAPI) do(method, path, body string, headers map[string]string) (int, http.Header, string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.storage+path, strings.NewReader(body))
	require.NoError(s.t, err)
	req.Header.Set("X-Auth-Token", s.token)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, resp.Header, string(data)
}

// Swift's object versioning keeps old versions in a hidden container whose name starts
// with NUL (the reserved namespace): the container and account servers must store such
// names and list them only to the proxy's versioning middleware.
func TestObjectVersioningKeepsEveryVersionInAHiddenContainer(t *testing.T) {
	api := newSwiftAPI(t)
	c := fmt.Sprintf("/versioned-%d", time.Now().UnixNano())
	status, _, body := api.do("PUT", c, "", map[string]string{"X-Versions-Enabled": "true"})
	require.Equal(t, 201, status, body)

	var versionIDs []string
	for _, content := range []string{"first", "second"} {
		status, h, body := api.do("PUT", c+"/doc", content, nil)
		require.Equal(t, 201, status, body)
		versionIDs = append(versionIDs, h.Get("X-Object-Version-Id"))
	}
	require.NotEmpty(t, versionIDs[0])
	status, _, body = api.do("GET", c+"/doc", "", nil)
	require.Equal(t, 200, status)
	require.Equal(t, "second", body)
	status, _, body = api.do("GET", c+"/doc?version-id="+versionIDs[0], "", nil)
	require.Equal(t, 200, status)
	require.Equal(t, "first", body)

	status, _, body = api.do("GET", c+"?versions&format=json", "", nil)
	require.Equal(t, 200, status, body)
	var versions []struct {
		Name      string `json:"name"`
		VersionID string `json:"version_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &versions))
	require.Len(t, versions, 2, body)

	// The user's account listing shows the container, never its hidden twin.
	status, _, body = api.do("GET", "?format=json", "", nil)
	require.Equal(t, 200, status)
	require.Contains(t, body, `"name": "`+c[1:]+`"`)
	require.NotContains(t, body, `\u0000`)

	status, _, _ = api.do("DELETE", c+"/doc", "", nil)
	require.Equal(t, 204, status)
	status, _, _ = api.do("GET", c+"/doc", "", nil)
	require.Equal(t, 404, status)
	status, _, body = api.do("GET", c+"/doc?version-id="+versionIDs[1], "", nil)
	require.Equal(t, 200, status)
	require.Equal(t, "second", body)
}
