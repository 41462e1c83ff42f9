package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/api"
	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/fsutil"
	"github.com/cccd-agent/cccd/internal/logging"
	"github.com/cccd-agent/cccd/internal/metrics"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/sync/delivery"
	"github.com/cccd-agent/cccd/verify"
)

func init() { register(newServeCmd) }

func newServeCmd() *cobra.Command {
	var (
		listen      string
		useSim      bool
		printConfig bool
		initOnly    bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the reception agent: readers, local API, console, roster sync, HIS delivery",
		Long: `Run the agent a clinic runs all day. It watches every reader, turns each tap into a verified,
eligibility-checked check-in, and serves the reception console and the local API (docs/API.md).

--print-config prints every setting with its default: save it as the config file and edit it.
--init creates the data directory, the database and the API token, then exits (the packages run it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(global.configFile)
			if err != nil {
				return usageError(err)
			}
			if listen != "" {
				cfg.Listen = listen
			}
			if useSim {
				cfg.Readers.Sim = true
			}
			if err := cfg.Validate(); err != nil {
				return usageError(err)
			}
			if printConfig {
				b, err := cfg.Print()
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			if global.dataDir == "" {
				global.dataDir = cfg.DataDir
			}
			dir, err := dataDir()
			if err != nil {
				return err
			}
			if initOnly {
				return initDataDir(dir)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runAgent(ctx, cfg, dir, agentExtras{})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "API and console address (default 127.0.0.1:7400)")
	cmd.Flags().BoolVar(&useSim, "sim", false, "add a simulated reader with the demo card")
	cmd.Flags().BoolVar(&printConfig, "print-config", false, "print the configuration with every default and exit")
	cmd.Flags().BoolVar(&initOnly, "init", false, "create the data directory, database and API token, then exit")
	return cmd
}

// initDataDir makes the database and the API token so an installer can fix
// their ownership before the service starts.
func initDataDir(dir string) error {
	db, err := cache.Open(filepath.Join(dir, cacheFileName))
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	_, err = api.LoadOrCreateToken(dir)
	return err
}

// agentExtras are what `cccd demo` adds to a normal agent.
type agentExtras struct {
	trust       *verify.TrustStore // extra anchors (the demo's test CSCA)
	slots       []*sim.Slot        // simulated readers
	onListening func(url string)   // called once the API is up
	signInStaff string             // the console URL signs this staff member in once (demo)
}

// runAgent runs the agent until ctx ends, then shuts down in order: stop
// taking requests, cancel reads in progress, flush the outbox, close the DB.
func runAgent(ctx context.Context, cfg config.Config, dir string, extras agentExtras) error {
	recentLog := logging.NewRecent(500)
	log := newLogger(cfg, recentLog)
	compactAtStart(filepath.Join(dir, cacheFileName), log)
	db, err := cache.Open(filepath.Join(dir, cacheFileName))
	if err != nil {
		if errors.Is(err, cache.ErrLocked) {
			return fmt.Errorf("%w: is another cccd serve running on %s?", err, dir)
		}
		return err
	}
	defer db.Close()
	token, err := api.LoadOrCreateToken(dir)
	if err != nil {
		return err
	}
	trust, err := agentTrust(cfg, db, extras.trust)
	if err != nil {
		return usageError(err)
	}
	m := metrics.New()
	hub := checkin.NewHub()
	defer hub.Close()
	m.CountDroppedEvents(hub.Dropped)

	backends, readers, err := readerBackends(cfg, extras.slots, log)
	if err != nil {
		return usageError(err)
	}
	eligCfg := checkin.EligibilityConfig{Facility: cfg.Facility.Code, Freshness: time.Duration(cfg.Roster.Freshness)}
	lookup := &checkin.Lookup{DB: db, Config: eligCfg, Metrics: m, Log: log}
	gw, err := newGateway(cfg, log)
	if err != nil {
		return usageError(err)
	}
	if gw != nil {
		lookup.Gateway = gw
	}
	desks := newDesks(cfg, log)
	lookup.Desks = desks
	syncer, err := newSyncer(cfg, db, dir, log)
	if err != nil {
		return usageError(err)
	}
	if syncer != nil {
		lookup.Sync = func(ctx context.Context) error { _, err := syncer.Sync(ctx); return err }
	}
	var deliverer *delivery.Deliverer
	if cfg.Webhook.URL != "" {
		dcfg := delivery.Config{WebhookURL: cfg.Webhook.URL, InsecureHTTP: cfg.Webhook.InsecureHTTP, Logger: log, Judge: checkin.RecheckJudge(eligCfg)}
		if cfg.Webhook.AuthorizationFile != "" {
			auth, err := fsutil.ReadSecret(cfg.Webhook.AuthorizationFile, maxSecretFile, true)
			if err != nil {
				return usageError(fmt.Errorf("webhook.authorization_file: %w", err))
			}
			dcfg.Header = http.Header{"Authorization": {strings.TrimSpace(string(auth))}}
		}
		if gw != nil {
			dcfg.Gateway = gw
		} else if desks.NewGateway != nil {
			dcfg.Sessions = func(staff string) (delivery.Checker, bool) { return desks.Gateway(staff) }
		}
		if deliverer, err = delivery.New(db, dcfg); err != nil {
			return usageError(err)
		}
	}

	var bhxh *delivery.BHXHSender
	if cfg.Gateway.Checkin.Enabled {
		bcfg := delivery.BHXHConfig{Path: cfg.Gateway.Checkin.Path, Facility: cfg.Facility.Code, Logger: log}
		if gw != nil {
			bcfg.Shared = gw
		} else {
			bcfg.Sessions = func(staff string) (delivery.Submitter, bool) { return desks.Gateway(staff) }
		}
		if bhxh, err = delivery.NewBHXH(db, bcfg); err != nil {
			return usageError(err)
		}
	}
	// A staff member's new gateway session may free check-ins that wait for it.
	desks.AfterSignIn = func() {
		if deliverer != nil {
			deliverer.Kick()
		}
		if bhxh != nil {
			bhxh.Kick()
		}
	}

	status := func() checkin.StatusInfo {
		st := lookup.Status(version, clock.Now())
		st.TrustAnchors = trust.Len()
		return st
	}
	agent := checkin.NewAgent(checkin.AgentConfig{
		Facility:   cfg.Facility.Code,
		KeyTimeout: time.Duration(cfg.Read.KeyTimeout),
		Read:       checkin.ReadOptions{Trust: trust, NoPhoto: cfg.Read.NoPhoto, AllowBAC: cfg.Read.AllowBAC},
		AfterCheckin: func() {
			if deliverer != nil {
				deliverer.Kick()
			}
		},
		BHXHCheckin: bhxh != nil,
		AfterBHXHQueue: func() {
			if bhxh != nil {
				bhxh.Kick()
			}
		},
		DB:      db,
		Lookup:  lookup,
		Watcher: reader.NewWatcher(backends...),
		Readers: readers,
		Hub:     hub,
		Metrics: m,
		Log:     log,
		Status:  status,
		ReadTTL: time.Duration(cfg.API.ReadTTL),

		RetapWindow: time.Duration(cfg.Checkins.RetapWindow),
	})

	srv := api.New(api.Config{
		Listen: cfg.Listen, Remote: cfg.API.Remote, HISOrigins: cfg.API.HISOrigins, MaxBodyBytes: cfg.API.MaxBodyBytes,
		RatePerSecond: cfg.API.RatePerSecond, Metrics: m.Handler(),
		Staff: db, Audit: db, Log: log, Tokens: api.NewTokenSet(dir), Desks: desks,
		IdleLock: time.Duration(cfg.API.IdleLock), ShiftLimit: time.Duration(cfg.API.ShiftLimit),
		RecentLog: recentLog.Lines,
		Admin:     &agentAdmin{db: db, cfg: cfg, trust: trust},
	}, token, agent, api.Console())
	addr, err := config.ParseListen(cfg.Listen, cfg.API.Remote)
	if err != nil {
		return usageError(err)
	}
	ln, err := net.Listen("tcp", addr.String())
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another agent running? change listen in the config)", cfg.Listen, err)
	}
	scheme := "http"
	if cfg.API.Remote {
		cert, err := loadTLSCert(cfg.API)
		if err != nil {
			ln.Close()
			return usageError(err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	httpSrv := srv.HTTPServer()

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	done := make(chan struct{})
	go func() { agent.Run(runCtx); close(done) }()
	go func() {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("API server stopped", "err", err)
			cancelRun()
		}
	}()
	if err := runScanners(runCtx, cfg, agent, log); err != nil {
		return usageError(err)
	}
	if syncer != nil {
		go syncer.Run(runCtx)
	}
	if deliverer != nil {
		go deliverer.Run(runCtx)
	}
	if bhxh != nil {
		go bhxh.Run(runCtx)
	}
	go updateGauges(runCtx, db, m)
	go runRetention(runCtx, db, retentionFromConfig(cfg), m, log)

	url := scheme + "://" + ln.Addr().String() + "/"
	log.Info("agent ready", "console", url, "data", dir, "readers", len(backends))
	if extras.onListening != nil {
		if extras.signInStaff != "" {
			// The fragment never reaches a server or a log: the console
			// reads it, signs in once with it and removes it.
			extras.onListening(url + "#signin=" + srv.OneTimeSignIn(extras.signInStaff))
		} else {
			extras.onListening(url)
		}
	}
	// CLI commands (doctor, and read commands beside a running agent) find
	// the agent here, whatever the config says.
	if err := writeAgentFile(dir, agentFile{URL: url, PID: os.Getpid(), Version: version, Started: clock.Now()}); err != nil {
		log.Warn("agent file not written; cccd doctor will look at the configured address", "err", err)
	}
	defer removeAgentFile(dir)
	notifySystemd(runCtx, log)

	<-runCtx.Done()
	daemon.SdNotify(false, daemon.SdNotifyStopping)
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = httpSrv.Shutdown(shutCtx)
	cancelRun()
	<-done
	if deliverer != nil {
		if n, err := deliverer.DeliverPending(shutCtx); err != nil {
			log.Warn("outbox not fully delivered at shutdown; it is kept for the next start", "delivered", n, "err", err)
		}
	}
	return nil
}
