package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"

	"github.com/cccd-agent/cccd/reader/sim"
)

// docBlock is one fenced code block of a Markdown file.
type docBlock struct {
	lang string
	text string
	line int // of the opening fence
}

// docBlocks returns the fenced code blocks of md, in order.
func docBlocks(md string) []docBlock {
	var out []docBlock
	var cur *docBlock
	var body []string
	for i, line := range strings.Split(md, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &docBlock{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: i + 1}
			body = nil
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.text = strings.Join(body, "\n")
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
	}
	return out
}

// shellWords splits one shell command line as sh would for the quoting the
// examples use: '…' literal, "…" with $VAR expanded, bare words with $VAR
// expanded, and # starting a comment. A variable not in vars is an error.
func shellWords(line string, vars map[string]string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	expand := func(s string, i int) (string, int, error) { // s[i] == '$'
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		v, ok := vars[s[i+1:j]]
		if !ok {
			return "", 0, fmt.Errorf("unknown variable $%s", s[i+1:j])
		}
		return v, j, nil
	}
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
			i++
		case c == '#' && !inWord:
			i = len(line)
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", line)
			}
			w.WriteString(line[i+1 : i+1+j])
			inWord, i = true, i+j+2
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				switch {
				case line[i] == '\\' && i+1 < len(line):
					i++
					w.WriteByte(line[i])
				case line[i] == '$':
					v, j, err := expand(line, i)
					if err != nil {
						return nil, err
					}
					w.WriteString(v)
					i = j - 1
				default:
					w.WriteByte(line[i])
				}
			}
			if i >= len(line) {
				return nil, fmt.Errorf("unterminated \" in %q", line)
			}
			inWord, i = true, i+1
		case c == '$':
			v, j, err := expand(line, i)
			if err != nil {
				return nil, err
			}
			w.WriteString(v)
			inWord, i = true, j
		default:
			w.WriteByte(c)
			inWord, i = true, i+1
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// docRequest is a curl or websocat command of the examples.
type docRequest struct {
	tool, method, url string
	header            http.Header
	body              string
}

// parseDocCommand reads one command; the documented address is replaced by
// base (http://host:port of the agent under test).
func parseDocCommand(words []string, base string) (docRequest, error) {
	r := docRequest{tool: words[0], header: http.Header{}}
	if r.tool != "curl" && r.tool != "websocat" {
		return r, fmt.Errorf("only curl and websocat commands run here, not %q", r.tool)
	}
	for i := 1; i < len(words); i++ {
		arg := func() (string, error) {
			if i+1 >= len(words) {
				return "", fmt.Errorf("%s without a value", words[i])
			}
			i++
			return words[i], nil
		}
		var err error
		switch w := words[i]; {
		case w == "-s" || w == "-sS":
		case w == "-H":
			var h string
			if h, err = arg(); err == nil {
				k, v, _ := strings.Cut(h, ":")
				r.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		case w == "-d" || w == "--data":
			r.body, err = arg()
			if r.method == "" {
				r.method = http.MethodPost
			}
		case w == "-X":
			r.method, err = arg()
		case strings.HasPrefix(w, "-"):
			err = fmt.Errorf("option %s is not understood by this test; use -s, -H, -d or -X", w)
		default:
			u, ok := strings.CutPrefix(w, "http://127.0.0.1:7400")
			if !ok {
				u, ok = strings.CutPrefix(w, "ws://127.0.0.1:7400")
			}
			if !ok {
				err = fmt.Errorf("the URL %q is not on http://127.0.0.1:7400", w)
			}
			r.url = base + u
		}
		if err != nil {
			return r, err
		}
	}
	if r.method == "" {
		r.method = http.MethodGet
	}
	if r.url == "" {
		return r, fmt.Errorf("no URL")
	}
	return r, nil
}

// matchShape checks that got has everything want shows: the keys of each
// object (got may have more), the elements of each array (got may have
// more), equal strings unless want's holds "…", and the JSON type of
// numbers and booleans (their values change from run to run).
func matchShape(want, got any, at string) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %T", at, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s: no field %q", at, k)
			}
			if err := matchShape(wv, gv, at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) < len(w) {
			return fmt.Errorf("%s: want an array of at least %d, got %v", at, len(w), got)
		}
		if len(w) == 0 && len(g) != 0 {
			return fmt.Errorf("%s: want an empty array, got %d elements", at, len(g))
		}
		for i := range w {
			if err := matchShape(w[i], g[i], fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case string:
		g, ok := got.(string)
		if !ok || (!strings.Contains(w, "…") && g != w) {
			return fmt.Errorf("%s: want %q, got %v", at, w, got)
		}
	case float64:
		if _, ok := got.(float64); !ok {
			return fmt.Errorf("%s: want a number, got %v", at, got)
		}
	case bool:
		if _, ok := got.(bool); !ok {
			return fmt.Errorf("%s: want a boolean, got %v", at, got)
		}
	case nil:
		if got != nil {
			return fmt.Errorf("%s: want null, got %v", at, got)
		}
	}
	return nil
}

// TestAPIDocExamples runs the Examples section of docs/API.md against a
// `cccd demo` (simulated reader, no pcscd): every curl command is sent, its
// answer compared with the JSON block after it and validated against the
// OpenAPI document the agent serves; the websocat command opens the event
// stream, and each jsonl block is the events that must come next, each
// validated against components.schemas.Event.
func TestAPIDocExamples(t *testing.T) {
	md, err := os.ReadFile("../../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(md), "\n## Examples")
	if start < 0 {
		t.Fatal("docs/API.md has no Examples section")
	}
	section := string(md)[start+1:]
	offset := strings.Count(string(md)[:start+1], "\n") // lines before the section
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	a := startDemo(t)
	agentURL := strings.TrimSuffix(a.URL, "/")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The contract, as the agent serves it.
	resp, err := http.Get(agentURL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	eventSchema := model.Model.Components.Schemas.GetOrZero("Event")
	if eventSchema == nil {
		t.Fatal("the OpenAPI document has no components.schemas.Event")
	}
	checkEvent := func(schema *base.Schema, msg []byte) error {
		if ok, verrs := schema_validation.NewSchemaValidator().ValidateSchemaBytes(schema, msg); !ok {
			var s []string
			for _, e := range verrs {
				s = append(s, e.Message+": "+e.Reason)
				for _, f := range e.SchemaValidationErrors {
					s = append(s, f.FieldPath+": "+f.Reason)
				}
			}
			return fmt.Errorf("%s", strings.Join(s, "; "))
		}
		return nil
	}

	vars := map[string]string{"TOKEN": a.Token}
	var last []byte // the last answer, for the json block after its command
	lastCmd := ""
	var events chan []byte
	ran, answers, seen := 0, 0, 0
	for _, b := range docBlocks(section) {
		where := fmt.Sprintf("docs/API.md:%d", offset+b.line)
		switch b.lang {
		case "sh":
			text := strings.ReplaceAll(b.text, "\\\n", " ")
			for _, line := range strings.Split(text, "\n") {
				if name, _, ok := strings.Cut(strings.TrimSpace(line), "=$("); ok && !strings.Contains(name, " ") {
					if _, known := vars[name]; !known {
						t.Fatalf("%s: the examples set %s, which this test does not know", where, name)
					}
					continue // the test sets it from the agent under test
				}
				words, err := shellWords(line, vars)
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if len(words) == 0 {
					continue
				}
				r, err := parseDocCommand(words, agentURL)
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				ran++
				lastCmd = strings.TrimSpace(line)
				if r.tool == "websocat" {
					wsURL := "ws" + strings.TrimPrefix(r.url, "http")
					conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: r.header})
					if err != nil {
						t.Fatalf("%s: %v", where, err)
					}
					defer conn.CloseNow()
					conn.SetReadLimit(1 << 22) // a result carries the photo
					events = make(chan []byte, 256)
					go func() {
						defer close(events)
						for {
							_, msg, err := conn.Read(ctx)
							if err != nil {
								return
							}
							events <- msg
						}
					}()
					continue
				}
				req, err := http.NewRequestWithContext(ctx, r.method, r.url, strings.NewReader(r.body))
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				req.Header = r.header
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				last, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				resp.Body = io.NopCloser(bytes.NewReader(last))
				if ok, verrs := v.ValidateHttpResponse(req, resp); !ok {
					for _, e := range verrs {
						t.Errorf("%s: %s → %d does not validate against the OpenAPI document: %s: %s", where, lastCmd, resp.StatusCode, e.Message, e.Reason)
					}
				}
			}
		case "json":
			if last == nil {
				t.Fatalf("%s: an answer block without a command before it", where)
			}
			var want, got any
			if err := json.Unmarshal([]byte(b.text), &want); err != nil {
				t.Fatalf("%s: the documented answer is not JSON: %v", where, err)
			}
			if err := json.Unmarshal(last, &got); err != nil {
				t.Fatalf("%s: %s answered no JSON: %q", where, lastCmd, last)
			}
			if err := matchShape(want, got, "answer"); err != nil {
				t.Errorf("%s: %s: %v\nthe agent answered %s", where, lastCmd, err, last)
			}
			last = nil
			answers++
		case "jsonl":
			if events == nil {
				t.Fatalf("%s: events documented before the websocat command", where)
			}
			for i, line := range strings.Split(strings.TrimSpace(b.text), "\n") {
				var want, got any
				if err := json.Unmarshal([]byte(line), &want); err != nil {
					t.Fatalf("%s+%d: the documented event is not JSON: %v", where, i+1, err)
				}
				var msg []byte
				select {
				case m, ok := <-events:
					if !ok {
						t.Fatalf("%s+%d: the event stream ended", where, i+1)
					}
					msg = m
				case <-time.After(30 * time.Second):
					t.Fatalf("%s+%d: no event within 30 s, want %s", where, i+1, line)
				}
				if err := json.Unmarshal(msg, &got); err != nil {
					t.Fatal(err)
				}
				if err := matchShape(want, got, "event"); err != nil {
					t.Fatalf("%s+%d: %v\nthe agent sent %.400s", where, i+1, err, msg)
				}
				if err := checkEvent(eventSchema.Schema(), msg); err != nil {
					t.Errorf("%s+%d: the event does not validate against components.schemas.Event: %v\n%.400s", where, i+1, err, msg)
				}
				seen++
			}
		}
	}
	if ran < 10 || answers < 10 || seen < 10 {
		t.Fatalf("the examples ran %d commands, compared %d answers and %d events: is the section still there?", ran, answers, seen)
	}
}

// TestAPIDocReaderNames: every reader name or key in docs/API.md's code
// blocks that is not a placeholder is the demo's, so the examples that this
// test cannot run (a HIS page's JavaScript) work on the demo too.
func TestAPIDocReaderNames(t *testing.T) {
	md, err := os.ReadFile("../../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	readerURL := regexp.MustCompile(`/api/v1/readers/([^/"\s]+)/`)
	jsKey := regexp.MustCompile(`key: "([^"]*)"`)
	for _, b := range docBlocks(string(md)) {
		for _, m := range readerURL.FindAllStringSubmatch(b.text, -1) {
			if m[1] != sim.SlotPrefix+"demo" && m[1] != "{reader}" {
				t.Errorf("docs/API.md:%d: reader %q in an example; the demo's is %s", b.line, m[1], sim.SlotPrefix+"demo")
			}
		}
		for _, m := range jsKey.FindAllStringSubmatch(b.text, -1) {
			if m[1] != sim.DemoCAN {
				t.Errorf("docs/API.md:%d: key %q in an example; the demo card's CAN is %s", b.line, m[1], sim.DemoCAN)
			}
		}
	}
}
