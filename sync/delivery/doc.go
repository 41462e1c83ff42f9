// Package delivery sends check-ins from the cache outbox to the hospital
// information system's webhook, at least once: each record is POSTed as
// JSON with its Idempotency-Key until the HIS accepts it, in sequence order,
// with a jittered exponential backoff while the HIS is down. A record
// leaves the outbox only after a 2xx answer (MarkDelivered), so a crash at
// any point means a resend, never a loss; the HIS de-duplicates by the key.
//
// When a BHXH gateway client is configured, check-ins whose eligibility
// came from the offline roster or cache are re-checked online before they
// are sent; those sent while the gateway was down are re-checked once it
// answers again (RecheckDelivered). A changed status is flagged on the
// record (RecheckChanged). If the HIS may already hold the record with the
// old status, the change goes back to the outbox as a revision, stored in
// the transaction that records the new answer, and is POSTed again with
// Idempotency-Key "<key>-r<N>", "revision": N and "previous_eligibility"
// (docs/API.md, Webhook).
//
// With per-user gateway accounts (Config.Sessions) a check-in is re-checked
// under the gateway session of the staff member who made it and waits while
// they have none. BHXHSender is the outbox's second destination: confirmed
// check-ins with their episode go to BHXH's check-in endpoint (CV 1245 §2)
// as XML0 files, under the session of the staff member who confirmed them,
// at least once, with BHXH's answer stored on the record.
package delivery
