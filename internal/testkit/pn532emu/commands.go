package pn532emu

import (
	"github.com/cccd-agent/cccd/reader/pn532"
)

// Status codes the emulator reports in InDataExchange/InRelease status bytes.
const (
	statusOK       byte = 0x00
	statusTimeout  byte = 0x01 // target did not answer: the card left
	statusNotValid byte = 0x27 // command not acceptable in the current context
)

// execute runs one command and returns its response parameters (after the
// response code); ok false asks for the syntax error frame.
func (e *Emulator) execute(cmd byte, p []byte) (resp []byte, ok bool) {
	switch cmd {
	case pn532.CmdDiagnose:
		if len(p) >= 1 && p[0] == 0x00 { // communication line test: echo
			return append([]byte(nil), p...), true
		}
		return nil, false
	case pn532.CmdGetFirmwareVersion:
		fw := e.opts.Firmware
		return []byte{fw.IC, fw.Version, fw.Revision, fw.Support}, true
	case pn532.CmdSetParameters:
		if len(p) != 1 {
			return nil, false
		}
		e.flags = p[0]
		return nil, true
	case pn532.CmdSAMConfiguration:
		if len(p) < 1 || p[0] < 0x01 || p[0] > 0x04 {
			return nil, false
		}
		return nil, true
	case pn532.CmdRFConfiguration:
		if len(p) < 1 {
			return nil, false
		}
		return nil, true
	case pn532.CmdInListPassiveTarget:
		return e.listTarget(p)
	case pn532.CmdInDataExchange:
		return e.dataExchange(p)
	case pn532.CmdInPSL:
		return e.psl(p)
	case pn532.CmdInDeselect:
		if len(p) != 1 {
			return nil, false
		}
		return []byte{statusOK}, true
	case pn532.CmdInRelease:
		if len(p) != 1 {
			return nil, false
		}
		if e.active && (p[0] == 0 || p[0] == 1) {
			if e.chip != nil {
				e.chip.PowerOff()
			}
			e.active = false
			e.rx, e.tx = nil, nil
		}
		return []byte{statusOK}, true
	}
	return nil, false
}

// listTarget answers InListPassiveTarget for 106 kbps type A.
func (e *Emulator) listTarget(p []byte) ([]byte, bool) {
	if len(p) < 2 || p[0] < 1 || p[0] > 2 {
		return nil, false
	}
	if p[1] != 0x00 || e.chip == nil {
		return []byte{0}, true // no type A card in the field
	}
	atr := e.chip.PowerOn()
	e.active = true
	e.rx, e.tx = nil, nil
	e.uid++
	t := &pn532.Target{
		Tg:      1,
		SensRes: 0x0004,
		SelRes:  0x20,
		// A random UID (first byte 08) as eMRTDs use; deterministic here.
		NFCID: []byte{0x08, 0x5A, 0xC3, e.uid},
	}
	if e.flags&0x10 != 0 { // automatic RATS
		t.ATS = atsFromATR(atr, e.opts.TA)
	}
	e.stats.BitRate = 106
	return pn532.AppendTargetA(nil, t), true
}

// atsFromATR builds an ATS (TL T0 TA TB TC historical bytes) carrying the
// historical bytes of a PC/SC contactless pseudo-ATR 3B 8n 80 01 <hist> TCK.
func atsFromATR(atr []byte, ta byte) []byte {
	var hist []byte
	if len(atr) >= 4 && atr[0] == 0x3B && atr[1]&0xF0 == 0x80 && atr[2] == 0x80 && atr[3] == 0x01 {
		if k := int(atr[1] & 0x0F); len(atr) >= 4+k {
			hist = atr[4 : 4+k]
		}
	}
	// T0 0x78: TA, TB, TC present, FSCI 8 (256 bytes); TA as configured;
	// TB 0x70 (FWI 7); TC 0x02 (CID not supported).
	ats := []byte{byte(5 + len(hist)), 0x78, ta, 0x70, 0x02}
	return append(ats, hist...)
}

// dataExchange answers InDataExchange, chaining in both directions.
func (e *Emulator) dataExchange(p []byte) ([]byte, bool) {
	if len(p) < 1 {
		return nil, false
	}
	tg, data := p[0], p[1:]
	if tg&0x3F != 1 || !e.active {
		return []byte{statusNotValid}, true
	}
	if e.chip == nil {
		return []byte{statusTimeout}, true
	}
	if len(data) == 0 && len(e.tx) > 0 && tg&pn532.FlagMI == 0 {
		return e.nextChunk(), true
	}
	e.tx = nil
	e.rx = append(e.rx, data...)
	if tg&pn532.FlagMI != 0 {
		e.stats.ChainedIn++
		return []byte{statusOK}, true
	}
	apdu := e.rx
	e.rx = nil
	e.stats.Exchanges++
	e.tx = e.chip.Process(apdu)
	return e.nextChunk(), true
}

// nextChunk takes the next part of the pending response, with MI set when
// more remains.
func (e *Emulator) nextChunk() []byte {
	n := min(len(e.tx), e.opts.Chunk)
	status := statusOK
	if n < len(e.tx) {
		status |= pn532.FlagMI
		e.stats.ChainedOut++
	}
	out := append([]byte{status}, e.tx[:n]...)
	e.tx = e.tx[n:]
	return out
}

// psl answers InPSL: Tg, BRit, BRti, each rate allowed by the card's TA(1).
func (e *Emulator) psl(p []byte) ([]byte, bool) {
	if len(p) != 3 || p[1] > 2 || p[2] > 2 {
		return nil, false
	}
	if !e.active || p[0] != 1 {
		return []byte{statusNotValid}, true
	}
	allowed := map[byte]bool{0: true, 1: e.opts.TA&0x11 == 0x11, 2: e.opts.TA&0x22 == 0x22}
	if !allowed[p[1]] || !allowed[p[2]] {
		return []byte{0x10}, true // invalid parameter
	}
	e.stats.BitRate = 106 << p[1]
	return []byte{statusOK}, true
}
