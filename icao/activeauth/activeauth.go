// Package activeauth runs and verifies Active Authentication (ICAO 9303-11
// §6.1): the terminal sends an 8-byte challenge in INTERNAL AUTHENTICATE and
// checks the chip's signature with the DG15 public key — RSA with ISO/IEC
// 9796-2 scheme 1 (the hash taken from the trailer) or ECDSA (plain r ‖ s,
// with a DER fallback; the hash from DG14's ActiveAuthenticationInfo).
//
// A valid signature only proves the chip holds the key in DG15; it means
// "genuine chip" only when DG15 is covered by a valid SOD (the caller binds
// it through passive authentication).
package activeauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
)

// ChallengeLen is the length of the AA challenge.
const ChallengeLen = 8

// Transmitter sends one command in the current session (an *icao.Session)
// and returns the response data or an error carrying the status word.
type Transmitter interface {
	InternalAuthenticate(ctx context.Context, challenge []byte) ([]byte, error)
}

// Options tune Authenticate.
type Options struct {
	// Challenge is the 8 bytes to sign; nil picks a random one. A caller
	// may supply it to bind the signature to an outside event (relay
	// resistance, offline re-verification).
	Challenge []byte
	// Hash overrides the ECDSA hash (from DG14's ActiveAuthenticationInfo);
	// 0 picks the hash by key size. RSA ignores it: the trailer decides.
	Hash crypto.Hash
	// Rand is the randomness source for the challenge (default crypto/rand).
	Rand io.Reader
}

// Verify checks an AA signature over challenge with the DG15 key pub
// (*rsa.PublicKey or *ecdsa.PublicKey). h applies to ECDSA only.
func Verify(pub crypto.PublicKey, h crypto.Hash, challenge, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return VerifyISO9796(k, challenge, sig)
	case *ecdsa.PublicKey:
		return VerifyECDSA(k, h, challenge, sig)
	}
	return fmt.Errorf("activeauth: unsupported AA key type %T", pub)
}

// Authenticate sends INTERNAL AUTHENTICATE with the challenge and verifies
// the answer. It returns the challenge used and the signature (for offline
// re-verification) with a nil error only when the signature verifies;
// ErrBadSignature means the chip failed.
func Authenticate(ctx context.Context, t Transmitter, pub crypto.PublicKey, opts Options) (challenge, sig []byte, err error) {
	challenge = opts.Challenge
	if challenge == nil {
		r := opts.Rand
		if r == nil {
			r = rand.Reader
		}
		challenge = make([]byte, ChallengeLen)
		if _, err := io.ReadFull(r, challenge); err != nil {
			return nil, nil, fmt.Errorf("activeauth: challenge: %w", err)
		}
	}
	if len(challenge) != ChallengeLen {
		return nil, nil, fmt.Errorf("activeauth: the challenge must be %d bytes, got %d", ChallengeLen, len(challenge))
	}
	sig, err = t.InternalAuthenticate(ctx, challenge)
	if err != nil {
		return challenge, nil, fmt.Errorf("activeauth: INTERNAL AUTHENTICATE: %w", err)
	}
	if err := Verify(pub, opts.Hash, challenge, sig); err != nil {
		return challenge, sig, err
	}
	return challenge, sig, nil
}
