package checkin

import "errors"

// Errors the agent's methods wrap so that a caller (the API) can tell a bad
// request from a missing thing, a busy reader or a missing service.
var (
	ErrNotFound    = errors.New("not found")
	ErrBadInput    = errors.New("bad input")
	ErrConflict    = errors.New("conflict")
	ErrUnavailable = errors.New("unavailable")
)
