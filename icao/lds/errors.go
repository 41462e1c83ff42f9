package lds

import "errors"

// Sentinel errors callers branch on. Every parser error wraps exactly one of them.
var (
	// ErrMalformed: the file is not a well-formed instance of its structure
	// (truncated, wrong tag, bad encoding). Re-reading the card may help;
	// otherwise the chip or the file is broken.
	ErrMalformed = errors.New("lds: malformed file")
	// ErrUnsupported: the file is well-formed but uses a format or algorithm
	// this package does not handle (e.g. an unknown image type).
	ErrUnsupported = errors.New("lds: unsupported content")
)
