// Package sync keeps the clinic's local roster up to date from a signed
// roster feed (package feed) served by any static web server, CDN or object
// store. A Syncer fetches the manifest with a conditional GET, checks its
// signature against the pinned publisher key and its version against the
// roster held, downloads the deltas it needs (or the snapshot when too far
// behind) with resumable, hash-checked transfers, and applies them to the
// cache in one transaction, so that a crash leaves the old or the new roster.
//
// Sub-packages: gateway (the BHXH card-check web service client) and
// delivery (the check-in outbox sender).
package sync
