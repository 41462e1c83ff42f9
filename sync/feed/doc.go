// Package feed defines the signed roster feed that clinics download (see
// docs/FEED.md): a manifest signed with Ed25519, one compressed full snapshot
// and a chain of compressed deltas, every object named by the SHA-256 of its
// bytes. It holds the format (encoding, decoding, validation), the signing
// keys and the publisher that writes a feed directory; the HTTP client that
// consumes a feed lives in package sync.
package feed
