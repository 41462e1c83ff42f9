package main

import (
	"context"
	"errors"
	"reflect"
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
		agent     func(ctx context.Context) error
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
			agent:    func(context.Context) error { return errConfig },
			wantCode: exitUsage,
			wantErr:  errConfig,
			want:     []svcState{svcStartPending, svcRunning, svcStopped},
		},
		{
			name:     "agent returns nil on its own",
			agent:    func(context.Context) error { return nil },
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
			agent:    func(context.Context) error { select {} },
			wantCode: exitFailure,
			wantErr:  errSvcStopTimeout,
			want:     []svcState{svcStartPending, svcRunning, svcStopPending, svcStopped},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmds := make(chan svcCmd)
			var got []svcState
			report := func(s svcState) { got = append(got, s) }
			go func() {
				for _, c := range tc.cmds {
					cmds <- c
				}
				if tc.closeCmds {
					close(cmds)
				}
			}()
			code, err := serviceLoop(tc.agent, cmds, report, 200*time.Millisecond)
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

// errAny marks a case that wants some error, whichever.
var errAny = errors.New("any error")

// untilCancelled is an agent that runs until its context ends, then returns err.
func untilCancelled(err error) func(context.Context) error {
	return func(ctx context.Context) error {
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
