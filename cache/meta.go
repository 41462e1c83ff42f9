package cache

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// GetMeta returns a copy of the value stored under key by PutMeta, or
// ErrNotFound. Meta values are small settings other packages keep (the feed's
// ETag, the pinned publisher key ID); they are not personal data.
func (db *DB) GetMeta(key string) ([]byte, error) {
	var out []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		out = bytes.Clone(v)
		if out == nil {
			out = []byte{}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("meta %q: %w", key, err)
	}
	return out, nil
}

// PutMeta stores v under key, replacing any earlier value. key must not be
// empty.
func (db *DB) PutMeta(key string, v []byte) error {
	if key == "" {
		return fmt.Errorf("put meta: empty key: %w", ErrInvalid)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte(key), bytes.Clone(v))
	})
	if err != nil {
		return fmt.Errorf("put meta %q: %w", key, err)
	}
	return nil
}
