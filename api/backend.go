package api

import (
	"context"
	"errors"
)

// Backend is what the API needs from the agent. Values it returns are
// marshalled to JSON as they are, so they carry the stable field names of
// docs/FORMATS.md. Implementations must be safe for concurrent use.
type Backend interface {
	// Status describes the agent: version, readers, roster age, outbox depth, online.
	Status(ctx context.Context) any
	// Readers lists the readers and their state.
	Readers(ctx context.Context) any
	// SubmitKey hands a key (6-digit CAN, 12-digit ID, MRZ or QR text) to the
	// session of reader; the next card on it (or the one waiting) uses it.
	SubmitKey(ctx context.Context, reader, key string) error
	// Checkins lists check-ins after sequence number after, oldest first.
	Checkins(ctx context.Context, after uint64, limit int) (any, error)
	// Checkin returns one check-in.
	Checkin(ctx context.Context, seq uint64) (any, error)
	// ConfirmCheckin marks a check-in confirmed by the receptionist.
	ConfirmCheckin(ctx context.Context, seq uint64) (any, error)
	// Lookup answers eligibility for a 12-digit ID number.
	Lookup(ctx context.Context, id string) (any, error)
	// SyncNow starts a roster sync and returns when it has finished.
	SyncNow(ctx context.Context) (any, error)
	// Subscribe delivers events until cancel is called; a slow subscriber may
	// miss events but never blocks the agent.
	Subscribe() (events <-chan Event, cancel func())
}

// SimControl is implemented by backends that drive simulated readers (the
// demo and tests): the console shows insert/remove buttons for them.
type SimControl interface {
	SimInsert(ctx context.Context, reader string) error
	SimRemove(ctx context.Context, reader string) error
}

// Errors a Backend wraps so the API picks the right HTTP status.
var (
	ErrNotFound    = errors.New("not found")
	ErrBadInput    = errors.New("bad input")
	ErrConflict    = errors.New("conflict")
	ErrUnavailable = errors.New("unavailable")
)

// Event is one message of the /api/v1/events stream.
type Event struct {
	Type   string `json:"type"` // reader-added, reader-removed, card-present, key-needed, progress, result, error, card-removed, checkin
	Reader string `json:"reader,omitempty"`
	Time   string `json:"time"`           // RFC 3339
	Data   any    `json:"data,omitempty"` // the read result, progress step, error...

	// encoded is the event's JSON, made once by Hub.Publish so that a result
	// with its photo is not encoded again for every client.
	encoded []byte
}
