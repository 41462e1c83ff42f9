// Package pn532emu emulates the PN532 side of the HSU serial protocol, byte
// for byte, on any byte stream (in tests: one end of a socat PTY pair opened
// with go.bug.st/serial). It answers the commands the pn532 driver uses
// (wake-up, SAMConfiguration, GetFirmwareVersion, SetParameters,
// RFConfiguration, InListPassiveTarget, InDataExchange with MI chaining both
// ways, InDeselect, InRelease, Diagnose echo) and forwards APDUs to a
// sim.Chip. Faults can be injected: a broken data checksum, a NACK instead of
// an ACK, a dropped command (no answer), a stalled response, and an unplug
// (kill the socat of a SocatPair).
//
// It is test equipment: it trusts its configuration and never logs APDUs.
package pn532emu
