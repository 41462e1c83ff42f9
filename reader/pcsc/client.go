package pcsc

import (
	"sync"
	"time"

	"github.com/ebfe/scard"
)

// Back-off between attempts to establish a context after one failed, so a
// stopped pcscd is not hammered by every caller; capped low enough that a
// restarted pcscd is used again within a couple of seconds.
const (
	establishBackoffMin = 250 * time.Millisecond
	establishBackoffMax = 2 * time.Second
)

// client holds one PC/SC context and replaces it when it dies. A context
// never recovers after pcscd restarts, so every caller
// that sees contextDead hands the context back with invalidate and the next
// get establishes a fresh one. Safe for concurrent use.
type client struct {
	mu  sync.Mutex
	ctx *scard.Context

	lastErr   error     // why the last establish failed
	retryAt   time.Time // no new attempt before this
	backoff   time.Duration
	establish func() (*scard.Context, error) // scard.EstablishContext; tests swap it
}

// get returns the live context, establishing one if needed.
func (c *client) get() (*scard.Context, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx != nil {
		return c.ctx, nil
	}
	now := time.Now()
	if c.lastErr != nil && now.Before(c.retryAt) {
		return nil, c.lastErr
	}
	establish := c.establish
	if establish == nil {
		establish = scard.EstablishContext
	}
	sc, err := establish()
	if err != nil {
		c.backoff = min(max(c.backoff*2, establishBackoffMin), establishBackoffMax)
		c.lastErr = wrap("connect to the smart-card service", "", err)
		c.retryAt = now.Add(c.backoff)
		return nil, c.lastErr
	}
	c.ctx, c.lastErr, c.backoff = sc, nil, 0
	return sc, nil
}

// invalidate releases sc if it is still the current context; the error of
// Release is ignored because the daemon behind it is gone.
func (c *client) invalidate(sc *scard.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == sc && sc != nil {
		sc.Release()
		c.ctx = nil
	}
}

// current returns the context in use, nil if none.
func (c *client) current() *scard.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ctx
}

// close releases the context; the next get establishes a new one.
func (c *client) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx != nil {
		c.ctx.Release()
		c.ctx = nil
	}
}

// withContext runs op on the live context and, if the context turns out to
// be dead (pcscd restarted since it was made), retries once on a fresh one.
func (c *client) withContext(op func(*scard.Context) error) error {
	for attempt := 0; ; attempt++ {
		sc, err := c.get()
		if err != nil {
			return err
		}
		err = op(sc)
		if err == nil || !contextDead(err) || attempt == 1 {
			return err
		}
		c.invalidate(sc)
	}
}
