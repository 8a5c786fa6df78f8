package middleware

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHealthcheckAnswersOK(t *testing.T) {
	next := &app{}
	h := Healthcheck(nil)(next.handle)
	for _, method := range []string{"GET", "HEAD", "POST"} {
		ctx := do(h, method, "/healthcheck")
		if ctx.Response.StatusCode() != 200 || string(ctx.Response.Body()) != "OK" {
			t.Errorf("%s /healthcheck = %d %q, want 200 OK", method, ctx.Response.StatusCode(), ctx.Response.Body())
		}
		if ct := string(ctx.Response.Header.ContentType()); ct != "text/plain" {
			t.Errorf("Content-Type = %q, want text/plain", ct)
		}
	}
	if next.calls != 0 {
		t.Errorf("next ran %d times for /healthcheck", next.calls)
	}
}

func TestHealthcheckAnswersDisabledWhileTheDisableFileExists(t *testing.T) {
	disable := filepath.Join(t.TempDir(), "disabled")
	h := Healthcheck(map[string]string{"disable_path": disable})((&app{}).handle)

	if ctx := do(h, "GET", "/healthcheck"); ctx.Response.StatusCode() != 200 {
		t.Fatalf("without the file: %d, want 200", ctx.Response.StatusCode())
	}
	if err := os.WriteFile(disable, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := do(h, "GET", "/healthcheck")
	if ctx.Response.StatusCode() != 503 || string(ctx.Response.Body()) != "DISABLED BY FILE" {
		t.Fatalf("with the file: %d %q, want 503 DISABLED BY FILE", ctx.Response.StatusCode(), ctx.Response.Body())
	}
	if err := os.Remove(disable); err != nil {
		t.Fatal(err)
	}
	if ctx := do(h, "GET", "/healthcheck"); ctx.Response.StatusCode() != 200 {
		t.Fatalf("after removing the file: %d, want 200", ctx.Response.StatusCode())
	}
}

func TestHealthcheckPassesOtherPathsToNext(t *testing.T) {
	next := &app{}
	h := Healthcheck(nil)(next.handle)
	for _, path := range []string{"/", "/healthcheck/", "/healthchecks", "/sda1/1/a/c/healthcheck"} {
		if ctx := do(h, "GET", path); string(ctx.Response.Body()) != "app" {
			t.Errorf("GET %s was answered %q, not by next", path, ctx.Response.Body())
		}
	}
	if next.calls != 4 {
		t.Errorf("next ran %d times, want 4", next.calls)
	}
}

func TestHealthcheckAnswersOverHTTP(t *testing.T) {
	disable := filepath.Join(t.TempDir(), "disabled")
	client := serveInMemory(t, Healthcheck(map[string]string{"disable_path": disable})((&app{}).handle))
	if status, body := get(t, client, "GET", "/healthcheck"); status != 200 || body != "OK" {
		t.Fatalf("GET /healthcheck = %d %q", status, body)
	}
	if err := os.WriteFile(disable, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, client, "GET", "/healthcheck"); status != 503 || body != "DISABLED BY FILE" {
		t.Fatalf("GET /healthcheck with the file = %d %q", status, body)
	}
	if status, body := get(t, client, "GET", "/other"); status != 200 || body != "app" {
		t.Fatalf("GET /other = %d %q", status, body)
	}
}
