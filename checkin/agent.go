package checkin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/internal/metrics"
	"github.com/cccd-agent/cccd/internal/redact"
	"github.com/cccd-agent/cccd/reader"
)

// AgentConfig is what the reception flow needs: settings from the
// configuration, then the parts it works with. DB, Lookup, Watcher, Readers
// and Hub are required.
type AgentConfig struct {
	Facility   string        // this facility's code (maDKBD), for "registered here"
	KeyTimeout time.Duration // how long a card waits for a key, and a key for a card
	Read       ReadOptions   // trust store, photo, BAC policy
	Now        func() time.Time
	// AfterCheckin is called after each check-in is stored (the outbox
	// deliverer's Kick); it must not block.
	AfterCheckin func()
	// BHXHCheckin queues a check-in for BHXH's check-in endpoint
	// (gateway.checkin) once it is confirmed and the HIS has set its
	// episode; AfterBHXHQueue (the sender's Kick) is called after each.
	BHXHCheckin    bool
	AfterBHXHQueue func()

	DB      *cache.DB       // where check-ins are stored before anyone is told
	Lookup  *Lookup         // eligibility
	Watcher *reader.Watcher // card and reader events
	Readers *reader.Router  // reader names to readers
	Hub     *Hub            // where events go
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Status reports roster age and online state for the console; may be nil.
	Status func() StatusInfo
	// ReadTTL is how long a read can be pulled by id after the tap
	// (Agent.Read); 0 means DefaultReadTTL.
	ReadTTL time.Duration
	// RetapWindow: a card read again within it after a check-in of the
	// same ID number (not cancelled) records no new check-in; its result
	// names the earlier one (ResultEvent.Repeat). 0 turns this off.
	RetapWindow time.Duration
}

// Agent runs the reception flow: one session per tap, from the card present
// event to the recorded check-in. Its exported methods are what the local
// API serves; they wrap ErrNotFound, ErrBadInput and ErrConflict.
type Agent struct {
	cfg     AgentConfig
	db      *cache.DB
	lookup  *Lookup
	watcher *reader.Watcher
	readers *reader.Router
	hub     *Hub
	metrics *metrics.Metrics
	log     *slog.Logger
	status  func() StatusInfo
	extLen  icao.ExtendedLengthMemo // per reader and ATR, for the agent's lifetime
	reads   *recentReads            // the last few minutes' reads, in memory only
	unsaved unsavedQueue            // check-ins the disk did not take yet (unsaved.go)

	mu    sync.Mutex
	slots map[string]*slot
	wg    sync.WaitGroup
}

// slot is the agent's state for one reader.
type slot struct {
	name     string
	card     bool      // a card is in the field
	reading  bool      // a read is running
	key      *Key      // the key for the next (or waiting) card
	keyUntil time.Time // when that key stops being valid
	cancel   context.CancelFunc
	waitKey  *time.Timer // a card waiting for its key
	lastErr  string

	state      ReaderState // where the reader is in the flow (readerstate.go)
	since      time.Time   // when it got there
	lastSeq    uint64      // the check-in of the current result, until the next card
	lastReadID string      // its read, for GET /api/v1/reads/{id}
}

// NewAgent assembles the flow from cfg.
func NewAgent(cfg AgentConfig) *Agent {
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.KeyTimeout <= 0 {
		cfg.KeyTimeout = 2 * time.Minute
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Agent{cfg: cfg, db: cfg.DB, lookup: cfg.Lookup, watcher: cfg.Watcher, readers: cfg.Readers, hub: cfg.Hub,
		metrics: cfg.Metrics, log: cfg.Log, status: cfg.Status, reads: newRecentReads(cfg.ReadTTL), slots: map[string]*slot{}}
}

// Run follows the watcher until ctx ends, then waits for running reads to
// finish or be cancelled.
func (a *Agent) Run(ctx context.Context) {
	a.wg.Add(1)
	go func() { defer a.wg.Done(); a.retryUnsaved(ctx) }()
	for ev := range a.watcher.Run(ctx) {
		a.handle(ctx, ev)
	}
	a.mu.Lock()
	for _, s := range a.slots {
		if s.cancel != nil {
			s.cancel()
		}
		if s.waitKey != nil {
			s.waitKey.Stop()
		}
	}
	a.mu.Unlock()
	a.wg.Wait()
}

func (a *Agent) slotLocked(name string) *slot {
	s, ok := a.slots[name]
	if !ok {
		s = &slot{name: name, state: StateIdle, since: a.cfg.Now()}
		a.slots[name] = s
	}
	return s
}

func (a *Agent) publish(typ, readerName string, data any) {
	a.hub.Publish(Event{Type: typ, Reader: readerName, Data: data})
}

func (a *Agent) handle(ctx context.Context, ev reader.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch ev.Type {
	case reader.ReaderAdded:
		a.slotLocked(ev.Reader)
		a.publish("reader-added", ev.Reader, nil)
	case reader.ReaderRemoved:
		if s, ok := a.slots[ev.Reader]; ok {
			a.endCardLocked(s)
			delete(a.slots, ev.Reader)
		}
		a.publish("reader-removed", ev.Reader, nil)
	case reader.CardPresent:
		s := a.slotLocked(ev.Reader)
		s.card = true
		// A new card: nothing of the previous one is current any more.
		s.lastErr, s.lastSeq, s.lastReadID = "", 0, ""
		a.publish("card-present", ev.Reader, nil)
		a.startOrWaitLocked(ctx, s)
	case reader.CardRemoved:
		s, ok := a.slots[ev.Reader]
		if ok {
			a.endCardLocked(s)
		}
		if ok && s.state != StateIdle && s.state != StateRemoved {
			a.setStateLocked(s, StateRemoved)
		}
		a.publish("card-removed", ev.Reader, nil)
	case reader.CardMute:
		s := a.slotLocked(ev.Reader)
		s.lastErr = "card-mute"
		a.setStateLocked(s, StateError)
		a.publish("error", ev.Reader, ErrorEvent{Code: "card-mute", Message: msgCardMute, MessageEN: "The card does not answer: lift it and lay it down again, keep it still."})
	case reader.Error:
		a.log.Warn("reader backend error", "reader", ev.Reader, "err", ev.Err)
	}
}

// startOrWaitLocked starts the read when a fresh key is there, and otherwise
// asks the console for one and waits KeyTimeout.
func (a *Agent) startOrWaitLocked(ctx context.Context, s *slot) {
	if !s.card || s.reading {
		return
	}
	if s.key != nil && a.cfg.Now().Before(s.keyUntil) {
		key := *s.key
		s.key = nil
		a.startReadLocked(ctx, s, key)
		return
	}
	s.key = nil
	a.setStateLocked(s, StateWaitingKey)
	a.publish("key-needed", s.name, nil)
	if s.waitKey != nil {
		s.waitKey.Stop()
	}
	name := s.name
	s.waitKey = time.AfterFunc(a.cfg.KeyTimeout, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if cur, ok := a.slots[name]; ok && cur.card && !cur.reading {
			cur.lastErr = "key-timeout"
			a.setStateLocked(cur, StateError)
			a.publish("error", name, ErrorEvent{Code: "key-timeout", Message: msgKeyTimeout, MessageEN: "No CAN was entered: type the last 6 digits of the ID number, then lay the card again."})
		}
	})
}

func (a *Agent) endCardLocked(s *slot) {
	s.card = false
	if s.cancel != nil {
		s.cancel()
	}
	if s.waitKey != nil {
		s.waitKey.Stop()
		s.waitKey = nil
	}
}

func (a *Agent) startReadLocked(ctx context.Context, s *slot, key Key) {
	if s.waitKey != nil {
		s.waitKey.Stop()
		s.waitKey = nil
	}
	r, ok := a.open(s.name)
	if !ok {
		s.lastErr = "no-reader"
		a.setStateLocked(s, StateError)
		a.publish("error", s.name, ErrorEvent{Code: "no-reader", Message: msgNoReader, MessageEN: "The reader could not be opened: check its cable or run cccd doctor."})
		return
	}
	rctx, cancel := context.WithCancel(ctx)
	s.reading, s.cancel = true, cancel
	a.setStateLocked(s, StateReading)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer cancel()
		a.read(rctx, r, key)
		a.finishRead(s.name)
	}()
}

// showResult ends the read on reader name with check-in seq as its current
// result, before the result event goes out, so that a client refreshing on
// that event sees the reader's new state. A card that left at the last
// moment stays "removed", with its result still current until the next card.
func (a *Agent) showResult(name string, seq uint64, readID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.slots[name]
	if !ok {
		return
	}
	s.reading, s.cancel = false, nil
	s.lastSeq, s.lastReadID = seq, readID
	if s.card {
		a.setStateLocked(s, StateResult)
		return
	}
	a.publish("reader-state", name, a.infoLocked(s))
}

// finishRead marks the reader's read as over, before the result is
// published so that a client refreshing on the result sees the card idle.
func (a *Agent) finishRead(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.slots[name]; ok {
		s.reading, s.cancel = false, nil
	}
}

func (a *Agent) open(name string) (reader.Reader, bool) {
	r, err := a.readers.Open(name)
	return r, err == nil
}

// read runs one session: connect, read, verify, eligibility, record.
func (a *Agent) read(ctx context.Context, r reader.Reader, key Key) {
	start := a.cfg.Now()
	name := r.Name()
	fail := func(outcome string, err error) {
		a.metrics.Reads.WithLabelValues(outcome).Inc()
		ue := describeReadError(err)
		a.log.Info("read failed", "reader", name, "outcome", outcome, "code", ue.Code, "err", err)
		a.mu.Lock()
		if s, ok := a.slots[name]; ok {
			s.lastErr = ue.Code
			s.reading, s.cancel = false, nil
			if s.card { // a card that left is "removed" already
				a.setStateLocked(s, StateError)
			}
		}
		a.mu.Unlock()
		a.publish("error", name, ue)
	}
	card, err := r.Connect(ctx)
	if err != nil {
		fail("error", err)
		return
	}
	defer card.Close()
	opts := a.cfg.Read
	if opts.ExtendedLength == nil {
		opts.ExtendedLength = &a.extLen
	}
	opts.Progress = func(step string, percent int) {
		a.publish("progress", name, ProgressEvent{Step: step, Percent: percent})
	}
	res, err := ReadCard(ctx, card, name, key, opts)
	card.Close() // before the slot looks idle: a key sent on the result or error must not find the reader busy
	if err != nil {
		outcome := "error"
		switch {
		case errors.Is(err, icao.ErrAccessDenied):
			outcome = "access-denied"
		case errors.Is(err, reader.ErrCardRemoved), ctx.Err() != nil:
			outcome = "card-removed"
			if !errors.Is(err, reader.ErrCardRemoved) {
				// The agent cancelled the read because the card left: say
				// so, not "could not be read".
				err = fmt.Errorf("%w: %w", reader.ErrCardRemoved, err)
			}
		}
		fail(outcome, err)
		return
	}
	a.publish("progress", name, ProgressEvent{Step: "eligibility", Percent: 95})
	// The lookup runs under the gateway session of whoever signed in at
	// this reader; the check-in remembers them for its re-checks.
	staff := ""
	if a.lookup.Desks != nil {
		staff, _ = a.lookup.Desks.StaffAt(name)
	}
	elig := a.lookup.Eligibility(WithStaff(ctx, staff), personOf(res), a.cfg.Now())
	rec := newCheckinRecord(res, elig, name, a.cfg.Facility, a.cfg.Now())
	rec.Staff = staff
	seq, repeat, err := a.storeCheckin(rec)
	if err != nil {
		// The read is good: keep the check-in in memory and retry; the HIS
		// hears of it only once it is stored.
		a.keepUnsaved(rec, err)
		fail("cannot-save", fmt.Errorf("%w: %w", errNotSaved, err))
		return
	}
	elapsed := a.cfg.Now().Sub(start)
	res.Timing.TotalMS = elapsed.Milliseconds()
	a.metrics.Reads.WithLabelValues(res.Verification.Status).Inc()
	for _, reason := range res.Verification.Reasons {
		a.metrics.ReadReasons.WithLabelValues(reasonToken(reason)).Inc()
	}
	a.metrics.ReadSeconds.Observe(elapsed.Seconds())
	a.metrics.APDUsPerRead.Observe(float64(res.Timing.APDUs))
	if !repeat {
		a.metrics.Checkins.WithLabelValues(string(elig.Status)).Inc()
	}
	a.log.Info("card read", "reader", name, "access", res.Access, "verification", res.Verification.Status,
		"eligibility", elig.Status, "apdus", res.Timing.APDUs, "ms", res.Timing.TotalMS, "checkin", seq,
		"id", redact.Last4(res.Document.IDNumber))
	readID := a.reads.put(res.PullView(), a.cfg.Now())
	a.showResult(name, seq, readID)
	// The outbox hears of the stored check-in before anyone else does, so a
	// subscriber that sees the "checkin" event knows the delivery is under way.
	if a.cfg.AfterCheckin != nil && !repeat {
		a.cfg.AfterCheckin()
	}
	a.publish("result", name, ResultEvent{Seq: seq, ReadID: readID, Read: res.EventView(), Eligibility: elig,
		Confirmed: rec.Confirmed, Repeat: repeat})
	if !repeat {
		a.publish("checkin", name, CheckinEvent{Seq: seq})
	}
}

// SubmitKey parses a typed key and gives it to readerName (SubmitParsedKey).
func (a *Agent) SubmitKey(ctx context.Context, readerName, text string) error {
	key, err := ParseKey(text)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	return a.SubmitParsedKey(ctx, readerName, key)
}

// SubmitParsedKey gives a key that is already parsed (a QR scanner's scan)
// to the next card on readerName, or to the card waiting there.
func (a *Agent) SubmitParsedKey(ctx context.Context, readerName string, key Key) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.slots[readerName]
	if !ok {
		return fmt.Errorf("reader %q is not connected: %w", readerName, ErrNotFound)
	}
	if s.reading {
		return fmt.Errorf("a card is being read on this reader; wait for the result: %w", ErrConflict)
	}
	s.key, s.keyUntil = &key, a.cfg.Now().Add(a.cfg.KeyTimeout)
	if !s.card {
		// Typed before the tap: the console shows that the key waits.
		a.publish("reader-state", s.name, a.infoLocked(s))
	}
	a.startOrWaitLocked(context.WithoutCancel(ctx), s)
	return nil
}

// Readers lists the readers and their state, by name.
func (a *Agent) Readers(context.Context) []ReaderInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]ReaderInfo, 0, len(a.slots))
	for _, s := range a.slots {
		out = append(out, a.infoLocked(s))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
