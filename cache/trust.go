package cache

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"

	bolt "go.etcd.io/bbolt"
)

// Trust anchor kinds accepted by PutTrust.
const (
	TrustCert       = "cert"       // a CSCA or document-signer certificate, DER
	TrustMasterList = "masterlist" // an ICAO master list (CMS SignedData), DER
	TrustCRL        = "crl"        // a certificate revocation list, DER
)

// TrustEntry is one stored trust anchor. The cache does not parse DER; the
// verify package does.
type TrustEntry struct {
	Kind   string    `json:"kind"`   // TrustCert, TrustMasterList or TrustCRL
	SHA256 [32]byte  `json:"sha256"` // SHA-256 of DER, the key
	Source string    `json:"source"` // where it came from (file name, URL)
	Added  time.Time `json:"added"`  // when it was first stored
	DER    []byte    `json:"der"`
}

// PutTrust stores der under its SHA-256. Storing the same bytes again
// changes nothing (the first kind, source and time are kept). An unknown kind
// or empty der is ErrInvalid.
func (db *DB) PutTrust(kind string, der []byte, source string) error {
	switch kind {
	case TrustCert, TrustMasterList, TrustCRL:
	default:
		return fmt.Errorf("store trust anchor: kind %q is not cert, masterlist or crl: %w", kind, ErrInvalid)
	}
	if len(der) == 0 {
		return fmt.Errorf("store trust anchor: empty data: %w", ErrInvalid)
	}
	sum := sha256.Sum256(der)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTrust)
		if b.Get(sum[:]) != nil {
			return nil
		}
		v, err := json.Marshal(TrustEntry{Kind: kind, SHA256: sum, Source: source, Added: clock.Now().UTC(), DER: der})
		if err != nil {
			return err
		}
		return b.Put(sum[:], v)
	})
	if err != nil {
		return fmt.Errorf("store trust anchor: %w", err)
	}
	return nil
}

// ListTrust returns every stored anchor in SHA-256 order.
func (db *DB) ListTrust() ([]TrustEntry, error) {
	var out []TrustEntry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTrust).ForEach(func(k, v []byte) error {
			var e TrustEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("trust entry: %w", ErrCorrupt)
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list trust anchors: %w", err)
	}
	return out, nil
}
