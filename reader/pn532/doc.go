// Package pn532 drives an NXP PN532 NFC controller over its UART (HSU) link,
// usually behind a USB-UART bridge (CH340, CP210x, FTDI, PL2303), and exposes
// it as a reader.Reader that talks ISO 14443-4 type A cards (the CCCD chip).
//
// The wire format follows the PN532 User Manual UM0701-02 as implemented by
// libnfc (pn53x.c, pn532_uart.c): normal and extended information frames,
// ACK/NACK frames, the 0x55 wake-up, SAMConfiguration, RFConfiguration,
// InListPassiveTarget, InPSL (bit rate up to 424 kbps as the ATS allows),
// InDataExchange with MI chaining in both directions and InRelease. Frame-level faults are retried (NACK, retransmit, abort by ACK);
// what cannot be recovered maps onto the reader package's sentinel errors.
//
// A Reader is safe for concurrent use; its Card is not (one APDU at a time).
package pn532
