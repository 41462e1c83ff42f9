package sim

import (
	"bytes"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/internal/tlv"
)

// efile is one elementary file of the simulated chip.
type efile struct {
	fid  uint16
	sfi  byte
	data []byte
	free bool // readable without secure messaging (EF.CardAccess, EF.ATR/INFO)
}

// dir is a dedicated file: the MF or the eMRTD application.
type dir struct {
	files []*efile
}

func (d *dir) byFID(fid uint16) *efile {
	for _, f := range d.files {
		if f.fid == fid {
			return f
		}
	}
	return nil
}

func (d *dir) bySFI(sfi byte) *efile {
	for _, f := range d.files {
		if f.sfi == sfi {
			return f
		}
	}
	return nil
}

// buildFS places each profile file by its ICAO name: CardAccess,
// CardSecurity and ATRInfo (EF.ATR/INFO) under the MF, COM, SOD and DG1..DG16 in the application.
func buildFS(files map[string][]byte) (mf, app *dir) {
	mf, app = &dir{}, &dir{}
	for name, data := range files {
		f, ok := icao.FileByName(name)
		if !ok {
			continue
		}
		ef := &efile{fid: f.FID, sfi: f.SFI, data: data, free: f == icao.FileCardAccess || f == icao.FileATRInfo}
		if f.InMF {
			mf.files = append(mf.files, ef)
		} else {
			app.files = append(app.files, ef)
		}
	}
	return mf, app
}

func init() {
	handle(0xA4, (*Card).selectFile)
	handle(0xB0, (*Card).readBinary)
	handle(0xB1, (*Card).readBinaryOdd)
}

// selectFile is SELECT (ISO 7816-4 §11.2.2): P1 00 (MF, or an EF of the
// current DF by FID), 02 (EF by FID), 04 (DF by name, prefix match on the
// eMRTD AID); P2 0C (no answer), 00 (FCI) or 04 (FCP).
func (c *Card) selectFile(cmd icao.Command) reply {
	if cmd.P2 != 0x00 && cmd.P2 != 0x04 && cmd.P2 != 0x0C {
		return status(0x6A86)
	}
	switch cmd.P1 {
	case 0x04:
		if len(cmd.Data) < 5 || !bytes.HasPrefix(icao.AID, cmd.Data) {
			return status(0x6A82)
		}
		c.cur, c.ef = c.app, nil
		if cmd.P2 == 0x0C {
			return okData(nil)
		}
		return okData(tlv.Encode(0x6F, tlv.Encode(0x84, icao.AID)))
	case 0x00, 0x02:
		if cmd.P1 == 0x00 && (len(cmd.Data) == 0 || bytes.Equal(cmd.Data, []byte{0x3F, 0x00})) {
			c.cur, c.ef = c.mf, nil
			return okData(nil)
		}
		if len(cmd.Data) != 2 {
			return status(0x6A87)
		}
		f := c.cur.byFID(uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1]))
		if f == nil {
			return status(0x6A82)
		}
		c.ef = f
		if cmd.P2 == 0x0C {
			return okData(nil)
		}
		return okData(fcp(f))
	}
	return status(0x6A86)
}

// fcp is the file control parameters of an EF: size, type, FID, SFI.
func fcp(f *efile) []byte {
	n := len(f.data)
	return tlv.Encode(0x62,
		tlv.Encode(0x80, []byte{byte(n >> 8), byte(n)}),
		tlv.Encode(0x82, []byte{0x01}),
		tlv.Encode(0x83, []byte{byte(f.fid >> 8), byte(f.fid)}),
		tlv.Encode(0x88, []byte{f.sfi << 3}))
}

// readBinary is READ BINARY B0: P1 bit 8 set selects the EF by SFI (P1 bits
// 5-1) with an offset of P2; otherwise P1-P2 is a 15-bit offset in the
// current EF.
func (c *Card) readBinary(cmd icao.Command) reply {
	var f *efile
	var off int
	if cmd.P1&0x80 != 0 {
		if cmd.P1&0x60 != 0 {
			return status(0x6A86)
		}
		if f = c.cur.bySFI(cmd.P1 & 0x1F); f == nil {
			return status(0x6A82)
		}
		c.ef, off = f, int(cmd.P2)
	} else {
		if f = c.ef; f == nil {
			return status(0x6986)
		}
		off = int(cmd.P1)<<8 | int(cmd.P2)
	}
	if !f.free && !c.protected() {
		return status(0x6982)
	}
	data, sw := c.readAt(f, off, cmd.Ne, c.maxResponse())
	return reply{data: data, sw: sw}
}

// readBinaryOdd is READ BINARY B1: P1-P2 0000 is the current EF, P1 00 with
// P2 1..1F an SFI, anything else an FID in the current DF; the offset is in
// DO'54' and the answer is DO'53', whose header counts against Ne.
func (c *Card) readBinaryOdd(cmd icao.Command) reply {
	var f *efile
	switch p := uint16(cmd.P1)<<8 | uint16(cmd.P2); {
	case p == 0:
		f = c.ef
		if f == nil {
			return status(0x6986)
		}
	case p < 0x20:
		f = c.cur.bySFI(byte(p))
	default:
		f = c.cur.byFID(p)
	}
	if f == nil {
		return status(0x6A82)
	}
	c.ef = f
	if !f.free && !c.protected() {
		return status(0x6982)
	}
	do54, err := tlv.Find(cmd.Data, 0x54)
	if err != nil || len(do54.Value) == 0 || len(do54.Value) > 3 {
		return status(0x6A80)
	}
	off := 0
	for _, b := range do54.Value {
		off = off<<8 | int(b)
	}
	ne := cmd.Ne
	if !c.leMax(ne) {
		ne = contentFor(ne) // an explicit Ne counts the DO'53' header too
	}
	data, sw := c.readAt(f, off, ne, c.maxResponse()-5)
	if data == nil {
		return status(sw)
	}
	return reply{data: tlv.Encode(0x53, data), sw: sw}
}

// contentFor is the most content bytes whose DO'53' fits in n bytes.
func contentFor(n int) int {
	k := n - 2
	for k > 0 && len(tlv.Encode(0x53, make([]byte, k))) > n {
		k--
	}
	return k
}

// readAt serves up to ne bytes of f from off, as ICAO chips do: an offset at
// or past the end is 6B00; Le = max (256 short, 65536 extended) means "up to
// the end of the file" (see leMax) and returns what is left with 9000 (ISO 7816-4
// §11.3.3); an explicit Ne beyond the end returns the rest with 6282. An
// explicit Ne above what one answer can carry (limit) is 6700 in a short
// APDU, and in an extended one gets what fits with 9000.
func (c *Card) readAt(f *efile, off, ne, limit int) ([]byte, uint16) {
	if off >= len(f.data) {
		return nil, 0x6B00
	}
	rest := len(f.data) - off
	if c.leMax(ne) {
		return f.data[off : off+min(rest, limit)], icao.SWOK
	}
	if ne <= 0 {
		return nil, 0x6700
	}
	if ne > limit {
		if !c.extCmd {
			return nil, 0x6700
		}
		ne = limit
	}
	if ne > rest {
		return f.data[off:], 0x6282
	}
	return f.data[off : off+ne], icao.SWOK
}

// leMax reports whether Ne means "as many as there are": no Le, Le = 00 in a
// short APDU, or Le = 00 00 in an extended one. 256 asked in an extended APDU
// is taken literally.
func (c *Card) leMax(ne int) bool {
	return ne == 0 || ne == icao.MaxExtendedNe || (ne == icao.MaxShortNe && !c.extCmd)
}

// maxResponse is the most plaintext one answer can carry: what fits a short
// (or extended) response under the current SM, capped by MaxResponse.
func (c *Card) maxResponse() int {
	var sm *icao.SecureMessaging
	if c.smCmd {
		sm = c.sm
	}
	n := sm.MaxShortRead()
	if c.p.ExtendedLength {
		n = icao.MaxExtendedNe - 64 // room for DO'87' header, DO'99', DO'8E'
	}
	if c.p.MaxResponse > 0 && c.p.MaxResponse < n {
		n = c.p.MaxResponse
	}
	return n
}
