package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/fsutil"
	cccdsync "github.com/cccd-agent/cccd/sync"
	"github.com/cccd-agent/cccd/sync/feed"
)

// `cccd roster publish` and `cccd roster sync`: the signed roster feed
// (docs/FEED.md). Missing flags and unreadable keys exit 2; every feed,
// roster or cache failure exits 6.

func init() {
	registerRoster(newRosterPublishCmd)
	registerRoster(newRosterSyncCmd)
	registerRoster(newRosterKeygenCmd)
	for _, err := range []error{feed.ErrMalformed, feed.ErrBadSignature, feed.ErrUnknownKey,
		feed.ErrHashMismatch, feed.ErrRollback, feed.ErrNoIdentity, cccdsync.ErrUnavailable} {
		sentinelCodes = append(sentinelCodes, struct {
			err  error
			code int
		}{err, exitRoster})
	}
}

func newRosterPublishCmd() *cobra.Command {
	var in, keyPath, out, recipientsPath, identityPath string
	var keep int
	c := &cobra.Command{
		Use:   "publish --in FILE --key KEY.pem --out DIR",
		Short: "Publish a roster CSV as a signed feed (snapshot + delta) into a directory a web server serves",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" || keyPath == "" || out == "" {
				return usagef("roster publish needs --in FILE, --key KEY.pem and --out DIR")
			}
			key, err := readPrivateKey(keyPath)
			if err != nil {
				return err
			}
			opt := feed.PublishOptions{KeepDeltas: keep}
			if recipientsPath != "" {
				b, err := os.ReadFile(recipientsPath)
				if err != nil {
					return usageError(err)
				}
				if opt.Recipients, err = feed.ParseRecipients(b); err != nil {
					return usageError(fmt.Errorf("--recipients %s: %w", recipientsPath, err))
				}
				if identityPath == "" {
					return usagef("an encrypted feed needs --identity FILE too: the publisher's own age identity (cccd roster keygen), to read its previous publication")
				}
			}
			if identityPath != "" {
				if opt.Identities, err = readIdentities(identityPath); err != nil {
					return err
				}
			}
			records, err := readRosterCSV(cmd, in)
			if err != nil {
				return withCode(exitRoster, err)
			}
			res, err := feed.Publish(cmd.Context(), out, key, records, opt)
			if err != nil {
				return withCode(exitRoster, fmt.Errorf("publish roster: %w", err))
			}
			m := res.Manifest
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "published roster version %d: %d records, snapshot %d bytes\n", m.Version, m.Records, m.Snapshot.Size)
			if d := res.Delta; d != nil {
				fmt.Fprintf(w, "delta from version %d: %d upserts, %d deletes, %d bytes\n", d.Base, d.Upserts, d.Deletes, d.Size)
			}
			fmt.Fprintf(w, "publisher key id %s\n", feed.KeyID(key.Public().(ed25519.PublicKey)))
			if m.Encryption == "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "cccd: warning: the feed is not encrypted: anyone who has its URL can read every record; publish with --recipients FILE (the clinics' `cccd roster keygen` recipients)")
			} else {
				fmt.Fprintf(w, "encrypted to %d clinics and the publisher\n", len(opt.Recipients))
			}
			return nil
		},
	}
	c.Flags().StringVar(&in, "in", "", "roster CSV file (gateway field names in the header)")
	c.Flags().StringVar(&keyPath, "key", "", "publisher Ed25519 private key, PKCS#8 PEM (openssl genpkey -algorithm ed25519)")
	c.Flags().StringVar(&out, "out", "", "feed directory to write (served as static files)")
	c.Flags().IntVar(&keep, "keep-deltas", feed.DefaultKeepDeltas, "deltas the manifest lists")
	c.Flags().StringVar(&recipientsPath, "recipients", "", "encrypt to these clinics: a file of age recipients (age1…), one per line")
	c.Flags().StringVar(&identityPath, "identity", "", "the publisher's own age identity (cccd roster keygen), with --recipients")
	return c
}

// newRosterKeygenCmd makes a clinic's (or the publisher's) age identity for
// an encrypted feed: the secret goes to a new 0600 file, the recipient to
// stdout for the publisher's --recipients file.
func newRosterKeygenCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "keygen --out FILE",
		Short: "Make an age identity for an encrypted roster feed: FILE keeps the secret, the recipient is printed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("roster keygen needs --out FILE (then set roster.identity_file to it)")
			}
			if _, err := os.Lstat(out); err == nil {
				return usagef("%s exists: keygen never overwrites an identity (a feed encrypted to it could no longer be read)", out)
			}
			identity, recipient, err := feed.GenerateIdentity()
			if err != nil {
				return err
			}
			text := "# cccd roster feed identity, made " + clock.Now().UTC().Format(time.RFC3339) + "\n# recipient: " + recipient + "\n" + identity + "\n"
			if err := fsutil.WriteFile(out, []byte(text), 0o600); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), recipient)
			fmt.Fprintf(cmd.ErrOrStderr(), "cccd: identity written to %s (keep it secret; set roster.identity_file); give the publisher the recipient above\n", out)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "file to write the identity to (mode 0600; must not exist)")
	return c
}

// readIdentities reads an age identity file ("" = none): a secret file,
// regular and not open to others.
func readIdentities(path string) ([]age.Identity, error) {
	if path == "" {
		return nil, nil
	}
	b, err := fsutil.ReadSecret(path, 64<<10, false)
	if err != nil {
		return nil, usageError(fmt.Errorf("roster identity: %w", err))
	}
	ids, err := feed.ParseIdentities(b)
	if err != nil {
		return nil, usageError(fmt.Errorf("roster identity %s: %w", path, err))
	}
	return ids, nil
}

func newRosterSyncCmd() *cobra.Command {
	var from, pubPath, identityPath string
	var force bool
	c := &cobra.Command{
		Use:   "sync [--from URL] [--pubkey PUB.pem] [--force]",
		Short: "Bring the local roster up to date from the signed feed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(global.configFile)
			if err != nil {
				return usageError(err)
			}
			if from == "" {
				from = cfg.Roster.FeedURL
			}
			if pubPath == "" {
				pubPath = cfg.Roster.PublisherKey
			}
			if from == "" || pubPath == "" {
				return usagef("roster sync needs the feed URL and the publisher key: pass --from URL --pubkey PUB.pem or set roster.feed_url and roster.publisher_key in the config")
			}
			pub, err := readPublicKey(pubPath)
			if err != nil {
				return err
			}
			if identityPath == "" {
				identityPath = cfg.Roster.IdentityFile
			}
			ids, err := readIdentities(identityPath)
			if err != nil {
				return err
			}
			auth, err := readFeedAuth(cfg.Roster.FeedAuthFile)
			if err != nil {
				return err
			}
			db, err := openCache()
			if err != nil {
				var coded *codedError
				if errors.As(err, &coded) {
					return err // a bad --config or --data keeps its usage code
				}
				return withCode(exitRoster, err)
			}
			defer db.Close()
			dir := filepath.Dir(db.Path())
			// The outcome is printed; log lines would only repeat it.
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			scfg := cccdsync.Config{URL: from, PublicKey: pub, Identities: ids, Authorization: auth, WorkDir: filepath.Join(dir, "feed"), Logger: quiet,
				Timeout: time.Duration(cfg.Roster.SyncTimeout), MaxShrink: cfg.Roster.MaxShrink, Force: force}
			if progressOn(cmd) {
				scfg.Progress = stderrProgress
			}
			s, err := cccdsync.New(db, scfg)
			if err != nil {
				return usageError(err)
			}
			res, err := s.Sync(cmd.Context())
			if err != nil {
				return withCode(exitRoster, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "roster %s: version %d → %d, %d records, %d bytes downloaded\n",
				res.Mode, res.From, res.To, res.Records, res.Bytes)
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "feed URL (directory holding manifest.json); default roster.feed_url")
	c.Flags().StringVar(&pubPath, "pubkey", "", "publisher Ed25519 public key, SPKI PEM; default roster.publisher_key")
	c.Flags().BoolVar(&force, "force", false, "accept a publication that drops more of the roster than roster.max_shrink")
	c.Flags().StringVar(&identityPath, "identity", "", "this clinic's age identity for an encrypted feed; default roster.identity_file")
	return c
}

func readPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError(fmt.Errorf("read key: %w", err))
	}
	k, err := feed.ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, usageError(fmt.Errorf("key %s: %w", path, err))
	}
	return k, nil
}

func readPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError(fmt.Errorf("read public key: %w", err))
	}
	k, err := feed.ParsePublicKeyPEM(b)
	if err != nil {
		return nil, usageError(fmt.Errorf("public key %s: %w", path, err))
	}
	return k, nil
}

// readRosterCSV parses a roster file with the cache's CSV rules, with a bar
// of the bytes read on a terminal.
func readRosterCSV(cmd *cobra.Command, path string) ([]cache.RosterRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open roster file: %w", err)
	}
	defer f.Close()
	bar := newProgress(cmd, fileSize(f), "reading roster")
	defer bar.done()
	var records []cache.RosterRecord
	err = cache.ParseRosterCSV(bar.reader(f), func(_ int, r cache.RosterRecord) error {
		records = append(records, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("roster file %s: %w", path, err)
	}
	return records, nil
}

// stderrProgress draws a byte progress bar for one download on stderr.
func stderrProgress(label string, total, done int64) io.WriteCloser {
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowBytes(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100e6),
	)
	bar.Set64(done)
	return bar
}
