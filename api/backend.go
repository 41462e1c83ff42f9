package api

import (
	"context"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
)

// Backend is what the API needs from the agent. Values it returns are
// marshalled to JSON as they are; their types carry the stable field names of
// docs/FORMATS.md.
// Errors wrap checkin's ErrNotFound, ErrBadInput, ErrConflict or
// ErrUnavailable to choose the HTTP status. Implementations must be safe
// for concurrent use.
type Backend interface {
	// Status describes the agent: version, readers, roster age, outbox depth, online.
	Status(ctx context.Context) checkin.StatusInfo
	// Readers lists the readers and their state.
	Readers(ctx context.Context) []checkin.ReaderInfo
	// SubmitKey hands a key (6-digit CAN, 12-digit ID, MRZ or QR text) to the
	// session of reader; the next card on it (or the one waiting) uses it.
	SubmitKey(ctx context.Context, reader, key string) error
	// Checkins lists check-ins after sequence number after, oldest first.
	Checkins(ctx context.Context, after uint64, limit int) ([]cache.Checkin, error)
	// CheckinsBefore lists up to limit check-ins with a sequence number
	// below before (0: from the newest), newest first, matching the search
	// text q ("" = all); ErrBadInput when q cannot be used.
	CheckinsBefore(ctx context.Context, before uint64, limit int, q string) ([]cache.Checkin, error)
	// Checkin returns one check-in.
	Checkin(ctx context.Context, seq uint64) (cache.Checkin, error)
	// ConfirmCheckin marks a check-in confirmed by the receptionist.
	ConfirmCheckin(ctx context.Context, seq uint64) (cache.Checkin, error)
	// ConfirmCurrent confirms seq only while it is the current result of
	// reader (no other card came since); ErrConflict otherwise.
	ConfirmCurrent(ctx context.Context, reader string, seq uint64) (cache.Checkin, error)
	// CancelCheckin marks a check-in cancelled; cancelling again changes
	// nothing.
	CancelCheckin(ctx context.Context, seq uint64) (cache.Checkin, error)
	// ManualLookup answers eligibility for a patient without a card from
	// the typed ID number, name and date of birth and records the check-in;
	// ErrBadInput names the field that is wrong.
	ManualLookup(ctx context.Context, p checkin.ManualPerson) (checkin.ManualResult, error)
	// SetEpisode stores the HIS's episode fields (MA_LK, MA_BN, MA_LOAI_KCB,
	// MA_DOITUONG_KCB) on a check-in; ErrBadInput when they break QĐ 4750's
	// limits.
	SetEpisode(ctx context.Context, seq uint64, e cache.Episode) (cache.Checkin, error)
	// Read returns a recent read by the id its "result" event gave, with
	// the photo and the QĐ 4750 fields, while the agent keeps it (a few
	// minutes); ErrNotFound after that.
	Read(ctx context.Context, id string) (*checkin.ReadResult, error)
	// Lookup answers eligibility for a 12-digit ID number.
	Lookup(ctx context.Context, id string) (checkin.Eligibility, error)
	// SyncNow starts a roster sync and returns when it has finished.
	SyncNow(ctx context.Context) (checkin.StatusInfo, error)
	// Subscribe delivers events until cancel is called; a slow subscriber may
	// miss events but never blocks the agent.
	Subscribe() (events <-chan checkin.Event, cancel func())
}

// SimControl is implemented by backends that drive simulated readers (the
// demo and tests): the console shows insert/remove buttons for them.
type SimControl interface {
	SimInsert(ctx context.Context, reader string) error
	SimRemove(ctx context.Context, reader string) error
}

var (
	_ Backend    = (*checkin.Agent)(nil)
	_ SimControl = (*checkin.Agent)(nil)
)
