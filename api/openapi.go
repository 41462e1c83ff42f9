package api

import (
	_ "embed"
	"net/http"
)

// openAPIDocument is the OpenAPI 3.1 description of this API (docs/API.md
// explains it in words). The api tests validate every response they make
// against it, so a route or field added here without the document fails them.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3.1 document of the API, as served at
// GET /api/v1/openapi.json. The caller must not modify it.
func OpenAPI() []byte { return openAPIDocument }

// handleOpenAPI serves the document. It holds no data, so it needs no
// credential; the peer and Host checks still apply.
func handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPIDocument)
}
