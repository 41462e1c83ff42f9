package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/passhash"
	"github.com/cccd-agent/cccd/reader/sim"
	"github.com/cccd-agent/cccd/verify"
)

func init() { register(newDemoCmd) }

// demoFacility is the clinic of the demo: the demo person is registered here.
const demoFacility = "79024"

func newDemoCmd() *cobra.Command {
	var (
		listen     string
		feedURL    string
		pubKey     string
		keep       string
		hisOrigins []string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the agent with the simulated card, a sample roster and demo trust (the embedded default)",
		Long: `Run the whole product without a card or a network: a simulated reader with the demo card
(insert and remove it from the console), a sample roster in which the demo person is insured, and the
demo card's test CSCA as the trust anchor. Open the console URL it prints, type the CAN ` + sim.DemoCAN + `,
press Enter, click "Insert card".

With --feed the agent also syncs the roster from that feed; an unreachable feed shows what the desk
sees offline (the insurance answer becomes provisional).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// --config brings the admin's own settings (API, check-ins,
			// gateway, ...) to the demo; the reader, facility and roster
			// stay the demo's.
			cfg, err := config.Load(global.configFile)
			if err != nil {
				return usageError(err)
			}
			cfg.Readers = config.Default().Readers
			cfg.Readers.PCSC = false
			cfg.Facility = config.Facility{Code: demoFacility, Name: "Phòng khám Demo"}
			cfg.Log.Format = "text"
			if listen != "" {
				cfg.Listen = listen
			}
			cfg.API.HISOrigins = append(cfg.API.HISOrigins, hisOrigins...)
			if feedURL != "" {
				if pubKey == "" {
					return usagef("--feed needs --pubkey (the feed publisher's Ed25519 public key)")
				}
				cfg.Roster.FeedURL, cfg.Roster.PublisherKey = feedURL, pubKey
			}
			if err := cfg.Validate(); err != nil {
				return usageError(err)
			}
			dir := keep
			if dir == "" {
				tmp, err := os.MkdirTemp("", "cccd-demo-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				dir = tmp
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			if err := seedDemoRoster(dir); err != nil {
				return err
			}
			pin, err := seedDemoStaff(dir)
			if err != nil {
				return err
			}
			trust, err := demoTrust()
			if err != nil {
				return err
			}
			p, err := sim.DemoProfile()
			if err != nil {
				return err
			}
			chip, err := sim.NewCard(p)
			if err != nil {
				return err
			}
			// 4 ms per APDU: a demo read takes about as long as a real card.
			slot := sim.NewSlot("demo", chip, 4*time.Millisecond)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			return runAgent(ctx, cfg, dir, agentExtras{trust: trust, slots: []*sim.Slot{slot}, signInStaff: demoStaff, onListening: func(url string) {
				fmt.Fprintf(out, "cccd demo: console at %s\n", url)
				fmt.Fprintf(out, "cccd demo: that link signs %q in once; after a lock or sign-out use the PIN %s\n", demoStaff, pin)
				fmt.Fprintf(out, "cccd demo: type the CAN %s, press Enter, then click \"Đặt thẻ\" (Insert card). Ctrl+C stops.\n", sim.DemoCAN)
				fmt.Fprintf(out, "cccd demo: data in %s (API token in %s/api-token)\n", dir, dir)
			}})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "console address (default 127.0.0.1:7400)")
	cmd.Flags().StringVar(&feedURL, "feed", "", "also sync the roster from this feed URL")
	cmd.Flags().StringVar(&pubKey, "pubkey", "", "the feed publisher's public key (with --feed)")
	cmd.Flags().StringArrayVar(&hisOrigins, "his-origin", nil, "also let a HIS web page from this origin sign in and call the API (repeatable), e.g. http://localhost:8080")
	cmd.Flags().StringVar(&keep, "keep", "", "keep the demo's data in this directory instead of a temporary one")
	return cmd
}

// demoTrust trusts the demo card's test CSCA, so the demo read is green.
func demoTrust() (*verify.TrustStore, error) {
	pki, err := sim.DemoPKI()
	if err != nil {
		return nil, err
	}
	items, err := verify.DecodeTrustFile(pki.CSCACert)
	if err != nil {
		return nil, err
	}
	store := verify.NewTrustStore()
	return store, store.AddItems(items, "demo test CSCA")
}

// demoStaff is the demo's receptionist; demoStaffCCCD is a made-up number.
const (
	demoStaff     = "Lễ tân Demo"
	demoStaffCCCD = "079199000001"
)

// seedDemoStaff adds (or re-keys) the demo receptionist with a fresh random
// 6-digit PIN, which the demo prints.
func seedDemoStaff(dir string) (string, error) {
	db, err := cache.Open(dir + string(os.PathSeparator) + cacheFileName)
	if err != nil {
		return "", err
	}
	defer db.Close()
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	pin := fmt.Sprintf("%06d", n.Int64())
	hash, err := passhash.Hash(pin, passhash.Default)
	if err != nil {
		return "", err
	}
	now := clock.Now()
	err = db.AddStaff(cache.Staff{Name: demoStaff, CCCD: demoStaffCCCD, Hash: hash, Created: now, Changed: now})
	if errors.Is(err, cache.ErrExists) {
		err = db.UpdateStaff(demoStaff, func(s *cache.Staff) error { s.Hash, s.Changed, s.Disabled = hash, now, false; return nil })
	}
	return pin, err
}

// seedDemoRoster stores a small roster in which the demo person is insured
// and registered at the demo facility, valid around today.
func seedDemoRoster(dir string) error {
	db, err := cache.Open(dir + string(os.PathSeparator) + cacheFileName)
	if err != nil {
		return err
	}
	defer db.Close()
	now := clock.Now()
	from, to := now.AddDate(0, -6, 0).Format("02/01/2006"), now.AddDate(1, 0, 0).Format("02/01/2006")
	records := []cache.RosterRecord{
		{SoCCCD: sim.DemoID, MaThe: "GD4797901234567", MaSoBHXH: "7901234567", HoTen: sim.DemoName,
			NgaySinh: sim.DemoDateOfBirth.Format("02/01/2006"), GioiTinh: "Nữ", DiaChi: "Phường 5, Thành phố Hồ Chí Minh",
			MaDKBD: demoFacility, TenDKBD: "Phòng khám Demo", GtTheTu: from, GtTheDen: to, MaKV: "",
			NgayDu5Nam: "01/01/2020", MucHuong: "80", TrangThai: "000", CapNhat: now.Format("02/01/2006")},
		{SoCCCD: "001085004321", MaThe: "HT3010000000001", MaSoBHXH: "0100000001", HoTen: "Trần Văn Bình",
			NgaySinh: "03/11/1985", GioiTinh: "Nam", MaDKBD: "01001", TenDKBD: "Bệnh viện Demo Hà Nội",
			GtTheTu: from, GtTheDen: now.AddDate(0, 0, -1).Format("02/01/2006"), MucHuong: "95", TrangThai: "000",
			CapNhat: now.Format("02/01/2006")},
	}
	meta := cache.RosterMeta{Version: 1, Published: now, Synced: now, Source: "demo"}
	return db.ReplaceRoster(meta, func(yield func(cache.RosterRecord) error) error {
		for _, r := range records {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	})
}
