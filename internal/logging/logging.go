// Package logging builds the agent's slog logger. Code must not log personal
// data in the first place (internal/redact); this package adds a safety net
// that masks any run of 9 to 12 digits — the shape of ID, document and
// insurance numbers — to its last four digits in messages and string
// attributes before they are written.
package logging

import (
	"context"
	"io"
	"log/slog"
	"regexp"

	"github.com/cccd-agent/cccd/internal/redact"
)

var (
	idLike = regexp.MustCompile(`\d{9,12}`)
	// masked is an ID as redact.ID writes it in errors ("0010******45"):
	// in a log its leading digits go too.
	masked = regexp.MustCompile(`\b\d{4}(\*{2,8}\d{2})\b`)
)

// Scrub masks every ID-shaped digit run in s to its last four digits
// (redact.Last4), and drops the leading digits of IDs an error already
// masked with redact.ID, so that a log line never shows more than the last
// four digits of an ID number.
func Scrub(s string) string {
	s = idLike.ReplaceAllStringFunc(s, redact.Last4)
	return masked.ReplaceAllString(s, "****$1")
}

// New returns a logger writing to w, as JSON lines when asJSON is set and as
// text otherwise, at the given level, with ID-shaped numbers masked.
func New(w io.Writer, level slog.Level, asJSON bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: scrubAttr}
	var h slog.Handler
	if asJSON {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(scrubHandler{h})
}

func scrubAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(Scrub(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(Scrub(err.Error()))
		}
	}
	return a
}

// scrubHandler masks the record's message, which ReplaceAttr does not see.
type scrubHandler struct{ slog.Handler }

func (h scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Message = Scrub(r.Message)
	return h.Handler.Handle(ctx, r)
}

func (h scrubHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return scrubHandler{h.Handler.WithAttrs(attrs)}
}

func (h scrubHandler) WithGroup(name string) slog.Handler {
	return scrubHandler{h.Handler.WithGroup(name)}
}
