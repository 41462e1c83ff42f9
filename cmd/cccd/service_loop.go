package main

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The Windows service wrapper (service_windows.go) speaks to the Service
// Control Manager through golang.org/x/sys/windows/svc, which only builds on
// Windows. Its logic lives here in portable types so the state machine is
// tested on every OS; service_windows.go only translates.

// svcState is a state the wrapper reports to the service manager.
type svcState int

const (
	svcStartPending svcState = iota
	svcRunning
	svcStopPending
	svcStopped
)

func (s svcState) String() string {
	return [...]string{"start-pending", "running", "stop-pending", "stopped"}[s]
}

// svcCmd is a control request from the service manager.
type svcCmd int

const (
	svcCmdStop        svcCmd = iota // the admin or a dependency stops the service
	svcCmdShutdown                  // Windows is shutting down
	svcCmdInterrogate               // the manager asks for the current state
	svcCmdOther                     // anything we do not accept; answered with the current state
)

// svcTimings are the waits of serviceLoop (shorter in tests).
type svcTimings struct {
	// stopWait is how long a stop may take before the service exits anyway:
	// runAgent needs up to 5 s for the API and a moment to flush the outbox.
	// The manager is told the same figure as its wait hint.
	stopWait time.Duration
	// pendingTick is how often start-pending is re-reported while the agent
	// starts (opening and migrating the database can take a while), so the
	// manager sees progress.
	pendingTick time.Duration
}

// errSvcStopTimeout is returned when the agent did not end within stopWait.
var errSvcStopTimeout = errors.New("service: the agent did not stop in time; it was abandoned (check the log in the data directory)")

// serviceLoop runs agent under a service manager's control. It reports
// start-pending (again every pendingTick) until agent calls ready, then
// running; a stop or shutdown request reports stop-pending, cancels agent's
// context and waits for it (at most stopWait); an interrogation re-reports
// the current state. It returns the process exit code (0 after a requested
// stop, the cccd exit code of the error when agent ends on its own) and
// agent's error. report is called from this goroutine only, in order;
// svcStopped is reported last. ready may be called from any goroutine, more
// than once.
func serviceLoop(agent func(ctx context.Context, ready func()) error, cmds <-chan svcCmd, report func(svcState), tm svcTimings) (int, error) {
	report(svcStartPending)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readyCh := make(chan struct{})
	var once sync.Once
	ready := func() { once.Do(func() { close(readyCh) }) }
	done := make(chan error, 1)
	go func() { done <- agent(ctx, ready) }()
	tick := time.NewTicker(tm.pendingTick)
	defer tick.Stop()
	state := svcStartPending
	for {
		select {
		case <-readyCh:
			readyCh = nil // fires once
			state = svcRunning
			report(state)
		case <-tick.C:
			if state == svcStartPending {
				report(state)
			}
		case err := <-done:
			// The agent ended without being asked: a configuration or
			// start-up failure. A non-zero code lets the manager's
			// recovery actions restart it.
			report(svcStopped)
			if err == nil {
				err = errors.New("service: the agent stopped on its own; restart the service and check the log in the data directory")
			}
			return exitCode(err), err
		case c, ok := <-cmds:
			if !ok {
				c = svcCmdStop // the manager went away: stop cleanly
			}
			switch c {
			case svcCmdStop, svcCmdShutdown:
				report(svcStopPending)
				cancel()
				var err error
				select {
				case err = <-done:
				case <-time.After(tm.stopWait):
					err = errSvcStopTimeout
				}
				report(svcStopped)
				if err != nil {
					return exitCode(err), err
				}
				return exitOK, nil
			default:
				report(state)
			}
		}
	}
}
