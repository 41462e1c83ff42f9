package ble

import "context"

// GATTLink is a connected reader's GATT transport, whatever the radio
// library: writes go to the Commands Request characteristic (CommandUUID)
// and notifications come from Commands Response (ResponseUUID).
type GATTLink interface {
	// Write writes one chunk (at most ChunkSize bytes) to CommandUUID with
	// a write request, returning when the peer accepted it.
	Write(ctx context.Context, chunk []byte) error
	// Notifications delivers the ResponseUUID notifications in order. It is
	// closed when the connection drops.
	Notifications() <-chan []byte
	// ChunkSize is the largest write the link takes (ATT MTU − 3).
	ChunkSize() int
	// Close disconnects.
	Close() error
}

// DialFunc connects to the reader at address (a MAC address on Linux) and
// returns its link, subscribed to ResponseUUID.
type DialFunc func(ctx context.Context, address string) (GATTLink, error)
