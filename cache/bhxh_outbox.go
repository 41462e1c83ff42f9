package cache

import (
	"fmt"
	"time"
)

// The states of a check-in's direct check-in to BHXH (BHXHCheckin.Status).
const (
	BHXHPending  = "pending"  // queued; sent (again) when the staff member's gateway session lives
	BHXHAccepted = "accepted" // BHXH answered maKetQua 200
	BHXHRejected = "rejected" // BHXH answered another result about the file; setting the episode again re-queues it
)

// BHXHCheckin is the state of a check-in's submission to BHXH's check-in
// endpoint (CV 1245/BHXH-CNTT §2), the outbox's second destination: its own
// status, attempts and the answer BHXH gave. Error strings carry no
// personal data.
type BHXHCheckin struct {
	Status      string    `json:"status"` // BHXHPending, BHXHAccepted or BHXHRejected
	Staff       string    `json:"staff"`  // whose gateway session sends it: who confirmed the check-in, else who made it
	Queued      time.Time `json:"queued"`
	Attempts    int       `json:"attempts"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"` // why the last attempt got no answer, or why it waits
	// BHXH's answer (CV 1245 §2.3), once there is one.
	MaKetQua         string    `json:"maKetQua,omitempty"`
	MaGiaoDich       string    `json:"maGiaoDich,omitempty"`
	ThoiGianTiepNhan string    `json:"thoiGianTiepNhan,omitempty"`
	ThongDiep        string    `json:"thongDiep,omitempty"`
	AnsweredAt       time.Time `json:"answered_at,omitzero"`
}

// QueueBHXH puts c in the BHXH check-in outbox, to be sent under staff's
// gateway session, unless it is already pending or accepted. It reports
// whether it queued c. A rejected check-in is queued again (the HIS set
// its episode anew).
func (c *Checkin) QueueBHXH(staff string, now time.Time) bool {
	if c.BHXH != nil && c.BHXH.Status != BHXHRejected {
		return false
	}
	c.BHXH = &BHXHCheckin{Status: BHXHPending, Staff: staff, Queued: now}
	return true
}

// PendingBHXH returns up to limit check-ins whose BHXH check-in is pending,
// oldest first. limit <= 0 means no limit.
func (db *DB) PendingBHXH(limit int) ([]Checkin, error) {
	out, err := db.queued(bucketBHXHOutbox, limit)
	if err != nil {
		return nil, fmt.Errorf("list pending BHXH check-ins: %w", err)
	}
	return out, nil
}
