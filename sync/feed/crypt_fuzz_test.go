package feed

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"filippo.io/age"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

// FuzzPlaintext feeds arbitrary stored bytes of an encrypted feed (a
// hostile server, a corrupt download) through decryption and the object
// decoder: an error wrapping a sentinel, never a panic.
func FuzzPlaintext(f *testing.F) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	obj, _, err := EncodeObject(Header{Kind: KindSnapshot, Version: 1}, SnapshotEntries(rostertest.Records(5, 3, "f")))
	if err != nil {
		f.Fatal(err)
	}
	sealed, _, err := sealObject(obj, []age.Recipient{id.Recipient()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add(sealed[:len(sealed)/2])
	f.Add([]byte("age-encryption.org/v1\n-> X25519 AAAA\n"))
	f.Add(obj)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Plaintext(bytes.NewReader(data), EncryptionAge, []age.Identity{id})
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoIdentity) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		or, err := NewObjectReader(io.LimitReader(r, 1<<20))
		if err != nil {
			return
		}
		defer or.Close()
		for range 100 {
			if _, err := or.Next(); err != nil {
				return
			}
		}
	})
}

// FuzzParseRecipients: a recipients or identity file of any content is an
// error or keys, never a panic.
func FuzzParseRecipients(f *testing.F) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("# clinic\n" + id.Recipient().String() + "\n"))
	f.Add([]byte(id.String()))
	f.Add([]byte("age1\n\n#"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if rs, err := ParseRecipients(data); err == nil && len(rs) == 0 {
			t.Fatal("no recipient and no error")
		} else if err != nil && !errors.Is(err, ErrBadAgeKey) {
			t.Fatalf("recipients error wraps no sentinel: %v", err)
		}
		if _, err := ParseIdentities(data); err != nil && !errors.Is(err, ErrBadAgeKey) {
			t.Fatalf("identities error wraps no sentinel: %v", err)
		}
	})
}
