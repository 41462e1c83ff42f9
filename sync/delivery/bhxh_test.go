package delivery

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
)

// TestBHXHRejectedAndShared: under the facility's shared account every
// queued check-in goes out; an answer other than 200 (CV 1245/BHXH-CNTT
// §2.3, dh-hos/Mo-ta-he-thong XML130/QD4570/1245-BHXH-CNTT_…4750_QĐ_BYT_fn.pdf
// p. 4) is recorded as rejected and not sent again until the check-in is
// queued anew; the log names neither the patient nor BHXH's message.
func TestBHXHRejectedAndShared(t *testing.T) {
	ctx := context.Background()
	gw := newFakeGW(t)
	gw.CheckinCode = "400"
	client, err := newGatewayClient(gw.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, filepath.Join(t.TempDir(), "cccd.db"))
	c := checkin(1, "eligible", "gateway")
	c.Episode = &cache.Episode{MaLK: "LK0001"}
	if _, err := db.AppendCheckin(c); err != nil {
		t.Fatal(err)
	}
	db.UpdateCheckin(c.Seq, func(rc *cache.Checkin) error { rc.QueueBHXH("", fixtureNow); return nil })
	var log strings.Builder
	s, err := NewBHXH(db, BHXHConfig{Facility: "01832", Shared: client, Now: func() time.Time { return fixtureNow },
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.SubmitPending(ctx); n != 1 || err != nil {
		t.Fatalf("SubmitPending = %d, %v", n, err)
	}
	got, _, _ := db.Checkin(c.Seq)
	if b := got.BHXH; b.Status != cache.BHXHRejected || b.MaKetQua != "400" || b.ThongDiep == "" || b.Attempts != 1 {
		t.Fatalf("recorded %+v", b)
	}
	if n, err := s.SubmitPending(ctx); n != 0 || err != nil || gw.CheckinCalls.Load() != 1 {
		t.Fatalf("a rejected check-in was sent again: %d, %v, %d calls", n, err, gw.CheckinCalls.Load())
	}
	if r := gw.Requests(); len(r) != 1 || r[0].Username != gwUser || r[0].MaTinh != "01" || r[0].MaCSKCB != "01832" {
		t.Fatalf("requests %+v", r)
	}
	// The HIS corrects the episode: queued again, sent again.
	gw.CheckinCode = ""
	db.UpdateCheckin(c.Seq, func(rc *cache.Checkin) error { rc.QueueBHXH("", fixtureNow.Add(time.Minute)); return nil })
	if n, err := s.SubmitPending(ctx); n != 1 || err != nil {
		t.Fatalf("after re-queueing: %d, %v", n, err)
	}
	if got, _, _ := db.Checkin(c.Seq); got.BHXH.Status != cache.BHXHAccepted {
		t.Fatalf("recorded %+v", got.BHXH)
	}
	for _, secret := range []string{c.HoTen, c.SoCCCD, c.MaThe, "Tiếp nhận"} {
		if strings.Contains(log.String(), secret) {
			t.Fatalf("the log carries %q", secret)
		}
	}
}
