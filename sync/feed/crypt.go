package feed

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
)

// EncryptionAge marks a feed whose objects are encrypted with age to the
// X25519 recipients of the clinics allowed to read it. The manifest stays
// signed and readable (it holds no personal data), so any static host or
// CDN serves the feed and integrity checks work on the stored bytes as
// before; only a holder of one of the identities can read a record.
const EncryptionAge = "age-x25519"

// ErrNoIdentity: the feed is encrypted and no identity (or none of the
// recipients') was given to read it.
var ErrNoIdentity = errors.New("the feed is encrypted and this client holds no identity that opens it")

// ParseRecipients reads age recipients, one per line ("age1…"); blank lines
// and lines starting with # are skipped.
func ParseRecipients(text []byte) ([]age.Recipient, error) {
	var out []age.Recipient
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := age.ParseX25519Recipient(line)
		if err != nil {
			return nil, fmt.Errorf("recipients line %d: not an age X25519 recipient (age1…): %w", n, ErrBadAgeKey)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("recipients file: %v: %w", err, ErrBadAgeKey)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no recipient in the file: %w", ErrBadAgeKey)
	}
	return out, nil
}

// ParseIdentities reads age identities ("AGE-SECRET-KEY-1…", as
// `cccd roster keygen` writes them).
func ParseIdentities(text []byte) ([]age.Identity, error) {
	ids, err := age.ParseIdentities(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("not an age identity file: %w", ErrBadAgeKey)
	}
	return ids, nil
}

// GenerateIdentity makes a new X25519 identity: the text to keep secret (an
// identity file) and the recipient to give the publisher.
func GenerateIdentity() (identity, recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	return id.String(), id.Recipient().String(), nil
}

// sealObject encrypts an encoded object to rs and returns the stored bytes
// with their reference (the hash is of what is stored).
func sealObject(data []byte, rs []age.Recipient) ([]byte, Object, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rs...)
	if err != nil {
		return nil, Object{}, fmt.Errorf("feed: encrypt: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, Object{}, fmt.Errorf("feed: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, Object{}, fmt.Errorf("feed: encrypt: %w", err)
	}
	sealed := buf.Bytes()
	return sealed, refOf(sealed), nil
}

// Plaintext returns the encoded object held in the stored bytes r: r itself
// for a plain feed, the age decryption of r for an encrypted one. The caller
// checks the stored bytes' hash first (VerifyObject), as for a plain feed.
func Plaintext(r io.Reader, encryption string, ids []age.Identity) (io.Reader, error) {
	switch encryption {
	case "":
		return r, nil
	case EncryptionAge:
		if len(ids) == 0 {
			return nil, ErrNoIdentity
		}
		pr, err := age.Decrypt(r, ids...)
		if err != nil {
			var noMatch *age.NoIdentityMatchError
			if errors.As(err, &noMatch) {
				return nil, fmt.Errorf("%w (this clinic's recipient is not among the feed's)", ErrNoIdentity)
			}
			return nil, fmt.Errorf("%w: decrypt: %v", ErrMalformed, err)
		}
		return pr, nil
	}
	return nil, fmt.Errorf("%w: unknown encryption %q", ErrMalformed, encryption)
}
