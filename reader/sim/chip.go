// Package sim is a simulated CCCD chip: the card side of BAC, PACE, secure
// messaging, Chip and Active Authentication, and an ICAO file system built
// from a Profile. It lets the whole product run and be tested without a card,
// in process (Card), behind a real pcscd (the vpcd bridge) or behind the PN532
// emulator.
package sim

// Chip is the card as a contactless front end sees it: power, ATR and one
// command APDU at a time. Process never fails: a card answers every command,
// with a status word when it cannot do what was asked.
// Implementations are not safe for concurrent use.
type Chip interface {
	// PowerOn resets the chip's state (no session, no selected file) and
	// returns its ATR.
	PowerOn() []byte
	// PowerOff drops all session state, as taking the card out of the field does.
	PowerOff()
	// Process answers one command APDU with response data followed by SW1 SW2.
	Process(command []byte) []byte
}
