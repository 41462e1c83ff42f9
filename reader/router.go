package reader

import (
	"fmt"
	"strings"
	"sync"
)

// OpenFunc opens the reader called name, for backends that make readers on
// demand (a PN532 port named on the command line, a PC/SC slot).
type OpenFunc func(name string) (Reader, error)

// Router is the one place that knows which backend a reader name belongs to.
// Backends give their names a prefix ("pn532:", "ble:", "sim:"); PC/SC names
// come from the reader's driver and carry none, so every name no prefix
// claims goes to the Other backend. Safe for concurrent use.
type Router struct {
	mu       sync.Mutex
	fixed    map[string]Reader
	prefixes []prefixRoute
	other    OpenFunc
}

type prefixRoute struct {
	prefix string
	open   OpenFunc // nil: only the fixed readers under this prefix
}

// NewRouter returns a router that knows no names yet.
func NewRouter() *Router { return &Router{fixed: map[string]Reader{}} }

// Add routes r.Name() to r itself (a backend with one long-lived reader).
func (r *Router) Add(rd Reader) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fixed[rd.Name()] = rd
}

// Prefix claims every name starting with prefix for one backend: names added
// with Add are served as they are, others by open, or refused when open is
// nil (the backend has no readers by that name).
func (r *Router) Prefix(prefix string, open OpenFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prefixes = append(r.prefixes, prefixRoute{prefix: prefix, open: open})
}

// Other routes every name no prefix claims (PC/SC's driver-given names).
func (r *Router) Other(open OpenFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.other = open
}

// Open returns the reader called name. A name no backend serves is an error
// matching ErrNoReader.
func (r *Router) Open(name string) (Reader, error) {
	r.mu.Lock()
	rd, ok := r.fixed[name]
	open := r.other
	for _, p := range r.prefixes {
		if strings.HasPrefix(name, p.prefix) {
			open = p.open
			break
		}
	}
	r.mu.Unlock()
	switch {
	case ok:
		return rd, nil
	case open == nil:
		return nil, fmt.Errorf("reader %q: %w", name, ErrNoReader)
	}
	return open(name)
}
