// Package access opens a chip the way a reception desk needs: it reads
// EF.CardAccess (or falls back to the CCCD's known PACEInfo), runs PACE with
// the CAN, then with the MRZ, and Basic Access Control only when the chip
// offers no PACE or the caller allows the fallback. A PACE failure is never
// silently downgraded to BAC; the method used is always reported.
package access

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/pace"
)

// Method names the access control that opened the session (stable JSON
// values of the read result's "access" field).
type Method string

// The access methods.
const (
	PACECAN Method = "PACE-CAN"
	PACEMRZ Method = "PACE-MRZ"
	BAC     Method = "BAC"
)

// ErrNoKey means the caller gave no key the chip can use (no CAN and no MRZ
// information, or only a CAN for a chip without PACE cccd can run). The
// error is a *NoKeyError saying why.
var ErrNoKey = errors.New("access: no usable key for this chip")

// NoKeyError is ErrNoKey with the reason in words: what the chip offers
// (and, when it offers PACE cccd does not implement, what cccd lacks), and
// what key to give instead.
type NoKeyError struct {
	Chip   string // e.g. "the chip offers only BAC"
	Advice string // e.g. "give the ID number with the dates of birth and expiry, or the MRZ"
}

func (e *NoKeyError) Error() string { return ErrNoKey.Error() + ": " + e.Chip + "; " + e.Advice }

// Is makes errors.Is(err, ErrNoKey) hold.
func (e *NoKeyError) Is(target error) bool { return target == ErrNoKey }

// ErrNoApplication means access control succeeded but the chip has no eMRTD
// application: it answered SELECT of the eMRTD AID with "file not found"
// (e.g. a German eID card, or a card that is not a travel document).
var ErrNoApplication = errors.New("access: the chip has no eMRTD application")

// Key is what the receptionist gave: the CAN and/or the MRZ information
// (document number, birth date, expiry date, each with its check digit).
// Its String method hides both.
type Key struct {
	CAN     string
	MRZInfo string
}

// String says which parts are present, never their values.
func (k Key) String() string {
	return fmt.Sprintf("access key (CAN: %t, MRZ: %t)", k.CAN != "", k.MRZInfo != "")
}

// BACPolicy says when BAC may be used.
type BACPolicy int

// BAC policies. The zero value is BACIfNoPACE.
const (
	// BACIfNoPACE uses BAC only for a chip that offers no PACE.
	BACIfNoPACE BACPolicy = iota
	// BACFallback also uses BAC after PACE failed (reported as "BAC").
	BACFallback
	// BACNever never uses BAC.
	BACNever
)

// Options tune Connect.
type Options struct {
	// BAC is the BAC policy (default BACIfNoPACE).
	BAC BACPolicy
	// Trace receives one line per step and per APDU (no personal data).
	Trace func(string)
	// Rand is the randomness source for the protocols (crypto/rand if nil).
	Rand io.Reader
	// ExtendedLength, if set, remembers per Reader and ATR what decided
	// extended length (icao.Session.UseExtendedLengthMemo).
	ExtendedLength *icao.ExtendedLengthMemo
	Reader         string
}

// Conn is an opened chip: the session under secure messaging with the eMRTD
// application selected, and what was learned on the way.
type Conn struct {
	Session *icao.Session
	Method  Method
	// CardAccess is EF.CardAccess as read (nil if it could not be read).
	CardAccess []byte
	// PACE is the PACE result (nil after BAC); PACE.CAM is set for PACE-CAM.
	PACE *pace.Result
	// PACEInfo is the PACEInfo PACE ran with (zero when PACE did not run).
	PACEInfo pace.Info
}

// Connect runs the access order on t and returns the opened chip with the
// method used and what a verifier needs later (EF.CardAccess, the PACE-CAM
// data). A refused CAN or MRZ matches icao.ErrAccessDenied; a key this chip
// cannot use matches ErrNoKey.
func Connect(ctx context.Context, t icao.Transport, key Key, opts Options) (*Conn, error) {
	trace := opts.Trace
	if trace == nil {
		trace = func(string) {}
	}
	s := icao.NewSession(t)
	s.Trace = opts.Trace
	s.UseExtendedLengthMemo(opts.ExtendedLength, opts.Reader)
	conn := &Conn{Session: s}

	info, offersPACE, unsupported, err := choosePACE(ctx, s, conn, trace)
	if err != nil {
		return nil, err
	}
	var paceErr error
	if offersPACE {
		for _, try := range []struct {
			m   Method
			pw  func() (pace.Password, error)
			has bool
		}{
			{PACECAN, func() (pace.Password, error) { return pace.CAN(key.CAN) }, key.CAN != ""},
			{PACEMRZ, func() (pace.Password, error) { return pace.MRZ(key.MRZInfo) }, key.MRZInfo != ""},
		} {
			if !try.has {
				continue
			}
			pw, err := try.pw()
			if err != nil {
				return nil, fmt.Errorf("access: %w", err)
			}
			trace(fmt.Sprintf("access: %s with %s", try.m, protocolName(info)))
			res, err := pace.Establish(ctx, s, pw, info, pace.Options{Rand: opts.Rand})
			if err == nil {
				if err := selectApplication(ctx, s, try.m); err != nil {
					return nil, err
				}
				conn.Method, conn.PACE, conn.PACEInfo = try.m, res, info
				trace("access: opened with " + string(try.m))
				return conn, nil
			}
			trace(fmt.Sprintf("access: %s failed: %v", try.m, err))
			if errors.Is(err, icao.ErrTransport) || ctx.Err() != nil {
				return nil, err
			}
			paceErr = err
			if !errors.Is(err, icao.ErrAccessDenied) && !conn.knowsPACE() && notOffered(err) {
				// No EF.CardAccess and the chip rejects the CCCD PACEInfo:
				// it does not offer PACE at all.
				trace("access: the chip does not take PACE")
				offersPACE = false
				paceErr = nil
				break
			}
		}
	}
	bacOK := opts.BAC == BACFallback || (opts.BAC == BACIfNoPACE && !offersPACE)
	if !bacOK {
		if paceErr != nil {
			return nil, paceErr
		}
		if offersPACE {
			return nil, &NoKeyError{Chip: "the chip needs PACE", Advice: "give the CAN (the last 6 digits of the ID number) or the MRZ"}
		}
		return nil, &NoKeyError{Chip: offersOnlyBAC(unsupported), Advice: "this reader is set not to use BAC"}
	}
	if key.MRZInfo == "" {
		if paceErr != nil {
			return nil, paceErr
		}
		return nil, &NoKeyError{Chip: offersOnlyBAC(unsupported), Advice: "give the ID number with the dates of birth and expiry, or the MRZ"}
	}
	if paceErr != nil {
		trace("access: PACE failed, falling back to BAC as the caller allows")
	}
	s.SetSecureMessaging(nil)
	if _, err := s.Transmit(ctx, icao.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: icao.AID}); err != nil {
		return nil, fmt.Errorf("access: select the eMRTD application: %w", err)
	}
	if err := icao.BAC(ctx, s, key.MRZInfo); err != nil {
		return nil, fmt.Errorf("access: %w", err)
	}
	conn.Method = BAC
	trace("access: opened with BAC")
	return conn, nil
}

// knowsPACE reports whether EF.CardAccess was read (so PACE support is known).
func (c *Conn) knowsPACE() bool { return c.CardAccess != nil }

// notOffered reports the refusals of a chip without PACE at MSE:Set AT.
func notOffered(err error) bool {
	var se *icao.StatusError
	if !errors.As(err, &se) {
		return false
	}
	switch se.SW {
	case 0x6D00, 0x6E00, 0x6A80, 0x6A86, 0x6A88, 0x6985, 0x6982:
		return true
	}
	return false
}

// maxCardAccess bounds EF.CardAccess, read in plain before PACE; real ones
// are under 1 KB.
const maxCardAccess = 4096

// choosePACE reads EF.CardAccess and picks a PACEInfo. Without a readable
// EF.CardAccess it falls back to the CCCD's PACEInfo and says so. When
// EF.CardAccess offers PACE that cccd cannot run, unsupported says what it
// offers and what cccd lacks.
func choosePACE(ctx context.Context, s *icao.Session, conn *Conn, trace func(string)) (info pace.Info, offersPACE bool, unsupported string, err error) {
	ca, err := icao.ReadMFFile(ctx, s, icao.FileCardAccess, icao.WithMaxSize(maxCardAccess))
	if err != nil {
		if errors.Is(err, icao.ErrTransport) || ctx.Err() != nil {
			return pace.Info{}, false, "", err
		}
		trace("access: EF.CardAccess unreadable; using the known CCCD PACEInfo (ECDH-GM AES-128 brainpoolP256r1)")
		return pace.CCCDInfo, true, "", nil
	}
	conn.CardAccess = ca
	trace(fmt.Sprintf("access: EF.CardAccess read (%d bytes)", len(ca)))
	si, err := lds.ParseCardAccess(ca)
	if err != nil {
		trace("access: EF.CardAccess malformed; using the known CCCD PACEInfo")
		return pace.CCCDInfo, true, "", nil
	}
	info, ok := pickPACEInfo(si.PACE)
	if !ok {
		unsupported = describeUnsupported(si.PACE)
		if unsupported != "" {
			trace("access: EF.CardAccess offers " + unsupported)
		} else {
			trace("access: EF.CardAccess offers no PACE")
		}
		return pace.Info{}, false, unsupported, nil
	}
	return info, true, "", nil
}

// describeUnsupported names the PACE the chip offers that cccd cannot run
// and what cccd lacks for each, e.g. "PACE ECDH-IM-3DES-CBC-CBC with
// parameter ID 13, which cccd does not implement (it lacks integrated
// mapping with 3DES)"; "" when the chip lists no PACEInfo.
func describeUnsupported(infos []lds.PACEInfo) string {
	var parts []string
	for _, pi := range infos {
		pr, err := pace.ParseProtocol(pi.Protocol)
		switch {
		case err != nil:
			parts = append(parts, fmt.Sprintf("PACE protocol %s, which cccd does not know", pi.Protocol))
		case pi.ParameterID < 0:
			parts = append(parts, fmt.Sprintf("PACE %s with proprietary domain parameters, which cccd does not implement", pr))
		default:
			parts = append(parts, fmt.Sprintf("PACE %s with parameter ID %d, which cccd does not implement (it lacks %s)", pr, pi.ParameterID, pace.Lacks(pr, pi.ParameterID)))
		}
	}
	return strings.Join(parts, "; ")
}

// offersOnlyBAC says what the chip offers when cccd can only run BAC on it.
func offersOnlyBAC(unsupported string) string {
	if unsupported == "" {
		return "the chip offers only BAC"
	}
	return "the chip offers " + unsupported + ", and BAC"
}

// pickPACEInfo prefers generic mapping, then CAM, then IM, among the
// PACEInfos pace can run.
func pickPACEInfo(infos []lds.PACEInfo) (pace.Info, bool) {
	for _, want := range []pace.Mapping{pace.GenericMapping, pace.ChipAuthenticationMapping, pace.IntegratedMapping} {
		for _, pi := range infos {
			pr, err := pace.ParseProtocol(pi.Protocol)
			if err != nil || pr.Mapping != want || pi.ParameterID < 0 {
				continue
			}
			if pace.Supported(pr, pi.ParameterID) {
				return pace.Info{Protocol: pi.Protocol, Version: pi.Version, ParameterID: pi.ParameterID}, true
			}
		}
	}
	return pace.Info{}, false
}

func protocolName(info pace.Info) string {
	pr, err := pace.ParseProtocol(info.Protocol)
	if err != nil {
		return info.Protocol.String()
	}
	return fmt.Sprintf("%s, parameter ID %d", pr, info.ParameterID)
}

// selectApplication selects the eMRTD application under the new SM. A
// "file not found" is ErrNoApplication: PACE worked (the answer's MAC, when
// the chip sends one, verified), the chip is just no travel document.
func selectApplication(ctx context.Context, s *icao.Session, m Method) error {
	_, err := s.Transmit(ctx, icao.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: icao.AID})
	if err == nil {
		return nil
	}
	var se *icao.StatusError
	if errors.As(err, &se) && se.SW == 0x6A82 {
		how := "in a protected answer whose MAC verified"
		if !se.Authenticated {
			how = "without a MAC on the status"
		}
		return fmt.Errorf("%w: %s succeeded, then the chip answered SELECT of the eMRTD application with 6A82 (file not found) %s; it is not an ICAO travel document: %w", ErrNoApplication, m, how, err)
	}
	return fmt.Errorf("access: select the eMRTD application after PACE: %w", err)
}
