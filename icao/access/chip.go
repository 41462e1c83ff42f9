package access

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"

	"github.com/cccd-agent/cccd/pki/ecc"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/activeauth"
	"github.com/cccd-agent/cccd/icao/chipauth"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/tlv"
	"github.com/cccd-agent/cccd/pki"
)

// Chip-authentication methods (stable JSON values of verification.chip.method).
const (
	ChipCA      = "CA"
	ChipAA      = "AA"
	ChipPACECAM = "PACE-CAM"
	ChipNone    = "none"
)

// ChipFiles are the files that carry the chip's keys, as read.
type ChipFiles struct {
	DG14, DG15, CardSecurity []byte
}

// ChipOptions tune AuthenticateChip.
type ChipOptions struct {
	// AAChallenge is the 8-byte Active Authentication challenge; nil picks
	// a random one.
	AAChallenge []byte
	// Rand is the randomness source (crypto/rand if nil).
	Rand io.Reader
}

// ChipVerdict is the outcome to feed verify.(*Result).ApplyChip as
// (Method, OK, bound), where bound says whether the file that carried the
// key (DG14 for CA, DG15 for AA, EF.CardSecurity for PACE-CAM) is covered
// by the valid SOD. Method "none" means the chip offers no check
// (verify.(*Result).SetChipNotSupported).
type ChipVerdict struct {
	Method string
	OK     bool
	// Err says why OK is false. If it matches icao.ErrTransport the card
	// left before the check finished: no verdict, read again.
	Err error
	// AAChallenge and AASignature keep the AA exchange for offline
	// re-verification (AA only).
	AAChallenge, AASignature []byte
}

// Inconclusive reports a check cut short by the card leaving the field.
func (v ChipVerdict) Inconclusive() bool { return errors.Is(v.Err, icao.ErrTransport) }

// AuthenticateChip proves the chip genuine with the strongest check it
// offers: PACE-CAM (when PACE ran with CAM and EF.CardSecurity is given),
// else Chip Authentication (DG14), else Active Authentication (DG15).
//
// Run it after every file is read: CA switches the session keys, and after
// a failed CA (a clone) the session is dead.
func AuthenticateChip(ctx context.Context, c *Conn, files ChipFiles, opts ChipOptions) ChipVerdict {
	if c.PACE != nil && c.PACE.CAM != nil && len(files.CardSecurity) > 0 {
		return camVerdict(c, files.CardSecurity)
	}
	var dg14 *lds.SecurityInfos
	if len(files.DG14) > 0 {
		if si, err := lds.ParseDG14(files.DG14); err == nil {
			dg14 = si
		}
	}
	if key, err := chipauth.SelectKey(dg14); err == nil {
		err := chipauth.Authenticate(ctx, c.Session, key, chipauth.Options{Rand: opts.Rand})
		return ChipVerdict{Method: ChipCA, OK: err == nil, Err: err}
	}
	if len(files.DG15) > 0 {
		return aaVerdict(ctx, c, files.DG15, dg14, opts)
	}
	return ChipVerdict{Method: ChipNone}
}

func camVerdict(c *Conn, cardSecurity []byte) ChipVerdict {
	v := ChipVerdict{Method: ChipPACECAM}
	si, err := lds.ParseCardSecurity(cardSecurity)
	if err != nil {
		v.Err = fmt.Errorf("access: PACE-CAM: %w", err)
		return v
	}
	v.Err = fmt.Errorf("access: PACE-CAM: EF.CardSecurity holds no usable chip key")
	for _, pk := range si.ChipAuthPublicKeys {
		k, err := chipauth.ParsePublicKey(pk.SPKI)
		if err != nil {
			continue
		}
		ek, ok := k.(*ecdsa.PublicKey)
		if !ok {
			continue
		}
		if err := c.PACE.CAM.VerifyCAM(ecc.Marshal(ek.Curve, ek.X, ek.Y)); err != nil {
			v.Err = fmt.Errorf("access: %w", err)
			continue
		}
		v.OK, v.Err = true, nil
		return v
	}
	return v
}

func aaVerdict(ctx context.Context, c *Conn, dg15 []byte, dg14 *lds.SecurityInfos, opts ChipOptions) ChipVerdict {
	v := ChipVerdict{Method: ChipAA}
	spki, err := tlv.Unwrap(dg15, 0x6F)
	if err != nil {
		v.Err = fmt.Errorf("access: DG15: %w", err)
		return v
	}
	pub, err := pki.ParsePublicKey(spki)
	if err != nil {
		v.Err = fmt.Errorf("access: DG15 key: %w", err)
		return v
	}
	var h crypto.Hash
	if dg14 != nil && len(dg14.ActiveAuth) > 0 {
		if h, err = activeauth.HashForSignatureAlgorithm(dg14.ActiveAuth[0].SignatureAlgorithm); err != nil {
			v.Err = fmt.Errorf("access: %w", err)
			return v
		}
	}
	v.AAChallenge, v.AASignature, v.Err = activeauth.Authenticate(ctx, sessionIA{c.Session, signatureLen(pub)}, pub,
		activeauth.Options{Challenge: opts.AAChallenge, Hash: h, Rand: opts.Rand})
	v.OK = v.Err == nil
	return v
}

// sessionIA sends INTERNAL AUTHENTICATE on a session, asking for a short
// response when the signature (DER form included) fits one under SM, else
// an extended one (jMRTD's rule).
type sessionIA struct {
	s      *icao.Session
	sigLen int
}

func (a sessionIA) InternalAuthenticate(ctx context.Context, challenge []byte) ([]byte, error) {
	ne := a.s.SecureMessaging().MaxShortRead()
	if a.sigLen+8 > ne {
		ne = icao.MaxExtendedNe
	}
	return a.s.Transmit(ctx, icao.Command{INS: 0x88, Data: challenge, Ne: ne})
}

// signatureLen is the plain signature length of an AA key.
func signatureLen(pub crypto.PublicKey) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return (k.N.BitLen() + 7) / 8
	case *ecdsa.PublicKey:
		return 2 * ((k.Curve.Params().N.BitLen() + 7) / 8)
	}
	return 0
}
