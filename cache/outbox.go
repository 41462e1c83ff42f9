package cache

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	bolt "go.etcd.io/bbolt"
)

// Checkin is one reception record: what the hospital information system
// (HIS) needs for its check-in (QĐ 4750 XML0) and reception fields (XML1),
// plus the delivery state of the outbox. It is the HIS record, so it holds
// the person's data unmasked; nothing else (photo, MRZ, DG files, parents'
// names) is kept.
type Checkin struct {
	Seq      uint64    `json:"seq"`      // assigned by AppendCheckin, increasing
	Key      string    `json:"key"`      // idempotency key for the HIS, 32 hex digits (random 128 bits)
	Time     time.Time `json:"time"`     // reception time (XML NGAY_VAO)
	Reader   string    `json:"reader"`   // reader that read the card, or "qr"/"manual"
	Facility string    `json:"facility"` // this facility's code (XML MA_CSKCB)
	// Staff is who made the check-in: the staff member signed in at the
	// reader when the card was read ("" = nobody). Online re-checks run
	// under their gateway session.
	Staff string `json:"staff,omitempty"`

	SoCCCD   string `json:"soCCCD"`   // 12-digit ID number (XML SO_CCCD)
	HoTen    string `json:"hoTen"`    // full name, NFC (XML HO_TEN)
	NgaySinh string `json:"ngaySinh"` // date of birth, ISO 8601 yyyy-mm-dd, or yyyy when only the year is known
	GioiTinh string `json:"gioiTinh"` // "Nam", "Nữ" or "" (XML GIOI_TINH 1/2/3)
	DiaChi   string `json:"diaChi"`   // place of residence (XML DIA_CHI)
	// DiaChiSource says where DiaChi came from: "chip" (DG13, frozen at
	// issue, so it may carry place names from before the 2025 province
	// merger); "" when there is no address.
	DiaChiSource string `json:"diaChiSource,omitempty"`

	MaThe      string `json:"maThe"`      // BHYT card number (XML MA_THE_BHYT)
	MaDKBD     string `json:"maDKBD"`     // facility of first registration (XML MA_DKBD)
	GtTheTu    string `json:"gtTheTu"`    // card valid from, dd/MM/yyyy as the gateway writes it
	GtTheDen   string `json:"gtTheDen"`   // card valid until, dd/MM/yyyy
	MaKV       string `json:"maKV"`       // area code K1/K2/K3 (XML MA_KHUVUC)
	NgayDu5Nam string `json:"ngayDu5Nam"` // five continuous years from, dd/MM/yyyy (XML NAM_NAM_LIEN_TUC)

	// Episode holds the fields the HIS owns, set by it through the API
	// (PATCH /api/v1/checkins/{seq}/episode); nil until then. MA_LK in the
	// XML0 export comes only from here: without it MA_LK is left empty.
	Episode *Episode `json:"episode,omitempty"`

	Eligibility  CheckinEligibility `json:"eligibility"`
	Verification string             `json:"verification"` // chip verdict: "verified", "intact-untrusted", "failed"; "none" for a manual check-in (no card)
	Confirmed    bool               `json:"confirmed"`    // the receptionist confirmed the check-in
	// Cancelled: the receptionist cancelled the check-in (a wrong patient,
	// a visit that did not happen). It stays in the list and goes to the HIS
	// like a confirmation; it can no longer be confirmed.
	Cancelled   bool      `json:"cancelled"`
	CancelledAt time.Time `json:"cancelled_at,omitzero"`
	// ConfirmedBy is the signed-in staff member who confirmed it ("" when a
	// program did, with a bearer token).
	ConfirmedBy string `json:"confirmed_by,omitempty"`

	DeliveredAt    time.Time `json:"delivered_at,omitzero"` // when the HIS accepted it; zero while pending
	Attempts       int       `json:"attempts"`              // delivery attempts of the current revision so far
	LastAttempt    time.Time `json:"last_attempt,omitzero"`
	LastError      string    `json:"last_error,omitempty"` // last delivery failure (no personal data)
	RecheckChanged bool      `json:"recheck_changed"`      // an online re-check gave a different eligibility status

	// Revision counts the versions of this check-in sent to the HIS: 0 is
	// the first; an online re-check that changes the status of a check-in
	// the HIS may already hold raises it and puts the record back in the
	// outbox, in the transaction that stores the new answer. Records
	// written before revisions existed decode as revision 0.
	Revision int `json:"revision,omitempty"`
	// BHXH is the direct check-in to BHXH (gateway.checkin): nil until it
	// is queued, once the check-in is confirmed and its episode set.
	BHXH *BHXHCheckin `json:"bhxh_checkin,omitempty"`

	// PreviousEligibility is, for a revision above 0, the eligibility of
	// the version before it (what the HIS may hold); nil for revision 0.
	PreviousEligibility *CheckinEligibility `json:"previous_eligibility,omitempty"`
}

// CheckinEligibility is the eligibility summary kept with a check-in (the
// status, code, source and as_of of the Eligibility JSON).
type CheckinEligibility struct {
	Status string    `json:"status"`
	Code   string    `json:"code"`
	Source string    `json:"source"`
	AsOf   time.Time `json:"as_of,omitzero"`
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// newIdempotencyKey returns 128 random bits in hex.
func newIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// AppendCheckin stores c as a new record and returns its sequence number,
// which it also sets in c.Seq. An empty c.Key gets a random idempotency key,
// a zero c.Time the current time. The record is on disk (bbolt fsyncs the
// commit) when AppendCheckin returns; it stays in the outbox until
// MarkDelivered unless DeliveredAt is already set.
func (db *DB) AppendCheckin(c *Checkin) (uint64, error) {
	rec := *c
	if rec.Key == "" {
		rec.Key = newIdempotencyKey()
	}
	if rec.Time.IsZero() {
		rec.Time = clock.Now()
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCheckins)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		rec.Seq = seq
		return putCheckin(tx, &rec)
	})
	if err != nil {
		return 0, fmt.Errorf("store check-in: %w", err)
	}
	*c = rec
	return rec.Seq, nil
}

// putCheckin writes c and keeps the outbox index in step with DeliveredAt.
func putCheckin(tx *bolt.Tx, c *Checkin) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	k := seqKey(c.Seq)
	if err := tx.Bucket(bucketCheckins).Put(k, v); err != nil {
		return err
	}
	bhxh := tx.Bucket(bucketBHXHOutbox)
	if c.BHXH != nil && c.BHXH.Status == BHXHPending {
		err = bhxh.Put(k, nil)
	} else {
		err = bhxh.Delete(k)
	}
	if err != nil {
		return err
	}
	if c.DeliveredAt.IsZero() {
		return tx.Bucket(bucketOutbox).Put(k, nil)
	}
	return tx.Bucket(bucketOutbox).Delete(k)
}

func getCheckin(tx *bolt.Tx, seq uint64) (Checkin, bool, error) {
	var c Checkin
	v := tx.Bucket(bucketCheckins).Get(seqKey(seq))
	if v == nil {
		return c, false, nil
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return Checkin{}, false, fmt.Errorf("check-in %d: %w", seq, ErrCorrupt)
	}
	return c, true, nil
}

// Checkin returns the record with sequence number seq; ok is false if none.
func (db *DB) Checkin(seq uint64) (Checkin, bool, error) {
	var (
		c  Checkin
		ok bool
	)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		c, ok, err = getCheckin(tx, seq)
		return err
	})
	if err != nil {
		return Checkin{}, false, fmt.Errorf("read check-in: %w", err)
	}
	return c, ok, nil
}

// ListCheckins returns up to limit records with Seq > after, in Seq order.
// limit <= 0 means no limit.
func (db *DB) ListCheckins(after uint64, limit int) ([]Checkin, error) {
	var out []Checkin
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCheckins).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
			if after == ^uint64(0) {
				break
			}
			var rec Checkin
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("check-in %d: %w", binary.BigEndian.Uint64(k), ErrCorrupt)
			}
			out = append(out, rec)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list check-ins: %w", err)
	}
	return out, nil
}

// PendingDeliveries returns up to limit undelivered records (DeliveredAt
// zero), oldest first. limit <= 0 means no limit.
func (db *DB) PendingDeliveries(limit int) ([]Checkin, error) {
	out, err := db.queued(bucketOutbox, limit)
	if err != nil {
		return nil, fmt.Errorf("list pending check-ins: %w", err)
	}
	return out, nil
}

// queued reads the check-ins a queue bucket (seq → empty) names, oldest
// first, at most limit (<= 0: all).
func (db *DB) queued(bucket []byte, limit int) ([]Checkin, error) {
	var out []Checkin
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, _ := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
			rec, ok, err := getCheckin(tx, binary.BigEndian.Uint64(k))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, rec)
			}
		}
		return nil
	})
	return out, err
}

// PendingCount is how many check-ins wait in the outbox. It counts keys
// only (bbolt keeps the count in the bucket's pages), so the gauges and the
// status can ask often without decoding a single record.
func (db *DB) PendingCount() (int, error) {
	var n int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketOutbox).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count pending check-ins: %w", err)
	}
	return n, nil
}

// MayBeHeldByHIS reports whether the HIS may hold c's current revision: it
// accepted it, or an attempt ended without a confirmation (a timeout or a
// lost answer can hide a stored record). A change the HIS must learn of
// then goes out as the next revision: under the same Idempotency-Key it
// would be dropped as a duplicate.
func (c *Checkin) MayBeHeldByHIS() bool { return !c.DeliveredAt.IsZero() || c.Attempts > 0 }

// NextRevision turns c into its next revision, pending in the outbox. held
// is the eligibility of the version the HIS may hold, kept as
// PreviousEligibility. Delivery bookkeeping restarts: attempts and their
// backoff count per revision.
func (c *Checkin) NextRevision(held CheckinEligibility) {
	c.Revision++
	c.PreviousEligibility = &held
	c.DeliveredAt = time.Time{}
	c.Attempts, c.LastAttempt, c.LastError = 0, time.Time{}, ""
}

// sameForHIS reports whether stored still says what sent said in the
// fields that change after a check-in is recorded.
func sameForHIS(stored, sent *Checkin) bool {
	a, b := stored.Eligibility, sent.Eligibility
	return stored.Revision == sent.Revision && stored.Confirmed == sent.Confirmed &&
		stored.Cancelled == sent.Cancelled &&
		stored.RecheckChanged == sent.RecheckChanged &&
		a.Status == b.Status && a.Code == b.Code && a.Source == b.Source && a.AsOf.Equal(b.AsOf)
}

// MarkDelivered records that the HIS accepted sent, the copy of a record
// that was POSTed, at at, and takes the record out of the outbox. The
// record may have changed while the POST was in flight (the receptionist
// confirmed it): the HIS then holds the older content, so the record
// becomes its next revision and stays in the outbox. A record already at a
// later revision than sent stays pending as it is. ErrNotFound if there is
// no such record.
func (db *DB) MarkDelivered(sent *Checkin, at time.Time) error {
	return db.UpdateCheckin(sent.Seq, func(c *Checkin) error {
		switch {
		case c.Revision != sent.Revision:
		case !sameForHIS(c, sent):
			c.NextRevision(sent.Eligibility)
		default:
			c.DeliveredAt = at
			c.LastError = ""
		}
		return nil
	})
}

// MarkAttempt counts a failed or unanswered delivery attempt of sent at at
// and stores its failure (nil: none); err's text must not carry personal
// data. As in MarkDelivered, a record that changed during the attempt
// becomes its next revision (the HIS may hold what was sent), and one
// already at a later revision is left alone. ErrNotFound if there is no
// such record.
func (db *DB) MarkAttempt(sent *Checkin, at time.Time, err error) error {
	return db.UpdateCheckin(sent.Seq, func(c *Checkin) error {
		switch {
		case c.Revision != sent.Revision:
			return nil
		case !sameForHIS(c, sent):
			c.NextRevision(sent.Eligibility)
			return nil
		}
		c.Attempts++
		c.LastAttempt = at
		c.LastError = ""
		if err != nil {
			c.LastError = err.Error()
		}
		return nil
	})
}

// UpdateCheckin runs fn on record seq inside one write transaction and
// stores the result; an error from fn aborts without change. fn may not
// change Seq or Key (they are restored). ErrNotFound if there is no such
// record. fn must not call other DB methods (it runs inside the writer).
func (db *DB) UpdateCheckin(seq uint64, fn func(*Checkin) error) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		c, ok, err := getCheckin(tx, seq)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("check-in %d: %w", seq, ErrNotFound)
		}
		seqWas, keyWas := c.Seq, c.Key
		if err := fn(&c); err != nil {
			return err
		}
		c.Seq, c.Key = seqWas, keyWas
		return putCheckin(tx, &c)
	})
	if err != nil {
		return fmt.Errorf("update check-in: %w", err)
	}
	return nil
}
