package main

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestServiceLoop drives the Windows service state machine with the control
// requests the SCM sends and checks the states reported and the exit code.
func TestServiceLoop(t *testing.T) {
	errConfig := usagef("config: invalid")
	tests := []struct {
		name      string
		cmds      []svcCmd // sent once the agent runs
		closeCmds bool     // the manager's channel closes after cmds
		agent     func(ctx context.Context, ready func()) error
		wantCode  int
		wantErr   error // errors.Is target; nil = no error
		want      []svcState
	}{
		{
			name:     "stop",
			cmds:     []svcCmd{svcCmdStop},
			agent:    untilCancelled(nil),
			wantCode: exitOK,
			want:     []svcState{svcStartPending, svcRunning, svcStopPending, svcStopped},
		},
		{
			name:     "shutdown",
			cmds:     []svcCmd{svcCmdShutdown},
			agent:    untilCancelled(nil),
			wantCode: exitOK,
			want:     []svcState{svcStartPending, svcRunning, svcStopPending, svcStopped},
		},
		{
			name:     "interrogate then stop",
			cmds:     []svcCmd{svcCmdInterrogate, svcCmdOther, svcCmdStop},
			agent:    untilCancelled(nil),
			wantCode: exitOK,
			want:     []svcState{svcStartPending, svcRunning, svcRunning, svcRunning, svcStopPending, svcStopped},
		},
		{
			name:      "manager channel closed",
			closeCmds: true,
			agent:     untilCancelled(nil),
			wantCode:  exitOK,
			want:      []svcState{svcStartPending, svcRunning, svcStopPending, svcStopped},
		},
		{
			name:     "agent fails at start",
			agent:    func(context.Context, func()) error { return errConfig },
			wantCode: exitUsage,
			wantErr:  errConfig,
			want:     []svcState{svcStartPending, svcStopped},
		},
		{
			name: "agent returns nil on its own",
			agent: func(_ context.Context, ready func()) error {
				ready()
				ready()
				time.Sleep(20 * time.Millisecond)
				return nil
			},
			wantCode: exitFailure,
			wantErr:  errAny,
			want:     []svcState{svcStartPending, svcRunning, svcStopped},
		},
		{
			name:     "agent fails while stopping",
			cmds:     []svcCmd{svcCmdStop},
			agent:    untilCancelled(withCode(exitRoster, errors.New("outbox"))),
			wantCode: exitRoster,
			wantErr:  errAny,
			want:     []svcState{svcStartPending, svcRunning, svcStopPending, svcStopped},
		},
		{
			name:     "agent ignores the stop",
			cmds:     []svcCmd{svcCmdStop},
			agent:    func(_ context.Context, ready func()) error { ready(); select {} },
			wantCode: exitFailure,
			wantErr:  errSvcStopTimeout,
			want:     []svcState{svcStartPending, svcRunning, svcStopPending, svcStopped},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmds := make(chan svcCmd)
			var got []svcState
			running := make(chan struct{})
			report := func(s svcState) {
				if s == svcRunning && !slices.Contains(got, svcRunning) {
					close(running)
				}
				got = append(got, s)
			}
			go func() {
				// The SCM sends controls only once the service accepts them.
				<-running
				for _, c := range tc.cmds {
					cmds <- c
				}
				if tc.closeCmds {
					close(cmds)
				}
			}()
			// A long tick: no re-reported start-pending in these cases.
			code, err := serviceLoop(tc.agent, cmds, report, svcTimings{stopWait: 200 * time.Millisecond, pendingTick: time.Hour})
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d (err %v)", code, tc.wantCode, err)
			}
			switch {
			case tc.wantErr == nil && err != nil:
				t.Errorf("err = %v, want nil", err)
			case tc.wantErr == errAny && err == nil:
				t.Errorf("err = nil, want an error")
			case tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("states %v, want %v", got, tc.want)
			}
		})
	}
}

// TestServiceLoopSlowStart: while the agent starts, start-pending is
// re-reported every tick (the SCM wants progress), then running once ready.
func TestServiceLoopSlowStart(t *testing.T) {
	pendings := make(chan struct{}, 16)
	running := make(chan struct{})
	var got []svcState
	report := func(s svcState) {
		got = append(got, s)
		switch s {
		case svcStartPending:
			pendings <- struct{}{}
		case svcRunning:
			close(running)
		}
	}
	cmds := make(chan svcCmd)
	agent := func(ctx context.Context, ready func()) error {
		for i := 0; i < 3; i++ { // the first report and two ticks
			<-pendings
		}
		ready()
		<-ctx.Done()
		return nil
	}
	go func() {
		<-running
		cmds <- svcCmdStop
	}()
	code, err := serviceLoop(agent, cmds, report, svcTimings{stopWait: time.Second, pendingTick: 10 * time.Millisecond})
	if code != exitOK || err != nil {
		t.Fatalf("exit %d, %v", code, err)
	}
	// A tick may race the ready signal, so count the start-pendings (at
	// least the three the agent waited for) and compare the rest in order.
	if n := len(got) - len(slices.Compact(slices.Clone(got))) + 1; n < 3 {
		t.Errorf("start-pending reported %d times, want at least 3: %v", n, got)
	}
	want := []svcState{svcStartPending, svcRunning, svcStopPending, svcStopped}
	if c := slices.Compact(slices.Clone(got)); !reflect.DeepEqual(c, want) {
		t.Errorf("states %v, want %v with start-pending repeated", got, want)
	}
}

// errAny marks a case that wants some error, whichever.
var errAny = errors.New("any error")

// untilCancelled is an agent that is ready at once and runs until its
// context ends, then returns err.
func untilCancelled(err error) func(context.Context, func()) error {
	return func(ctx context.Context, ready func()) error {
		ready()
		<-ctx.Done()
		return err
	}
}

func TestSvcStateString(t *testing.T) {
	for s, want := range map[svcState]string{svcStartPending: "start-pending", svcRunning: "running", svcStopPending: "stop-pending", svcStopped: "stopped"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}
