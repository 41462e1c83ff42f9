package icao

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
)

// BACKeySeed is K_seed of ICAO 9303-11 §9.7.2: the first 16 bytes of
// SHA-1(MRZ_information).
func BACKeySeed(mrzInfo string) []byte {
	h := sha1.Sum([]byte(mrzInfo))
	return h[:16]
}

// BACKeys derives the document basic access keys (parity-adjusted 3DES) from
// the MRZ information: document number, check digit, date of birth, check
// digit, date of expiry, check digit, exactly as ICAO 9303-11 §9.7.2 composes
// it (mrz.KeySeed builds that string).
func BACKeys(mrzInfo string) (kEnc, kMac []byte) {
	seed := BACKeySeed(mrzInfo)
	return KDF(seed, KDFEnc, Cipher3DES), KDF(seed, KDFMac, Cipher3DES)
}

// BACMutualAuthData is the MUTUAL AUTHENTICATE command data E.IFD ‖ M.IFD
// for S = rndIFD ‖ rndIC ‖ kIFD. The chip side uses it in reverse.
func BACMutualAuthData(kEnc, kMac, first, second, key []byte) ([]byte, error) {
	blk, err := NewBlock(Cipher3DES, kEnc)
	if err != nil {
		return nil, err
	}
	s := make([]byte, 0, 32)
	s = append(append(append(s, first...), second...), key...)
	if len(s) != 32 {
		return nil, fmt.Errorf("icao: BAC: challenge and key material must be 8+8+16 bytes, got %d", len(s))
	}
	e := cbcEncrypt(blk, make([]byte, 8), s)
	m, err := RetailMAC(kMac, Pad(e, 8))
	if err != nil {
		return nil, err
	}
	return append(e, m...), nil
}

// BACOpen checks the MAC of a MUTUAL AUTHENTICATE cryptogram E ‖ M (40
// bytes) and returns the decrypted 32 bytes. ok is false on a wrong length
// or MAC.
func BACOpen(kEnc, kMac, data []byte) (plain []byte, ok bool) {
	if len(data) != 40 {
		return nil, false
	}
	blk, err := NewBlock(Cipher3DES, kEnc)
	if err != nil {
		return nil, false
	}
	m, err := RetailMAC(kMac, Pad(data[:32], 8))
	if err != nil || subtle.ConstantTimeCompare(m, data[32:]) != 1 {
		return nil, false
	}
	return cbcDecrypt(blk, make([]byte, 8), data[:32]), true
}

// BACSession derives the secure-messaging session from both key halves and
// both challenges: K_seed = K.IFD ⊕ K.IC, SSC = RND.IC[4:] ‖ RND.IFD[4:].
func BACSession(kIFD, kIC, rndIC, rndIFD []byte) (*SecureMessaging, error) {
	if len(kIFD) != 16 || len(kIC) != 16 || len(rndIC) != 8 || len(rndIFD) != 8 {
		return nil, errors.New("icao: BAC: session material of the wrong length")
	}
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kIFD, kIC)
	ssc := append(append([]byte{}, rndIC[4:]...), rndIFD[4:]...)
	return NewSecureMessaging(Cipher3DES, KDF(seed, KDFEnc, Cipher3DES), KDF(seed, KDFMac, Cipher3DES), ssc)
}

// BAC runs Basic Access Control (ICAO 9303-11 §4.3) on s with the MRZ
// information and, on success, installs 3DES secure messaging on s. The
// eMRTD application must be selected. A chip that refuses the keys yields an
// error matching ErrAccessDenied (wrong document number or dates); a chip
// whose answer does not verify yields ErrBadMAC.
func BAC(ctx context.Context, s *Session, mrzInfo string) error {
	return bac(ctx, s, mrzInfo, rand.Reader)
}

func bac(ctx context.Context, s *Session, mrzInfo string, rnd io.Reader) error {
	s.SetSecureMessaging(nil) // BAC itself runs in plain
	kEnc, kMac := BACKeys(mrzInfo)
	rndIC, err := s.Transmit(ctx, Command{INS: 0x84, Ne: 8})
	if err != nil {
		return fmt.Errorf("icao: BAC: %w", err)
	}
	if len(rndIC) != 8 {
		return fmt.Errorf("icao: BAC: chip challenge of %d bytes, want 8", len(rndIC))
	}
	own := make([]byte, 24) // RND.IFD ‖ K.IFD
	if _, err := io.ReadFull(rnd, own); err != nil {
		return fmt.Errorf("icao: BAC: random source: %w", err)
	}
	rndIFD, kIFD := own[:8], own[8:]
	data, err := BACMutualAuthData(kEnc, kMac, rndIFD, rndIC, kIFD)
	if err != nil {
		return fmt.Errorf("icao: BAC: %w", err)
	}
	resp, err := s.Transmit(ctx, Command{INS: 0x82, Data: data, Ne: 40})
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && refusesKey(se.SW) {
			return fmt.Errorf("icao: BAC refused, check the document number, date of birth and date of expiry: %w: %w", ErrAccessDenied, err)
		}
		return fmt.Errorf("icao: BAC: %w", err)
	}
	r, ok := BACOpen(kEnc, kMac, resp)
	if !ok {
		return fmt.Errorf("icao: BAC: %w: chip's MUTUAL AUTHENTICATE answer", ErrBadMAC)
	}
	if subtle.ConstantTimeCompare(r[:8], rndIC) != 1 || subtle.ConstantTimeCompare(r[8:16], rndIFD) != 1 {
		return fmt.Errorf("icao: BAC: %w: chip did not return our challenge", ErrBadMAC)
	}
	sm, err := BACSession(kIFD, r[16:32], rndIC, rndIFD)
	if err != nil {
		return fmt.Errorf("icao: BAC: %w", err)
	}
	s.SetSecureMessaging(sm)
	return nil
}

// refusesKey reports the statuses chips use for a MUTUAL AUTHENTICATE with
// the wrong keys: 6300 (ICAO), 63Cx, 6982, and 6988 (the MAC check fails
// first, as vsmartcard does).
func refusesKey(sw uint16) bool {
	return sw == 0x6300 || sw&0xFFF0 == 0x63C0 || sw == 0x6982 || sw == 0x6988 || sw == 0x6A80
}
