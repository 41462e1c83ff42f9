// Package lds parses the files of an ICAO 9303 Logical Data Structure as read
// from a chip: EF.COM, EF.SOD, DG1, DG2, DG13 (Vietnam), DG14, DG15,
// EF.CardAccess and EF.CardSecurity. One file per structure, each with its own
// parser.
//
// Parsers take the file exactly as read (including its outer application tag)
// and never panic on hostile input. Returned byte slices may alias the input.
// Errors wrap ErrMalformed or ErrUnsupported and never echo the file content,
// so they are safe to log even when the file holds personal data.
package lds
