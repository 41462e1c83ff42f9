// Package chipauth runs Chip Authentication version 1 (ICAO 9303-11 §6.2)
// as the terminal: an ephemeral key agreement with the chip's static key
// from DG14 (ECDH or DH), new session keys, and secure messaging restarted
// with them (3DES with MSE:Set KAT, AES with MSE:Set AT + GENERAL
// AUTHENTICATE). CA counts only once a protected command under the new keys
// has succeeded: only the chip holding the static private key can answer it.
//
// A passing CA proves the chip holds the key in DG14; it means "genuine
// chip" only when DG14 is covered by a valid SOD (passive authentication).
package chipauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/curves"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// ErrFailed means the chip did not prove possession of the DG14 key: it
// refused the key agreement or could not answer under the new keys. With a
// DG14 bound by passive authentication this marks a clone.
var ErrFailed = errors.New("chipauth: chip authentication failed")

// Options tune Authenticate.
type Options struct {
	// Rand is the source of the ephemeral key (crypto/rand if nil).
	Rand io.Reader
	// Confirm is the protected command sent under the new keys; the zero
	// value means SELECT EF.DG14 (00 A4 02 0C 02 01 0E).
	Confirm icao.Command
}

// Authenticate runs CA with k on s, which must carry secure messaging from
// BAC or PACE with the eMRTD application selected. On success s continues
// under the CA session keys. ErrFailed means the chip failed; transport
// errors (icao.ErrTransport) are returned as they are — no verdict. After a
// failure the session is unusable: restart access control to read more.
func Authenticate(ctx context.Context, s *icao.Session, k Key, opts Options) error {
	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	ephPub, secret, err := agree(r, k)
	if err != nil {
		return err
	}
	if k.Cipher == icao.Cipher3DES {
		data := tlv.Encode(0x91, ephPub)
		if k.KeyID >= 0 {
			data = append(data, tlv.Encode(0x84, minimalInt(k.KeyID))...)
		}
		if _, err := s.Transmit(ctx, icao.Command{INS: 0x22, P1: 0x41, P2: 0xA6, Data: data}); err != nil {
			return classify("MSE:Set KAT", err)
		}
	} else {
		der, err := asn1.Marshal(k.Protocol)
		if err != nil {
			return err
		}
		data := append([]byte{0x80}, der[1:]...)
		if k.KeyID >= 0 {
			data = append(data, tlv.Encode(0x84, minimalInt(k.KeyID))...)
		}
		if _, err := s.Transmit(ctx, icao.Command{INS: 0x22, P1: 0x41, P2: 0xA4, Data: data}); err != nil {
			return classify("MSE:Set AT", err)
		}
		// The answer is an empty 7C; ask for what fits a short SM response.
		resp, err := s.Transmit(ctx, icao.Command{INS: 0x86, Data: tlv.Encode(0x7C, tlv.Encode(0x80, ephPub)), Ne: s.SecureMessaging().MaxShortRead()})
		if err != nil {
			return classify("GENERAL AUTHENTICATE", err)
		}
		if _, err := tlv.Unwrap(resp, 0x7C); err != nil && len(resp) != 0 {
			return fmt.Errorf("%w: malformed GENERAL AUTHENTICATE answer", ErrFailed)
		}
	}
	ksEnc := icao.KDF(secret, icao.KDFEnc, k.Cipher)
	ksMac := icao.KDF(secret, icao.KDFMac, k.Cipher)
	sm, err := icao.NewSecureMessaging(k.Cipher, ksEnc, ksMac, make([]byte, k.Cipher.BlockSize()))
	if err != nil {
		return fmt.Errorf("chipauth: %w", err)
	}
	s.SetSecureMessaging(sm)
	confirm := opts.Confirm
	if confirm.INS == 0 {
		confirm = icao.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x0E}}
	}
	if _, err := s.Transmit(ctx, confirm); err != nil {
		return classify("the first command under the CA keys", err)
	}
	return nil
}

// classify turns a command failure into ErrFailed unless the card simply
// went away (no verdict then).
func classify(step string, err error) error {
	if errors.Is(err, icao.ErrTransport) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("chipauth: %s: %w", step, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrFailed, step, err)
}

// agree makes the ephemeral key pair on the static key's domain and the
// shared secret (x-coordinate for ECDH, the value for DH).
func agree(r io.Reader, k Key) (ephPub, secret []byte, err error) {
	switch pub := k.Public.(type) {
	case *ecdsa.PublicKey:
		if !k.ECDH || pub.Curve == nil || !pub.Curve.IsOnCurve(pub.X, pub.Y) {
			return nil, nil, fmt.Errorf("%w: unusable ECDH key", ErrNotSupported)
		}
		sk, err := ecc.RandomScalar(r, pub.Curve.Params().N)
		if err != nil {
			return nil, nil, err
		}
		ex, ey := pub.Curve.ScalarBaseMult(sk)
		sx, sy := pub.Curve.ScalarMult(pub.X, pub.Y, sk)
		if sx.Sign() == 0 && sy.Sign() == 0 {
			return nil, nil, fmt.Errorf("%w: shared point at infinity", ErrFailed)
		}
		return ecc.Marshal(pub.Curve, ex, ey), sx.FillBytes(make([]byte, ecc.ByteLen(pub.Curve))), nil
	case *curves.DHPublicKey:
		if k.ECDH || pub.Group == nil || !pub.Group.ValidElement(pub.Y) {
			return nil, nil, fmt.Errorf("%w: unusable DH key", ErrNotSupported)
		}
		g := pub.Group
		sk, err := ecc.RandomScalar(r, g.Q)
		if err != nil {
			return nil, nil, err
		}
		x := new(big.Int).SetBytes(sk)
		n := (g.P.BitLen() + 7) / 8
		e := new(big.Int).Exp(g.G, x, g.P).FillBytes(make([]byte, n))
		z := new(big.Int).Exp(pub.Y, x, g.P).FillBytes(make([]byte, n))
		return e, z, nil
	}
	return nil, nil, fmt.Errorf("%w: key type %T", ErrNotSupported, k.Public)
}

func minimalInt(v int) []byte {
	b := big.NewInt(int64(v)).Bytes()
	if len(b) == 0 {
		return []byte{0}
	}
	return b
}
