//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/internal/errtext"

	"github.com/spf13/cobra"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"

	"github.com/cccd-agent/cccd/config"
)

// svcDefaultTimings are the timings of the real service.
var svcDefaultTimings = svcTimings{stopWait: 20 * time.Second, pendingTick: 2 * time.Second}

// serviceName is the Windows service and event-log source name; the NSIS
// installer's install-service.cmd registers the same name.
const serviceName = "cccd"

// serviceLogMax is the size at which the service log is rotated at start.
const serviceLogMax = 10 << 20

func init() { registerService() }

func registerService() {
	register(func() *cobra.Command {
		cmd := &cobra.Command{
			Use:   "service",
			Short: "Run, install or remove cccd as a Windows service",
			Long: `The installer registers the service for you (install-service.cmd). These commands are for
admins who install by hand: "install" registers "cccd.exe service run" started at boot after the
Smart Card service (SCardSvr), restarted on failure; "uninstall" stops and removes it. The data
directory (%ProgramData%\cccd) is kept.`,
		}
		cmd.AddCommand(newServiceRunCmd(), newServiceInstallCmd(), newServiceUninstallCmd())
		return cmd
	})
}

func newServiceRunCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run as a service (started by the Service Control Manager, not by hand)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			isSvc, err := svc.IsWindowsService()
			if err != nil {
				return fmt.Errorf("service: cannot tell how cccd was started: %w", err)
			}
			if !isSvc {
				return usagef("`cccd service run` is started by Windows; run `sc.exe start cccd`, or `cccd serve` in a console")
			}
			h := &serviceHandler{}
			if err := svc.Run(serviceName, h); err != nil {
				return fmt.Errorf("service: the Service Control Manager refused the service: %w", err)
			}
			if h.code != exitOK {
				return withCode(h.code, h.err)
			}
			return nil
		},
	}
}

// serviceHandler is the svc.Handler: it translates SCM requests for
// serviceLoop and keeps the result for the process exit code.
type serviceHandler struct {
	code int
	err  error
}

// Execute implements svc.Handler.
func (h *serviceHandler) Execute(_ []string, reqs <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	elog, _ := eventlog.Open(serviceName) // nil when the source is not registered
	cmds := make(chan svcCmd)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case r, ok := <-reqs:
				if !ok {
					close(cmds)
					return
				}
				select {
				case cmds <- toSvcCmd(r.Cmd):
				case <-stop:
					return
				}
			}
		}
	}()
	var checkpoint uint32
	report := func(s svcState) {
		// svc.Run reports Stopped itself, with the exit code Execute
		// returns; a Stopped sent here first would lose that code.
		if s == svcStopped {
			return
		}
		st := toSvcStatus(s)
		if s == svcStartPending || s == svcStopPending {
			checkpoint++ // progress, so the SCM does not give up on a slow start
			st.CheckPoint = checkpoint
		}
		status <- st
	}
	h.code, h.err = serviceLoop(serviceAgent(elog), cmds, report, svcDefaultTimings)
	if elog != nil {
		if h.err != nil {
			elog.Error(1, "cccd stopped: "+errtext.OneLine(h.err))
		} else {
			elog.Info(1, "cccd stopped")
		}
		elog.Close()
	}
	if h.code == exitOK {
		return false, 0
	}
	// A service-specific code: the cccd exit code (1..6), shown by
	// `sc.exe query cccd`; it also triggers the failure actions.
	return true, uint32(h.code)
}

func toSvcCmd(c svc.Cmd) svcCmd {
	switch c {
	case svc.Stop:
		return svcCmdStop
	case svc.Shutdown:
		return svcCmdShutdown
	case svc.Interrogate:
		return svcCmdInterrogate
	}
	return svcCmdOther
}

func toSvcStatus(s svcState) svc.Status {
	switch s {
	case svcStartPending:
		return svc.Status{State: svc.StartPending, WaitHint: 10000}
	case svcRunning:
		return svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	case svcStopPending:
		return svc.Status{State: svc.StopPending, WaitHint: uint32(svcDefaultTimings.stopWait / time.Millisecond)}
	}
	return svc.Status{State: svc.Stopped}
}

// serviceAgent loads the configuration the service was registered with,
// sends the log to DATA\cccd.log (a service has no console) and runs the
// agent, calling ready once its API listens. SCardSvr stops when the last
// reader is unplugged; reader/pcsc then re-establishes its context with
// back-off, so the agent keeps running.
func serviceAgent(elog *eventlog.Log) func(context.Context, func()) error {
	return func(ctx context.Context, ready func()) error {
		cfg, err := config.Load(serviceConfigFile())
		if err != nil {
			return usageError(err)
		}
		if global.dataDir == "" {
			global.dataDir = cfg.DataDir
		}
		dir, err := dataDir()
		if err != nil {
			return err
		}
		if err := redirectStderr(filepath.Join(dir, "cccd.log")); err != nil {
			return err
		}
		if elog != nil {
			elog.Info(1, "cccd running; data and log in "+dir)
		}
		return runAgent(ctx, cfg, dir, agentExtras{onListening: func(string) { ready() }})
	}
}

// serviceConfigFile is --config, else %ProgramData%\cccd\config.json when
// the installer put one there, else "" (the defaults).
func serviceConfigFile() string {
	if global.configFile != "" {
		return global.configFile
	}
	p := filepath.Join(os.Getenv("ProgramData"), "cccd", "config.json")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// redirectStderr points the process's standard error (the slog output and
// any crash report) at an append-only log file, rotated once at start when
// it has grown past serviceLogMax.
func redirectStderr(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > serviceLogMax {
		_ = os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("service log: %w; check the permissions of the data directory", err)
	}
	if err := windows.SetStdHandle(windows.STD_ERROR_HANDLE, windows.Handle(f.Fd())); err != nil {
		f.Close()
		return fmt.Errorf("service log: %w", err)
	}
	os.Stderr = f
	return nil
}

func newServiceInstallCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "install",
		Short: "Register the cccd service (automatic delayed start, after SCardSvr, restart on failure)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("service install: cannot find cccd.exe: %w", err)
			}
			args := []string{"service", "run"}
			if global.configFile != "" {
				p, err := filepath.Abs(global.configFile)
				if err != nil {
					return usageError(err)
				}
				args = append(args, "--config", p)
			}
			if global.dataDir != "" {
				p, err := filepath.Abs(global.dataDir)
				if err != nil {
					return usageError(err)
				}
				args = append(args, "--data", p)
			}
			m, err := mgr.Connect()
			if err != nil {
				return fmt.Errorf("service install: %w (run from an administrator prompt)", err)
			}
			defer m.Disconnect()
			if s, err := m.OpenService(serviceName); err == nil {
				s.Close()
				return usagef("service install: the %s service exists already; run `cccd service uninstall` first", serviceName)
			}
			s, err := m.CreateService(serviceName, exe, mgr.Config{
				StartType:        mgr.StartAutomatic,
				DelayedAutoStart: true,
				Dependencies:     []string{"SCardSvr"},
				DisplayName:      "cccd reception agent",
				Description:      "Reads chip ID cards (CCCD) and checks health insurance for reception",
			}, args...)
			if err != nil {
				return fmt.Errorf("service install: %w", err)
			}
			defer s.Close()
			restart := []mgr.RecoveryAction{
				{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
				{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
				{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
			}
			if err := s.SetRecoveryActions(restart, 86400); err != nil {
				return fmt.Errorf("service install: recovery actions: %w", err)
			}
			// A non-zero exit code (not only a crash) counts as a failure.
			if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
				return fmt.Errorf("service install: recovery on exit codes: %w", err)
			}
			if err := eventlog.InstallAsEventCreate(serviceName, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil &&
				!strings.Contains(err.Error(), "exists") {
				return fmt.Errorf("service install: event-log source: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "service %s installed: %s %s\nstart it with: sc.exe start %s\n",
				serviceName, exe, strings.Join(args, " "), serviceName)
			return nil
		},
	}
}

func newServiceUninstallCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "uninstall",
		Short: "Stop and remove the cccd service (the data directory is kept)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := mgr.Connect()
			if err != nil {
				return fmt.Errorf("service uninstall: %w (run from an administrator prompt)", err)
			}
			defer m.Disconnect()
			s, err := m.OpenService(serviceName)
			if err != nil {
				return usagef("service uninstall: the %s service is not installed", serviceName)
			}
			defer s.Close()
			if err := stopService(cmd.Context(), s); err != nil {
				return err
			}
			if err := s.Delete(); err != nil {
				return fmt.Errorf("service uninstall: %w", err)
			}
			_ = eventlog.Remove(serviceName)
			fmt.Fprintf(cmd.OutOrStdout(), "service %s removed; data kept in %%ProgramData%%\\cccd\n", serviceName)
			return nil
		},
	}
}

// stopService asks s to stop and waits until it has, up to the service's
// stop wait plus a margin.
func stopService(ctx context.Context, s *mgr.Service) error {
	st, err := s.Query()
	if err != nil {
		return fmt.Errorf("service: query: %w", err)
	}
	if st.State == svc.Stopped {
		return nil
	}
	if _, err := s.Control(svc.Stop); err != nil && !errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE) {
		return fmt.Errorf("service: stop: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, svcDefaultTimings.stopWait+5*time.Second)
	defer cancel()
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("service: %s did not stop in time; stop it in services.msc and retry", serviceName)
		case <-tick.C:
			if st, err := s.Query(); err == nil && st.State == svc.Stopped {
				return nil
			}
		}
	}
}
