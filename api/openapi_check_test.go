package api

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/cccd-agent/cccd/checkin"
)

// The OpenAPI document (openapi.json) is checked against every response the
// api tests make: each test builds its handler through validated, which
// fails the test on a response the document does not describe.
// TestAPITestsGoThroughValidator keeps new tests from bypassing it.

// spec is the parsed document and its validator, built once per test binary.
type spec struct {
	mu    sync.Mutex // the validator's caches are not documented as concurrency-safe
	model *v3.Document
	v     validator.Validator
	err   *base.Schema // components.schemas.Error, for answers outside a documented operation
	opts  *config.ValidationOptions
}

var loadSpec = sync.OnceValues(func() (*spec, error) {
	doc, err := libopenapi.NewDocument(openAPIDocument)
	if err != nil {
		return nil, fmt.Errorf("parse openapi.json: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build the OpenAPI model: %w", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		var msgs []string
		for _, e := range verrs {
			msgs = append(msgs, e.Message+": "+e.Reason)
		}
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %s", strings.Join(msgs, "; "))
	}
	errSchema := model.Model.Components.Schemas.GetOrZero("Error")
	if errSchema == nil {
		return nil, fmt.Errorf("openapi.json has no components.schemas.Error")
	}
	return &spec{model: &model.Model, v: v, err: errSchema.Schema(), opts: config.NewValidationOptions()}, nil
})

func openAPISpec(t testing.TB) *spec {
	t.Helper()
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// responseProblems says what about one answer the document does not allow
// (nil: it validates). Paths under /api/ and /healthz, /metrics are the
// API's: a documented operation's answer is validated against it (status,
// content type, body); any other answer there (an unknown path, a method
// not allowed) must be a 4xx Error body. The console's files are not the
// API's, but a JSON answer there (a guard's refusal) must be an Error too.
func (s *spec) responseProblems(req *http.Request, status int, header http.Header, body []byte) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := req.URL.Path
	apiPath := strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/metrics"
	if req.Method == http.MethodOptions && status == http.StatusNoContent {
		return nil // a CORS preflight: headers only
	}
	if !apiPath {
		if isJSON(header) {
			return s.errorBody(status, body)
		}
		return nil
	}
	pathItem, errs, _ := paths.FindPath(req, s.model, s.opts)
	documented := pathItem != nil && len(errs) == 0 && pathItem.GetOperations().GetOrZero(strings.ToLower(req.Method)) != nil
	if !documented {
		if status < 400 || status >= 500 {
			return []string{fmt.Sprintf("%s %s is not in the document but answered %d", req.Method, p, status)}
		}
		return s.errorBody(status, body)
	}
	resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	if ok, verrs := s.v.ValidateHttpResponse(req, resp); !ok {
		var out []string
		for _, e := range verrs {
			msg := e.Message
			if e.Reason != "" {
				msg += ": " + e.Reason
			}
			for _, se := range e.SchemaValidationErrors {
				msg += fmt.Sprintf(" [%s: %s]", se.FieldPath, se.Reason)
			}
			out = append(out, msg)
		}
		return out
	}
	return nil
}

// errorBody checks an answer outside a documented operation: a JSON Error.
func (s *spec) errorBody(status int, body []byte) []string {
	if status < 400 {
		return []string{fmt.Sprintf("a JSON answer %d outside the documented operations", status)}
	}
	sv := schema_validation.NewSchemaValidator()
	if ok, verrs := sv.ValidateSchemaBytes(s.err, body); !ok {
		var out []string
		for _, e := range verrs {
			out = append(out, "error body: "+e.Message+": "+e.Reason)
		}
		return out
	}
	return nil
}

// validated wraps h so that every answer it gives is checked against the
// OpenAPI document; an answer that does not validate fails t. WebSocket
// upgrades are checked when hijacked: the operation must document 101.
func validated(t testing.TB, h http.Handler) http.Handler {
	t.Helper()
	s := openAPISpec(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := r.Clone(r.Context()) // the handler may change r's context; the URL and method stay
		cw := &capturingWriter{ResponseWriter: w}
		cw.onHijack = func() {
			if probs := s.responseProblems(req, cw.statusCode(), cw.Header().Clone(), nil); probs != nil {
				t.Errorf("OpenAPI: %s %s → %d (upgrade): %s", req.Method, req.URL.RequestURI(), cw.statusCode(), strings.Join(probs, "; "))
			}
		}
		h.ServeHTTP(cw, r)
		if cw.hijacked {
			return
		}
		if probs := s.responseProblems(req, cw.statusCode(), cw.Header().Clone(), cw.body.Bytes()); probs != nil {
			t.Errorf("OpenAPI: %s %s → %d %s: %s", req.Method, req.URL.RequestURI(), cw.statusCode(), snippet(cw.body.Bytes()), strings.Join(probs, "; "))
		}
	})
}

func snippet(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return strings.TrimSpace(string(b))
}

// capturingWriter passes the answer through and keeps a copy.
type capturingWriter struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
	onHijack func()
}

func (c *capturingWriter) statusCode() int {
	if c.status == 0 {
		return http.StatusOK
	}
	return c.status
}

func (c *capturingWriter) WriteHeader(code int) {
	if c.status == 0 || (c.status >= 100 && c.status < 200) {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *capturingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

func (c *capturingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *capturingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := c.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("the underlying ResponseWriter cannot be hijacked")
	}
	conn, rw, err := hj.Hijack()
	if err == nil {
		c.hijacked = true
		c.onHijack()
	}
	return conn, rw, err
}

func (c *capturingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// TestOpenAPIValidatorCatches proves the check bites: answers that differ
// from the document are reported.
func TestOpenAPIValidatorCatches(t *testing.T) {
	s := openAPISpec(t)
	json200 := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	get := func(path string) *http.Request { return httptest.NewRequest("GET", "http://127.0.0.1:7400"+path, nil) }
	cases := []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   string
		bad    bool
	}{
		{"documented status", get("/api/v1/status"), 200, json200, `{"version":"1.0","online":true,"roster":{"version":3,"records":2,"age_seconds":5,"stale":false},"outbox_depth":0,"readers":1}`, false},
		{"field of the wrong type", get("/api/v1/status"), 200, json200, `{"version":1,"online":true,"roster":{"version":3,"records":2,"age_seconds":5,"stale":false},"outbox_depth":0,"readers":1}`, true},
		{"undocumented field", get("/api/v1/status"), 200, json200, `{"version":"1.0","online":true,"roster":{"version":3,"records":2,"age_seconds":5,"stale":false},"outbox_depth":0,"readers":1,"secret":"x"}`, true},
		{"missing field", get("/api/v1/readers"), 200, json200, `[{"name":"sim:demo","state":"empty"}]`, true},
		{"value outside the enum", get("/api/v1/readers"), 200, json200, `[{"name":"sim:demo","state":"sleeping","sim":true}]`, true},
		{"wrong content type", get("/api/v1/readers"), 200, http.Header{"Content-Type": {"text/html"}}, `[]`, true},
		{"error body", get("/api/v1/checkins/9"), 404, json200, `{"code":"not-found","message":"no such check-in"}`, false},
		{"error body with an unknown code", get("/api/v1/checkins/9"), 404, json200, `{"code":"gone","message":"no such check-in"}`, true},
		{"undocumented route answering 200", get("/api/v1/secrets"), 200, json200, `{}`, true},
		{"undocumented route answering an error", get("/api/v1/secrets"), 404, json200, `{"code":"not-found","message":"no such API endpoint"}`, false},
		{"guard refusal on the console", get("/"), 403, json200, `{"code":"forbidden-host","message":"x"}`, false},
		{"malformed refusal on the console", get("/"), 403, json200, `{"error":"x"}`, true},
	}
	for _, tc := range cases {
		probs := s.responseProblems(tc.req, tc.status, tc.header, []byte(tc.body))
		if got := probs != nil; got != tc.bad {
			t.Errorf("%s: problems %q, want bad=%v", tc.name, probs, tc.bad)
		}
	}

	// Through the wrapper, on a real handler: a wrong answer fails the test
	// that made it.
	rec := &recordingTB{TB: t}
	h := validated(rec, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": 1})
	}))
	h.ServeHTTP(httptest.NewRecorder(), get("/healthz"))
	if !rec.failed {
		t.Error("validated let a wrong /healthz answer through")
	}
}

// recordingTB notes a failure instead of failing the test.
type recordingTB struct {
	testing.TB
	failed bool
}

func (r *recordingTB) Errorf(string, ...any) { r.failed = true }

// TestAPITestsGoThroughValidator: every handler an api test serves is
// wrapped by validated, so each response is checked against the document.
func TestAPITestsGoThroughValidator(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i, line := range lines {
			code, _, _ := strings.Cut(line, "//")
			switch {
			case strings.Contains(code, ".Handler()") && !strings.Contains(code, "validated("):
				t.Errorf("%s:%d: a test serves a handler without validated(t, …): %s", f, i+1, strings.TrimSpace(line))
			case strings.Contains(code, ".HTTPServer()") && !strings.Contains(strings.Join(lines[i:min(i+3, len(lines))], "\n"), "validated("):
				t.Errorf("%s:%d: a test serves HTTPServer() without setting its Handler to validated(t, …): %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestOpenAPIEventSchemas: the events the agent publishes, built from
// checkin's own types with every progress step and error code its source
// uses, validate against components.schemas.Event; a new step or code
// without the document fails here.
func TestOpenAPIEventSchemas(t *testing.T) {
	s := openAPISpec(t)
	ev := s.model.Components.Schemas.GetOrZero("Event")
	if ev == nil {
		t.Fatal("no components.schemas.Event")
	}
	source := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "checkin", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	found := func(re, text string) []string {
		var out []string
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(text, -1) {
			out = append(out, m[1])
		}
		return out
	}
	agent, read, messages := source("agent.go"), source("read.go"), source("messages.go")
	steps := append(found(`progress\("([a-z-]+)"`, read), found(`Step: "([a-z-]+)"`, agent)...)
	codes := append(found(`Code: "([a-z-]+)"`, agent+messages), found(`(?m)^\s*\{[a-zA-Z.]+, "([a-z-]+)",`, messages)...)
	types := found(`a\.publish\("([a-z-]+)"`, agent+source("agent_api.go"))
	if len(steps) < 5 || len(codes) < 10 || len(types) < 8 {
		t.Fatalf("found %d steps, %d codes, %d event types in checkin's source: did it move?", len(steps), len(codes), len(types))
	}
	var events []checkin.Event
	for _, typ := range types {
		switch typ {
		case "progress", "result", "error", "checkin", "status", "reader-state":
		default:
			events = append(events, checkin.Event{Type: typ, Reader: "sim:demo"})
		}
	}
	for _, step := range steps {
		events = append(events, checkin.Event{Type: "progress", Reader: "sim:demo", Data: checkin.ProgressEvent{Step: step, Percent: 50}})
	}
	for _, code := range codes {
		events = append(events, checkin.Event{Type: "error", Reader: "sim:demo", Data: checkin.ErrorEvent{Code: code, Message: "…", MessageEN: "…"}})
	}
	for _, st := range []checkin.ReaderState{checkin.StateIdle, checkin.StateWaitingKey, checkin.StateReading, checkin.StateResult, checkin.StateError, checkin.StateRemoved} {
		events = append(events, checkin.Event{Type: "reader-state", Reader: "sim:demo", Data: checkin.ReaderInfo{Name: "sim:demo", State: st, Sim: true,
			LastErr: "wrong-key", Checkin: 7, ReadID: "RGRRZ2SXA7L4LXTW6NPLZPBZ6Q", Since: time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC)}})
	}
	events = append(events,
		checkin.Event{Type: "checkin", Reader: "sim:demo", Data: checkin.CheckinEvent{Seq: 1}},
		checkin.Event{Type: "status"})
	sv := schema_validation.NewSchemaValidator()
	for _, e := range events {
		e.Time = "2026-12-05T07:00:00Z"
		b, err := e.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if ok, verrs := sv.ValidateSchemaBytes(ev.Schema(), b); !ok {
			var msgs []string
			for _, ve := range verrs {
				msgs = append(msgs, ve.Message+": "+ve.Reason)
			}
			t.Errorf("event %s does not validate: %s", b, strings.Join(msgs, "; "))
		}
	}
}
