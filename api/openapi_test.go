package api

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"testing"
)

func TestOpenAPIServed(t *testing.T) {
	ts, _ := newTestServer(t)
	// No credential: the document holds no data.
	resp, _ := do(t, ts, "GET", "/api/v1/openapi.json", "", nil)
	if resp.StatusCode != http.StatusOK || !isJSON(resp.Header) {
		t.Fatalf("GET /api/v1/openapi.json: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The document served is the embedded one, and it lists every route
	// the server registers.
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	srv := New(Config{Listen: "127.0.0.1:7400", Metrics: http.NotFoundHandler()}, testToken, simBackend{&recordingBackend{}}, nil)
	for _, route := range srv.routePatterns() {
		method, path, _ := strings.Cut(route, " ")
		if method == "OPTIONS" {
			continue // CORS preflight for every path, not an operation
		}
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is not in api/openapi.json", route)
		}
	}
	if resp, _ := do(t, ts, "POST", "/api/v1/openapi.json", "", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/v1/openapi.json: %d, want 405", resp.StatusCode)
	}
}

// simBackend adds the simulated readers' controls, so that their routes are
// registered too.
type simBackend struct{ *recordingBackend }

func (simBackend) SimInsert(context.Context, string) error { return nil }
func (simBackend) SimRemove(context.Context, string) error { return nil }

func isJSON(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "application/json"
}
