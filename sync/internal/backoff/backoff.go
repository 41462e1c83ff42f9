// Package backoff computes jittered exponential retry delays for the sync
// loops (roster feed, outbox delivery, gateway), so that thousands of clinics
// coming back online at once do not hit a server in lockstep.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff yields growing, jittered delays: attempt n waits a uniformly random
// duration in [d/2, d] where d = min(Max, Min·2ⁿ). The zero value is not
// usable; set Min and Max. A Backoff is not safe for concurrent use.
type Backoff struct {
	Min, Max time.Duration
	n        int
}

// Next returns the delay before the next retry and counts the attempt.
func (b *Backoff) Next() time.Duration {
	d := b.Min
	for i := 0; i < b.n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	b.n++
	return d/2 + rand.N(d/2+1)
}

// Attempts is the number of Next calls since the last Reset.
func (b *Backoff) Attempts() int { return b.n }

// Reset starts over after a success.
func (b *Backoff) Reset() { b.n = 0 }

// Jitter returns d moved by a uniformly random amount of at most frac·d
// either way, for periodic work.
func Jitter(d time.Duration, frac float64) time.Duration {
	span := time.Duration(float64(d) * frac)
	if span <= 0 {
		return d
	}
	return d - span + rand.N(2*span+1)
}

// Loop runs pass at once and then every interval (jittered ±10%), waiting
// b's next delay instead after a failed pass, until ctx ends; it returns
// ctx's error. A receive on wake (nil: never) starts the next pass early.
func Loop(ctx context.Context, interval time.Duration, b *Backoff, wake <-chan struct{}, pass func(context.Context) error) error {
	for {
		wait := Jitter(interval, 0.1)
		if err := pass(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			wait = b.Next()
		} else {
			b.Reset()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}
