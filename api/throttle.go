package api

import (
	"sync"
	"time"
)

// throttle counts failed sign-ins per key (an account, a client) and, after
// maxFailures in a row, refuses that key for lockout, doubling with every
// further failure up to maxLockout. A success clears the key.
type throttle struct {
	mu          sync.Mutex
	maxFailures int
	lockout     time.Duration
	maxLockout  time.Duration
	now         func() time.Time
	keys        map[string]*failures
}

type failures struct {
	n       int
	last    time.Time
	blocked time.Time // refused until then
}

// throttleKeys bounds the memory a flood of made-up names can take: beyond
// it, entries idle for longer than maxLockout are dropped first.
const throttleKeys = 10000

func newThrottle(maxFailures int, lockout time.Duration, now func() time.Time) *throttle {
	return &throttle{maxFailures: maxFailures, lockout: lockout, maxLockout: 16 * lockout, now: now, keys: map[string]*failures{}}
}

// blocked reports whether any of keys is refused now, and for how long.
func (t *throttle) blocked(keys ...string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range keys {
		if f, ok := t.keys[k]; ok && now.Before(f.blocked) {
			wait = max(wait, f.blocked.Sub(now))
		}
	}
	return wait > 0, wait
}

// fail records a failed attempt against every key.
func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.keys) >= throttleKeys {
		for k, f := range t.keys {
			if now.Sub(f.last) > t.maxLockout && now.After(f.blocked) {
				delete(t.keys, k)
			}
		}
	}
	for _, k := range keys {
		f, ok := t.keys[k]
		if !ok {
			if len(t.keys) >= 2*throttleKeys {
				continue // still full of live entries: the rate limit bounds the rest
			}
			f = &failures{}
			t.keys[k] = f
		}
		// A run of failures ends after a quiet spell as long as the longest lockout.
		if now.Sub(f.last) > t.maxLockout && now.After(f.blocked) {
			f.n = 0
		}
		f.n++
		f.last = now
		if f.n >= t.maxFailures {
			d := t.lockout << min(f.n-t.maxFailures, 4)
			f.blocked = now.Add(min(d, t.maxLockout))
		}
	}
}

// succeed clears keys.
func (t *throttle) succeed(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.keys, k)
	}
}
