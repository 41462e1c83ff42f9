package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/fsutil"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/logging"
	"github.com/cccd-agent/cccd/internal/metrics"
	cccdsync "github.com/cccd-agent/cccd/sync"
	"github.com/cccd-agent/cccd/sync/gateway"
	"github.com/cccd-agent/cccd/verify"
)

// The logger also keeps its last lines in recent, which the API serves to
// a token holder for `cccd doctor --bundle`.
func newLogger(cfg config.Config, recent *logging.Recent) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.Log.Level]
	log := logging.New(io.MultiWriter(os.Stderr, recent), level, cfg.Log.Format == "json")
	slog.SetDefault(log)
	return log
}

// agentTrust loads the imported anchors, the configured paths and extra.
func agentTrust(cfg config.Config, db *cache.DB, extra *verify.TrustStore) (*verify.TrustStore, error) {
	store, err := storedTrustStore(db)
	if err != nil {
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

// newGateway is the facility's shared gateway account (gateway.shared_account);
// nil without one.
func newGateway(cfg config.Config, log *slog.Logger) (*gateway.Client, error) {
	if cfg.Gateway.URL == "" || !cfg.Gateway.SharedAccount {
		return nil, nil
	}
	pw, err := fsutil.ReadSecret(cfg.Gateway.PasswordFile, maxSecretFile, true)
	if err != nil {
		return nil, fmt.Errorf("gateway.password_file: %w", err)
	}
	return gateway.New(gateway.Config{
		URL: cfg.Gateway.URL, Username: cfg.Gateway.Username, Password: strings.TrimSpace(string(pw)),
		StaffName: cfg.Gateway.StaffName, StaffID: cfg.Gateway.StaffID,
		Timeout: time.Duration(cfg.Gateway.Timeout), Logger: log, InsecureHTTP: cfg.Gateway.InsecureHTTP,
	})
}

// newDesks ties readers to the staff signed in at them and, with a gateway
// of per-user accounts, keeps each staff member's gateway session.
func newDesks(cfg config.Config, log *slog.Logger) *checkin.Desks {
	d := &checkin.Desks{Shift: time.Duration(cfg.API.ShiftLimit), Log: log}
	if cfg.Gateway.URL != "" && !cfg.Gateway.SharedAccount {
		d.NewGateway = func(st cache.Staff, password string) (checkin.StaffGateway, error) {
			return gateway.New(gateway.Config{
				URL: cfg.Gateway.URL, Username: st.GatewayUser, Password: password,
				StaffName: st.Name, StaffID: st.CCCD,
				Timeout: time.Duration(cfg.Gateway.Timeout), Logger: log, InsecureHTTP: cfg.Gateway.InsecureHTTP,
			})
		}
	}
	return d
}

func newSyncer(cfg config.Config, db *cache.DB, dir string, log *slog.Logger) (*cccdsync.Syncer, error) {
	if cfg.Roster.FeedURL == "" {
		return nil, nil
	}
	pub, err := readPublicKey(cfg.Roster.PublisherKey)
	if err != nil {
		return nil, err
	}
	ids, err := readIdentities(cfg.Roster.IdentityFile)
	if err != nil {
		return nil, err
	}
	auth, err := readFeedAuth(cfg.Roster.FeedAuthFile)
	if err != nil {
		return nil, err
	}
	return cccdsync.New(db, cccdsync.Config{
		URL: cfg.Roster.FeedURL, PublicKey: pub, Identities: ids, Authorization: auth, WorkDir: filepath.Join(dir, "feed"),
		Logger: log, Interval: time.Duration(cfg.Roster.SyncInterval),
		Timeout: time.Duration(cfg.Roster.SyncTimeout), MaxShrink: cfg.Roster.MaxShrink,
	})
}

// updateGauges keeps the roster and outbox gauges current for /metrics.
func updateGauges(ctx context.Context, db *cache.DB, m *metrics.Metrics) {
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		if meta, err := db.RosterMeta(); err == nil {
			m.RosterRecords.Set(float64(meta.Records))
			if asOf := meta.AsOf(); !asOf.IsZero() {
				m.RosterAgeSeconds.Set(clock.Since(asOf).Seconds())
			}
		}
		if pending, err := db.PendingCount(); err == nil {
			m.OutboxDepth.Set(float64(pending))
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

// loadTLSCert loads api.tls_cert and api.tls_key; the key is a secret file
// (regular, not open to others: fsutil.ReadSecret).
func loadTLSCert(a config.API) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(a.TLSCert)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("api.tls_cert: %w", err)
	}
	keyPEM, err := fsutil.ReadSecret(a.TLSKey, maxSecretFile, true)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("api.tls_key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("api.tls_cert/api.tls_key: %w", err)
	}
	return cert, nil
}

// readFeedAuth reads roster.feed_auth_file ("" = none): a secret file
// holding the Authorization header value for the feed server.
func readFeedAuth(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := fsutil.ReadSecret(path, maxSecretFile, true)
	if err != nil {
		return "", usageError(fmt.Errorf("roster.feed_auth_file: %w", err))
	}
	return strings.TrimSpace(string(b)), nil
}
