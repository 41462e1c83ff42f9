package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
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
	"github.com/cccd-agent/cccd/internal/logging"
	"github.com/cccd-agent/cccd/internal/metrics"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/ble"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/pn532"
	"github.com/cccd-agent/cccd/reader/qr"
	"github.com/cccd-agent/cccd/reader/sim"
	cccdsync "github.com/cccd-agent/cccd/sync"
	"github.com/cccd-agent/cccd/sync/delivery"
	"github.com/cccd-agent/cccd/sync/gateway"
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
}

// runAgent runs the agent until ctx ends, then shuts down in order: stop
// taking requests, cancel reads in progress, flush the outbox, close the DB.
func runAgent(ctx context.Context, cfg config.Config, dir string, extras agentExtras) error {
	log := newLogger(cfg)
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
	hub := api.NewHub()
	defer hub.Close()
	m.CountDroppedEvents(hub.Dropped)

	backends, openers, err := readerBackends(cfg, extras.slots, log)
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
	syncer, err := newSyncer(cfg, db, dir, log)
	if err != nil {
		return usageError(err)
	}
	if syncer != nil {
		lookup.Sync = func(ctx context.Context) error { _, err := syncer.Sync(ctx); return err }
	}
	var deliverer *delivery.Deliverer
	if cfg.Webhook.URL != "" {
		dcfg := delivery.Config{WebhookURL: cfg.Webhook.URL, Logger: log, Judge: judgeWith(eligCfg)}
		if cfg.Webhook.AuthorizationFile != "" {
			auth, err := os.ReadFile(cfg.Webhook.AuthorizationFile)
			if err != nil {
				return usageError(fmt.Errorf("webhook.authorization_file: %w", err))
			}
			dcfg.Header = http.Header{"Authorization": {strings.TrimSpace(string(auth))}}
		}
		if gw != nil {
			dcfg.Gateway = gw
		}
		if deliverer, err = delivery.New(db, dcfg); err != nil {
			return usageError(err)
		}
	}

	status := func() checkin.StatusInfo { return agentStatus(db, lookup, cfg) }
	agent := checkin.NewAgent(checkin.AgentConfig{
		Facility:   cfg.Facility.Code,
		KeyTimeout: time.Duration(cfg.Read.KeyTimeout),
		Read:       checkin.ReadOptions{Trust: trust, NoPhoto: cfg.Read.NoPhoto, AllowBAC: cfg.Read.AllowBAC},
		AfterCheckin: func() {
			if deliverer != nil {
				deliverer.Kick()
			}
		},
	}, db, lookup, reader.NewWatcher(backends...), openers, hub, m, log, status)

	srv := api.New(api.Config{
		Listen: cfg.Listen, HISOrigins: cfg.API.HISOrigins, MaxBodyBytes: cfg.API.MaxBodyBytes,
		RatePerSecond: cfg.API.RatePerSecond, Metrics: m.Handler(),
	}, token, agent, api.Console())
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another agent running? change listen in the config)", cfg.Listen, err)
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}

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
	go updateGauges(runCtx, db, m)

	url := "http://" + ln.Addr().String() + "/"
	log.Info("agent ready", "console", url, "data", dir, "readers", len(backends))
	if extras.onListening != nil {
		extras.onListening(url)
	}
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

func newLogger(cfg config.Config) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.Log.Level]
	log := logging.New(os.Stderr, level, cfg.Log.Format == "json")
	slog.SetDefault(log)
	return log
}

// agentTrust loads the imported anchors, the configured paths and extra.
func agentTrust(cfg config.Config, db *cache.DB, extra *verify.TrustStore) (*verify.TrustStore, error) {
	store := verify.NewTrustStore()
	if err := addTrustEntries(store, db); err != nil {
		return nil, fmt.Errorf("imported trust anchors: %w", err)
	}
	for _, p := range cfg.Trust.Paths {
		if err := store.LoadPath(p); err != nil {
			return nil, fmt.Errorf("trust.paths %s: %w", p, err)
		}
	}
	if extra != nil {
		for _, a := range extra.Anchors() {
			if err := store.Add(a.Cert.Raw); err != nil {
				return nil, err
			}
		}
	}
	return store, nil
}

// readerBackends builds the enabled reader backends and the openers that
// turn a reader name from their events into a reader.
func readerBackends(cfg config.Config, slots []*sim.Slot, log *slog.Logger) ([]reader.Backend, []checkin.ReaderOpener, error) {
	var backends []reader.Backend
	var openers []checkin.ReaderOpener
	for _, s := range slots {
		s := s
		backends = append(backends, s)
		openers = append(openers, func(name string) (reader.Reader, bool) { return s, name == s.Name() })
	}
	if cfg.Readers.Sim && len(slots) == 0 {
		p, err := sim.DemoProfile()
		if err != nil {
			return nil, nil, err
		}
		chip, err := sim.NewCard(p)
		if err != nil {
			return nil, nil, err
		}
		s := sim.NewSlot("demo", chip, 0)
		backends = append(backends, s)
		openers = append(openers, func(name string) (reader.Reader, bool) { return s, name == s.Name() })
	}
	for _, path := range cfg.Readers.PN532 {
		paths := []string{path}
		if path == "auto" {
			found, err := pn532.Discover(context.Background(), pn532.Config{}, nil)
			if err != nil {
				return nil, nil, fmt.Errorf("readers.pn532 auto: %w", err)
			}
			paths = found
		}
		for _, p := range paths {
			r, err := pn532.New(pn532.Config{Path: p, Logger: log})
			if err != nil {
				return nil, nil, fmt.Errorf("readers.pn532 %s: %w", p, err)
			}
			backends = append(backends, pn532.NewBackend(r, 0))
			openers = append(openers, sameReader(r))
		}
	}
	if cfg.Readers.BLE.Enabled {
		dial, _, err := ble.OpenHCI(0)
		if err != nil {
			return nil, nil, fmt.Errorf("readers.ble: %w", err)
		}
		bcfg := ble.Config{Enabled: true, Address: cfg.Readers.BLE.Address}
		if cfg.Readers.BLE.MasterKey != "" {
			if bcfg.MasterKey, err = hex.DecodeString(cfg.Readers.BLE.MasterKey); err != nil || len(bcfg.MasterKey) != 16 {
				return nil, nil, errors.New("readers.ble.master_key must be 32 hex digits (16 bytes)")
			}
		}
		r, err := ble.New(bcfg, dial)
		if err != nil {
			return nil, nil, fmt.Errorf("readers.ble: %w", err)
		}
		backends = append(backends, ble.NewBackend(r))
		openers = append(openers, sameReader(r))
	}
	if cfg.Readers.PCSC {
		backends = append(backends, pcsc.NewBackend())
		openers = append(openers, func(name string) (reader.Reader, bool) {
			if strings.Contains(name, ":") && !strings.HasPrefix(name, "\\\\") {
				return nil, false // other backends prefix their names
			}
			return pcsc.NewReader(name, pcsc.Options{}), true
		})
	}
	return backends, openers, nil
}

// sameReader is the opener of a backend that has one reader.
func sameReader(r reader.Reader) checkin.ReaderOpener {
	return func(name string) (reader.Reader, bool) { return r, name == r.Name() }
}

// runScanners pairs each configured QR scanner with its reader: a scanned
// card QR becomes the key of the next card on that reader.
func runScanners(ctx context.Context, cfg config.Config, agent *checkin.Agent, log *slog.Logger) error {
	scans := make(chan qr.Scan)
	for _, q := range cfg.Readers.QR {
		sc, err := qr.New(qr.Config{Path: q.Port, Reader: q.Reader, Logger: log})
		if err != nil {
			return fmt.Errorf("readers.qr %s: %w", q.Port, err)
		}
		go sc.Run(ctx, scans)
	}
	if len(cfg.Readers.QR) == 0 {
		return nil
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-scans:
				key := checkin.Key{Source: "qr", CAN: s.CAN, IDNumber: s.IDNumber, DateOfBirth: s.DateOfBirth, IssueDate: s.IssueDate}
				if err := agent.SubmitParsedKey(ctx, s.Reader, key); err != nil {
					log.Warn("QR scan not used", "reader", s.Reader, "err", err)
				}
			}
		}
	}()
	return nil
}

func newGateway(cfg config.Config, log *slog.Logger) (*gateway.Client, error) {
	if cfg.Gateway.URL == "" {
		return nil, nil
	}
	pw, err := os.ReadFile(cfg.Gateway.PasswordFile)
	if err != nil {
		return nil, fmt.Errorf("gateway.password_file: %w", err)
	}
	return gateway.New(gateway.Config{
		URL: cfg.Gateway.URL, Username: cfg.Gateway.Username, Password: strings.TrimSpace(string(pw)),
		StaffName: cfg.Gateway.StaffName, StaffID: cfg.Gateway.StaffID,
		Timeout: time.Duration(cfg.Gateway.Timeout), Logger: log,
	})
}

func newSyncer(cfg config.Config, db *cache.DB, dir string, log *slog.Logger) (*cccdsync.Syncer, error) {
	if cfg.Roster.FeedURL == "" {
		return nil, nil
	}
	pub, err := readPublicKey(cfg.Roster.PublisherKey)
	if err != nil {
		return nil, err
	}
	return cccdsync.New(db, cccdsync.Config{
		URL: cfg.Roster.FeedURL, PublicKey: pub, WorkDir: filepath.Join(dir, "feed"),
		Logger: log, Interval: time.Duration(cfg.Roster.SyncInterval),
	})
}

// judgeWith makes the outbox's online re-check use the same eligibility rules
// as reception.
func judgeWith(cfg checkin.EligibilityConfig) delivery.Judge {
	return func(a *gateway.Answer, now time.Time) cache.CheckinEligibility {
		e := checkin.Evaluate(checkin.GatewayInput(a, checkin.FromGateway, a.At), now, cfg)
		return cache.CheckinEligibility{Status: string(e.Status), Code: e.Code, Source: e.Source, AsOf: e.AsOf}
	}
}

// agentStatus is GET /api/v1/status.
func agentStatus(db *cache.DB, lookup *checkin.Lookup, cfg config.Config) checkin.StatusInfo {
	st := checkin.StatusInfo{Version: version, Online: lookup.Online()}
	if meta, err := db.RosterMeta(); err == nil {
		age := meta.Published
		if age.IsZero() {
			age = meta.Synced
		}
		st.Roster = checkin.RosterStatus{Version: meta.Version, Records: meta.Records, LastError: oneLineString(meta.LastError)}
		if !age.IsZero() {
			st.Roster.AgeSeconds = int64(time.Since(age).Seconds())
			st.Roster.Stale = time.Since(age) > time.Duration(cfg.Roster.Freshness)
		}
	}
	if pending, err := db.PendingDeliveries(100000); err == nil {
		st.OutboxDepth = len(pending)
	}
	return st
}

// updateGauges keeps the roster and outbox gauges current for /metrics.
func updateGauges(ctx context.Context, db *cache.DB, m *metrics.Metrics) {
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		if meta, err := db.RosterMeta(); err == nil {
			m.RosterRecords.Set(float64(meta.Records))
			if !meta.Published.IsZero() {
				m.RosterAgeSeconds.Set(time.Since(meta.Published).Seconds())
			}
		}
		if pending, err := db.PendingDeliveries(100000); err == nil {
			m.OutboxDepth.Set(float64(len(pending)))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// notifySystemd says READY=1 and, when systemd set a watchdog, pings it at
// half its interval while the agent runs.
func notifySystemd(ctx context.Context, log *slog.Logger) {
	if _, err := daemon.SdNotify(false, daemon.SdNotifyReady); err != nil {
		log.Warn("sd_notify failed", "err", err)
	}
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval == 0 {
		return
	}
	go func() {
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				daemon.SdNotify(false, daemon.SdNotifyWatchdog)
			}
		}
	}()
}

func oneLineString(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
