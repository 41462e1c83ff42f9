// Package qr reads the QR code of a CCCD (or Thẻ căn cước) from a 2D
// barcode scanner on a serial port (USB-CDC, read with go.bug.st/serial):
// one UTF-8 line per scan, terminated by CR, LF or CRLF. The line is parsed
// with mrz.ParseQR and becomes the access key for the next card on the
// paired reader: a Scan carrying the 12-digit ID and its CAN (last 6 digits).
// Scanners must be in serial (USB-CDC / virtual COM) mode; in keyboard (HID)
// mode their text goes to the focused window instead, e.g. the web console.
//
// The QR text holds the holder's name, date of birth and address. It is
// never logged, never put in an error, and dropped as soon as it is parsed.
package qr
