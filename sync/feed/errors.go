package feed

import "errors"

// Sentinel errors callers branch on. Every error this package returns for a
// rejected feed wraps exactly one of them.
var (
	// ErrMalformed: a manifest or object is not in the feed format.
	ErrMalformed = errors.New("feed: malformed")
	// ErrBadSignature: the manifest signature does not verify with the pinned key.
	ErrBadSignature = errors.New("feed: bad manifest signature")
	// ErrUnknownKey: the manifest names a publisher key other than the pinned one.
	ErrUnknownKey = errors.New("feed: manifest signed by an unknown publisher key")
	// ErrHashMismatch: an object's bytes do not hash to the SHA-256 the manifest lists.
	ErrHashMismatch = errors.New("feed: object hash mismatch")
	// ErrRollback: the feed offers an older version than the one already held.
	ErrRollback = errors.New("feed: rollback to an older roster version")
	// ErrBadKey: a key file is not an Ed25519 key in the expected PEM form.
	ErrBadKey = errors.New("feed: not an Ed25519 key")
	// ErrBadAgeKey: a recipients or identity file is not age's.
	ErrBadAgeKey = errors.New("feed: not an age key")
)
