package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	b := &Backoff{Min: time.Second, Max: 30 * time.Second}
	wantCap := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for round := 0; round < 50; round++ {
		b.Reset()
		for i, c := range wantCap {
			c *= time.Second
			d := b.Next()
			if d < c/2 || d > c {
				t.Fatalf("attempt %d: %v outside [%v, %v]", i, d, c/2, c)
			}
		}
	}
	if b.Attempts() != len(wantCap) {
		t.Errorf("Attempts = %d", b.Attempts())
	}
}

func TestJitter(t *testing.T) {
	tests := []struct {
		d    time.Duration
		frac float64
	}{{time.Minute, 0.1}, {time.Second, 0.5}, {time.Second, 0}}
	for _, tc := range tests {
		span := time.Duration(float64(tc.d) * tc.frac)
		for i := 0; i < 100; i++ {
			if got := Jitter(tc.d, tc.frac); got < tc.d-span || got > tc.d+span {
				t.Fatalf("Jitter(%v, %v) = %v", tc.d, tc.frac, got)
			}
		}
	}
}

func TestLoopBacksOffWakesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{})
	b := &Backoff{Min: time.Hour, Max: time.Hour}
	passes := make(chan int, 10)
	n := 0
	done := make(chan error)
	go func() {
		done <- Loop(ctx, time.Hour, b, wake, func(context.Context) error {
			n++
			passes <- n
			if n == 2 {
				return errors.New("down")
			}
			return nil
		})
	}()
	<-passes // the first pass runs at once
	wake <- struct{}{}
	<-passes // the second, woken early, fails
	wake <- struct{}{}
	<-passes // the third, woken during the backoff, succeeds
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Loop returned %v", err)
	}
	// Read only now: b belongs to Loop while it runs.
	if b.Attempts() != 0 {
		t.Fatalf("backoff not reset after a good pass: %d attempts", b.Attempts())
	}
}
