// Package icao speaks ICAO Doc 9303 to an eMRTD chip: ISO 7816-4 APDUs and
// status words, the crypto primitives of secure messaging (ISO 9797-1 padding
// and retail MAC, AES-CMAC, the ICAO key derivation function), secure
// messaging itself (3DES and AES), Basic Access Control, and an adaptive file
// reader that keeps the secure-messaging counter in step with the chip.
//
// Sub-packages hold the rest of the protocol family (tlv, mrz, lds, pace,
// chipauth, activeauth); they build on the Session, SecureMessaging, KDF and
// StatusError defined here.
//
// Nothing in this package logs, and no error string carries file content,
// keys or MRZ data: errors describe the command and the status word only.
package icao
