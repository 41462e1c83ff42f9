package sim

// The simulated chip's command dispatch.
//
// Extension point: each instruction byte has one handler in the handlers
// table. card.go, fs.go and bac.go register SELECT, READ BINARY (B0/B1),
// GET CHALLENGE and MUTUAL AUTHENTICATE in their init(). The PACE, Chip
// Authentication and Active Authentication card sides live in their own files
// (pace.go, ca.go, aa.go) and register INS 22 (MSE:Set AT/KAT), 86 (GENERAL
// AUTHENTICATE) and 88 (INTERNAL AUTHENTICATE) the same way:
//
//	func init() { handle(0x86, (*Card).generalAuthenticate) }
//
// A handler receives the plain command (secure messaging already removed;
// c.protected() says whether it came under SM) and returns a reply. Process
// wraps the reply with the SM session the command arrived under, so a
// handler that switches keys with c.startSM (PACE, CA) has its own answer
// protected with the old keys and the next command checked with the new
// ones. Helpers for handlers: c.startSM, c.stopSM, c.fileData, c.random,
// c.vars (per-session state, cleared at power-on, keyed by protocol name),
// c.profile and c.atMF.

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/cccd-agent/cccd/icao"
)

// reply is a handler's answer: response data and status word.
type reply struct {
	data []byte
	sw   uint16
}

func status(sw uint16) reply   { return reply{sw: sw} }
func okData(data []byte) reply { return reply{data: data, sw: icao.SWOK} }
func (r reply) encode() []byte {
	return append(append([]byte(nil), r.data...), byte(r.sw>>8), byte(r.sw))
}
func (r reply) protectable() bool { return r.sw == icao.SWOK || r.sw>>8 == 0x62 || r.sw>>8 == 0x63 }

// handler answers one plain command.
type handler func(c *Card, cmd icao.Command) reply

// handlers maps INS to its handler; filled only from init functions.
var handlers = map[byte]handler{}

// handle registers h for ins. Two handlers for one INS is a programming
// error caught at start-up.
func handle(ins byte, h handler) {
	if _, dup := handlers[ins]; dup {
		panic(fmt.Sprintf("sim: two handlers for INS %02X", ins))
	}
	handlers[ins] = h
}

// Card is a simulated CCCD chip built from a Profile: ICAO file system, BAC,
// secure messaging, plus whatever other handlers registered themselves. It
// implements Chip. Not safe for concurrent use (a chip answers one command
// at a time); Process never panics on any input.
type Card struct {
	p      *Profile
	mf     *dir
	app    *dir
	rand   io.Reader
	bacEnc []byte
	bacMac []byte

	// Session state, cleared at power-on.
	cur       *dir
	ef        *efile
	sm        *icao.SecureMessaging
	smCmd     bool
	extCmd    bool // the command came in extended-length form
	challenge []byte
	vars      map[string]any
	processed int
}

// NewCard builds a chip from p: files by name (unknown names are ignored),
// BAC keys from the TD1 MRZ. The profile is not copied; do not change it
// while the card is in use.
func NewCard(p *Profile) (*Card, error) {
	if p == nil {
		return nil, errors.New("sim: nil profile")
	}
	mrzInfo, err := mrzInformation(p.MRZ)
	if err != nil {
		return nil, err
	}
	c := &Card{p: p, rand: rand.Reader}
	c.bacEnc, c.bacMac = icao.BACKeys(mrzInfo)
	files := p.Files
	if _, inEFATR := p.announces(); inEFATR && p.Files[icao.FileATRInfo.String()] == nil {
		files = maps.Clone(p.Files)
		files[icao.FileATRInfo.String()] = p.ATRInfo()
	}
	c.mf, c.app = buildFS(files)
	c.PowerOn()
	return c, nil
}

// SetRandom replaces the chip's random source (tests use a fixed one).
func (c *Card) SetRandom(r io.Reader) { c.rand = r }

// PowerOn resets the chip (MF selected, no secure messaging) and returns its
// ATR. The historical bytes announce extended length when the profile does.
func (c *Card) PowerOn() []byte {
	c.cur, c.ef, c.sm, c.smCmd, c.challenge = c.mf, nil, nil, false, nil
	c.vars = map[string]any{}
	return c.atr()
}

// PowerOff drops all session state, as leaving the field does.
func (c *Card) PowerOff() { c.PowerOn() }

// Processed returns how many APDUs the chip answered since NewCard.
func (c *Card) Processed() int { return c.processed }

// atr is the PC/SC contactless pseudo-ATR 3B 8n 80 01 <historical> TCK with
// compact-TLV card capabilities (tag 7, third software function table: b7
// extended Lc/Le, b6 extended length information in EF.ATR/INFO). A chip
// that announces extended length nowhere has no card capabilities at all; a
// chip without extended length says so (third table 00).
func (c *Card) atr() []byte {
	inATR, inEFATR := c.p.announces()
	caps := byte(0)
	if inATR {
		caps |= 0x40
	}
	if inEFATR {
		caps |= 0x20
	}
	hist := []byte{0x80, 0x73, 0x00, 0x00, caps}
	if c.p.ExtendedLength && !inATR && !inEFATR {
		hist = []byte{0x80, 0x31, 0x80} // selection by full DF name only
	}
	atr := append([]byte{0x3B, 0x80 | byte(len(hist)), 0x80, 0x01}, hist...)
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}

// Process answers one command APDU. Secure messaging follows ICAO 9303-11
// §9.8: a protected command is checked and decrypted; a wrong or missing MAC
// ends the SM session (bare 6988/6987), and so does any plain command. A
// protected command's answer is protected when its status is 9000 or a
// 62xx/63xx warning, otherwise it is a bare status word that does not move
// the SSC.
func (c *Card) Process(raw []byte) []byte {
	c.processed++
	// Handlers keep parts of a command (PACE keeps the terminal's public
	// key); a front end may reuse its buffer for the next message, so the
	// chip works on its own copy.
	raw = append([]byte(nil), raw...)
	cmd, err := icao.ParseCommand(raw)
	if err != nil || (icao.IsExtendedAPDU(raw) && !c.p.ExtendedLength) {
		return status(0x6700).encode() // rejected before SM: the SSC does not move
	}
	c.extCmd = icao.IsExtendedAPDU(raw)
	if cmd.CLA&0x0C != 0x0C {
		c.sm, c.smCmd = nil, false
		return c.dispatch(cmd).encode()
	}
	sm := c.sm
	if sm == nil {
		return status(0x6988).encode()
	}
	plain, err := sm.UnwrapCommand(cmd)
	if err != nil {
		c.sm = nil
		if errors.Is(err, icao.ErrBadMAC) {
			return status(0x6988).encode()
		}
		return status(0x6987).encode()
	}
	c.smCmd = true
	r := c.dispatch(plain)
	if !r.protectable() {
		return status(r.sw).encode()
	}
	return sm.WrapResponse(r.data, r.sw)
}

func (c *Card) dispatch(cmd icao.Command) reply {
	if cmd.CLA != 0x00 && cmd.CLA != 0x10 { // 10: command chaining (PACE)
		return status(0x6E00)
	}
	h, ok := handlers[cmd.INS]
	if !ok {
		return status(0x6D00)
	}
	return h(c, cmd)
}

// startSM installs a new secure-messaging session for the following
// commands (BAC, PACE and CA call it once they agreed on keys).
func (c *Card) startSM(alg icao.Cipher, ksEnc, ksMac, ssc []byte) error {
	sm, err := icao.NewSecureMessaging(alg, ksEnc, ksMac, ssc)
	if err != nil {
		return err
	}
	c.sm = sm
	return nil
}

// stopSM ends secure messaging.
func (c *Card) stopSM() { c.sm = nil }

// protected reports whether the command being handled came under SM.
func (c *Card) protected() bool { return c.smCmd }

// profile returns the chip's profile.
func (c *Card) profile() *Profile { return c.p }

// atMF reports whether the master file (not the eMRTD application) is the
// current DF, where PACE runs.
func (c *Card) atMF() bool { return c.cur == c.mf }

// fileData returns the content of the file called name ("DG14", "CardAccess").
func (c *Card) fileData(name string) ([]byte, bool) {
	b, ok := c.p.Files[name]
	return b, ok
}

// random returns n bytes from the chip's random source. A test source that
// runs dry falls back to crypto/rand, so a handler never fails for want of
// randomness.
func (c *Card) random(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(c.rand, b); err != nil {
		rand.Read(b)
	}
	return b
}
