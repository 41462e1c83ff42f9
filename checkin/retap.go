package checkin

import "github.com/cccd-agent/cccd/cache"

// storeCheckin records rec unless the same card (ID number) was checked in,
// and not cancelled, within the re-tap window before rec.Time: then rec
// becomes that check-in and repeat is true. A window of 0 always stores.
func (a *Agent) storeCheckin(rec *cache.Checkin) (seq uint64, repeat bool, err error) {
	if w := a.cfg.RetapWindow; w > 0 && rec.SoCCCD != "" {
		prev, ok, err := a.db.RecentCheckin(rec.SoCCCD, rec.Time.Add(-w))
		if err != nil {
			return 0, false, err
		}
		if ok {
			a.log.Info("same card again within the re-tap window; no new check-in", "reader", rec.Reader, "checkin", prev.Seq)
			*rec = prev
			return prev.Seq, true, nil
		}
	}
	seq, err = a.db.AppendCheckin(rec)
	return seq, false, err
}
