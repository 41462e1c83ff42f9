package checkin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cccd-agent/cccd/internal/clock"
	"github.com/cccd-agent/cccd/pki"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/access"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/tlv"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/verify"
)

// ErrNoKey means the key given cannot open this chip: neither a CAN nor
// enough of the MRZ (ID number with date of birth, or the MRZ itself), or only
// a CAN for a chip that offers BAC alone. It is access.ErrNoKey, so callers
// branch on one sentinel wherever the refusal was found.
var ErrNoKey = access.ErrNoKey

// ReasonDGUnparsed (+ ":DGn") is the reason token Assemble adds for a data
// group it read but cannot parse. It is not fatal: the file's hash is checked
// like any other, and only its part of the result is left out.
const ReasonDGUnparsed = "dg-unparsed"

// ReadOptions tune one card read.
type ReadOptions struct {
	// Trust holds the CSCAs a document must chain to for "verified"; nil
	// trusts nothing (an intact card then reads "intact-untrusted").
	Trust *verify.TrustStore
	// NoPhoto leaves the face image's bytes out of the result.
	NoPhoto bool
	// AllowBAC lets BAC run after a failed PACE; chips without PACE always
	// use BAC.
	AllowBAC bool
	// SkipChipAuth leaves Chip/Active Authentication out (chip "skipped").
	SkipChipAuth bool
	// Trace receives one line per protocol step and APDU (no personal data).
	Trace func(string)
	// Progress receives the step being done and an estimate of completion.
	Progress func(step string, percent int)
	// Now is the clock (time.Now if nil): it picks the expiry candidates and
	// is the verification time when the SOD has no signing time.
	Now func() time.Time
	// ExtendedLength, if set, remembers per reader and ATR whether
	// extended-length APDUs work (the Agent keeps one for its lifetime);
	// ReadCard names the reader.
	ExtendedLength *icao.ExtendedLengthMemo
	readerName     string
}

func (o ReadOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return clock.Now()
}

func (o ReadOptions) trace(line string) {
	if o.Trace != nil {
		o.Trace(line)
	}
}

func (o ReadOptions) progress(step string, percent int) {
	if o.Progress != nil {
		o.Progress(step, percent)
	}
}

// A reader's card is the transport of an icao.Session.
var _ icao.Transport = reader.Card(nil)

// Capture is what a session took from the chip, before any parsing: the
// access method, every file as read, the chip check and the traffic.
type Capture struct {
	Access access.Method
	Files  *lds.Files // COM, SOD, the data groups; CardAccess; CardSecurity (PACE-CAM)
	// PACEInfo is the PACEInfo the session ran PACE with; nil after BAC.
	PACEInfo *lds.PACEInfo
	Chip     access.ChipVerdict
	Stats    icao.Stats
}

// Capture opens the chip with key, reads its files (security data first,
// the photo last) and runs the chip check. A session opened with PACE-CAM
// also reads EF.CardSecurity, which carries the key CAM proves. A wrong key
// is an error matching icao.ErrAccessDenied; a card that leaves the field,
// reader.ErrCardRemoved.
func CaptureCard(ctx context.Context, card reader.Card, key Key, opts ReadOptions) (*Capture, error) {
	conn, err := openChip(ctx, card, key, opts)
	if err != nil {
		return nil, err
	}
	opts.progress("read", 20)
	cardSecurity, err := readCardSecurity(ctx, conn, opts)
	if err != nil {
		return nil, err
	}
	files, err := icao.ReadDocument(ctx, conn.Session, icao.DocumentOptions{})
	if err != nil {
		return nil, fmt.Errorf("read the chip's files: %w", err)
	}
	capture := &Capture{Access: conn.Method, Files: &files.Files}
	if conn.PACE != nil {
		i := conn.PACEInfo
		capture.PACEInfo = &lds.PACEInfo{Protocol: i.Protocol, Version: i.Version, ParameterID: i.ParameterID}
	}
	if conn.CardAccess != nil {
		capture.Files.Set(lds.EFCardAccess, conn.CardAccess)
	}
	if cardSecurity != nil {
		capture.Files.Set(lds.EFCardSecurity, cardSecurity)
	}
	opts.progress("chip", 85)
	if opts.SkipChipAuth {
		capture.Chip = access.ChipVerdict{Method: "skipped"}
	} else {
		// With EF.CardSecurity the check is PACE-CAM (already proven during
		// PACE, no APDU); Assemble binds it to that file's signature. A file
		// that names another signer than the SOD may not bind without a
		// trusted CSCA, and a broken one never binds: either would turn a
		// genuine chip red, so when DG14 offers Chip Authentication (whose
		// key the SOD covers) that runs instead. The choice rests on what
		// the files claim and on the file's own signature; trust (the SOD,
		// chains, CRLs) is judged once, in Assemble, after the card is let go.
		camFile := cardSecurity
		if camFile != nil && files.DG(14) != nil && !camLikelyBound(files.SOD(), camFile) {
			opts.trace("checkin: EF.CardSecurity cannot be bound to the SOD's signer (another signer named, or a broken signature); the chip check is Chip Authentication (DG14)")
			camFile = nil
		}
		capture.Chip = access.AuthenticateChip(ctx, conn, access.ChipFiles{
			DG14: files.DG(14), DG15: files.DG(15), CardSecurity: camFile,
		}, access.ChipOptions{})
		if capture.Chip.Inconclusive() {
			return nil, fmt.Errorf("chip authentication: %w", reader.ErrCardRemoved)
		}
	}
	capture.Stats = conn.Session.Stats()
	return capture, nil
}

// readCardSecurity reads EF.CardSecurity when the session was opened with
// PACE-CAM, and returns nil otherwise. The file lives in the master file,
// which access.Connect leaves for the eMRTD application, so it is read
// (icao.ReadMFFile) before ReadDocument selects the application again. A
// chip that does not serve a parsable EF.CardSecurity loses only the CAM
// check: nil comes back, the trace says so, and the chip check falls back to
// Chip Authentication (DG14). A card that leaves the field, or a cancelled
// ctx, is an error.
func readCardSecurity(ctx context.Context, conn *access.Conn, opts ReadOptions) ([]byte, error) {
	if conn.PACE == nil || conn.PACE.CAM == nil {
		return nil, nil
	}
	b, err := icao.ReadMFFile(ctx, conn.Session, icao.FileCardSecurity)
	if err == nil {
		// Wrong DF or a broken file: SFI 1D is EF.SOD in the application.
		_, err = lds.ParseCardSecurity(b)
	}
	switch {
	case err == nil:
		opts.trace(fmt.Sprintf("checkin: EF.CardSecurity read (%d bytes): the chip check is PACE-CAM", len(b)))
		return b, nil
	case errors.Is(err, icao.ErrTransport) || ctx.Err() != nil:
		return nil, fmt.Errorf("read EF.CardSecurity: %w", err)
	}
	opts.trace(fmt.Sprintf("checkin: EF.CardSecurity unusable (%v); the chip check falls back to Chip Authentication (DG14)", err))
	return nil, nil
}

// openChip runs the access order with the key: PACE-CAN, PACE-MRZ, BAC. When
// only the ID and date of birth are known the expiry is a guess, so each
// candidate expiry of the ID laws is tried in turn on a refusal.
func openChip(ctx context.Context, card reader.Card, key Key, opts ReadOptions) (*access.Conn, error) {
	seeds := key.MRZSeeds(opts.now())
	if key.CAN == "" && len(seeds) == 0 {
		return nil, fmt.Errorf("%w: give the 6-digit CAN, the 12-digit ID number, the MRZ, or the ID with the date of birth", ErrNoKey)
	}
	aopts := access.Options{Trace: opts.Trace, ExtendedLength: opts.ExtendedLength, Reader: opts.readerName}
	if opts.AllowBAC {
		aopts.BAC = access.BACFallback
	}
	first := access.Key{CAN: key.CAN}
	if len(seeds) > 0 {
		first.MRZInfo = seeds[0]
	}
	opts.progress("access", 5)
	conn, err := access.Connect(ctx, card, first, aopts)
	for i := 1; err != nil && errors.Is(err, icao.ErrAccessDenied) && i < len(seeds); i++ {
		if opts.Trace != nil {
			opts.Trace(fmt.Sprintf("access refused; trying expiry candidate %d of %d", i+1, len(seeds)))
		}
		conn, err = access.Connect(ctx, card, access.Key{MRZInfo: seeds[i]}, aopts)
	}
	if err != nil {
		return nil, fmt.Errorf("open the chip: %w", err)
	}
	return conn, nil
}

// Assemble parses a capture and verifies it: DG1 into the document, DG13
// into the personal data, DG2 into the photo, passive authentication of
// everything read, and the chip check bound to it. A file that does not
// parse is left out of the result and named in the verification reasons;
// it never makes a read look better than it is.
func Assemble(c *Capture, readerName string, opts ReadOptions) *ReadResult {
	res := &ReadResult{
		Reader: readerName,
		Access: string(c.Access),
		Timing: Timing{APDUs: c.Stats.APDUs, BytesIn: int(c.Stats.BytesIn), BytesOut: int(c.Stats.BytesOut)},
	}
	dgs := c.Files.DataGroups()
	res.Verification = verify.Passive(c.Files.SOD(), dgs, opts.Trust, opts.now())
	var parseProblems []string
	if b, ok := dgs[1]; ok {
		if m, err := lds.ParseDG1(b); err == nil {
			res.Document = documentFromMRZ(m, opts.now())
		} else {
			parseProblems = append(parseProblems, ReasonDGUnparsed+":DG1")
		}
	}
	if b, ok := dgs[13]; ok {
		if p, err := lds.ParseDG13(b); err == nil {
			res.Personal = p
		} else {
			parseProblems = append(parseProblems, ReasonDGUnparsed+":DG13")
		}
	}
	if b, ok := dgs[2]; ok {
		if img, err := lds.ParseDG2(b); err == nil {
			res.Photo = &Photo{Format: img.Format, Width: img.Width, Height: img.Height, Bytes: len(img.Data)}
			if !opts.NoPhoto {
				res.Photo.Data = img.Data
			}
		} else {
			parseProblems = append(parseProblems, ReasonDGUnparsed+":DG2")
		}
	}
	res.Verification.Reasons = append(res.Verification.Reasons, parseProblems...)
	applyChip(res.Verification, c, opts)
	// EF.CardSecurity counts as signed once PACE-CAM was bound to it.
	var cardSecurity []byte
	if v := res.Verification; v.Chip.Method == access.ChipPACECAM && v.Chip.Status == verify.ChipOK {
		cardSecurity = c.Files.CardSecurity()
	}
	res.Verification.BindCardAccess(c.Files.CardAccess(), c.PACEInfo, c.Files.DG(14), cardSecurity)
	return res
}

// applyChip binds the chip check to passive authentication: a key counts
// only when the file that carried it is signed by the issuer — DG14 or DG15
// covered by the valid SOD, EF.CardSecurity by its own signature (camBound).
func applyChip(v *verify.Result, c *Capture, opts ReadOptions) {
	chip := c.Chip
	switch chip.Method {
	case "skipped":
		return
	case "", "none":
		v.SetChipNotSupported()
		return
	}
	var bound bool
	switch chip.Method {
	case access.ChipCA:
		bound = v.Covered(14)
	case access.ChipAA:
		bound = v.Covered(15)
	case access.ChipPACECAM:
		bound = camBound(v.DS, c.Files.CardSecurity(), opts)
	}
	v.ApplyChip(chip.Method, chip.OK, bound)
}

// camBound reports whether the key PACE-CAM proved is one the issuer
// signed: EF.CardSecurity's signature verifies (verify.CardSecurity not
// failed), the content it vouches for is the very content the key was taken
// from, and its signer is the SOD's Document Signer or chains to a trusted
// CSCA. Without the last rule a clone could sign its own key with a DS of
// its own making: that file is only intact-untrusted, not failed, and would
// make a copied, verified SOD look like a genuine chip.
func camBound(sodDS *verify.Certificate, cs []byte, opts ReadOptions) bool {
	if el, _, err := tlv.Parse(cs); err == nil {
		cs = el.Raw // drop read padding, as lds.ParseCardSecurity does
	}
	signed, r := verify.CardSecurity(cs, opts.Trust, opts.now())
	opts.trace(fmt.Sprintf("checkin: EF.CardSecurity %s %v", r.Status, r.Reasons))
	if r.Status == verify.StatusFailed || signed == nil {
		return false
	}
	if _, used, err := lds.EncapsulatedContent(cs); err != nil || !bytes.Equal(signed, used) {
		return false
	}
	if r.Status == verify.StatusVerified {
		return true
	}
	return r.DS != nil && sodDS != nil && bytes.Equal(r.DS.Raw, sodDS.Raw)
}

// camLikelyBound reports whether EF.CardSecurity names the same signer as
// EF.SOD (issuer and serial number, or subject key identifier) and its
// signature verifies under the certificate it carries. It judges no trust
// and proves nothing; it only chooses which chip check to run while the card
// is held.
func camLikelyBound(sod, cardSecurity []byte) bool {
	sodCMS, err := lds.SODContent(sod)
	if err != nil {
		return false
	}
	if el, _, err := tlv.Parse(cardSecurity); err == nil {
		cardSecurity = el.Raw // drop read padding
	}
	a, errA := pki.ParseSignedData(sodCMS)
	b, errB := pki.ParseSignedData(cardSecurity)
	if errA != nil || errB != nil || len(a.SignerInfos) != 1 || len(b.SignerInfos) != 1 {
		return false
	}
	x, y := a.SignerInfos[0], b.SignerInfos[0]
	var same bool
	if x.SubjectKeyID != nil || y.SubjectKeyID != nil {
		same = bytes.Equal(x.SubjectKeyID, y.SubjectKeyID)
	} else {
		same = x.SerialNumber != nil && y.SerialNumber != nil &&
			x.SerialNumber.Cmp(y.SerialNumber) == 0 && bytes.Equal(x.Issuer.Raw, y.Issuer.Raw)
	}
	if !same {
		return false
	}
	_, err = b.VerifySignature()
	return err == nil
}

// ReadCard is CaptureCard then Assemble: the whole read of one tap.
func ReadCard(ctx context.Context, card reader.Card, readerName string, key Key, opts ReadOptions) (*ReadResult, error) {
	start := time.Now()
	opts.readerName = readerName
	c, err := CaptureCard(ctx, card, key, opts)
	if err != nil {
		return nil, err
	}
	opts.progress("verify", 90)
	res := Assemble(c, readerName, opts)
	res.Timing.TotalMS = time.Since(start).Milliseconds()
	return res, nil
}
