package sim

import (
	"errors"
	"strings"
)

// errBadMRZ never carries the MRZ itself.
var errBadMRZ = errors.New("sim: profile MRZ is not a 90-character TD1 MRZ")

// mrzInformation composes the BAC MRZ_information (ICAO 9303-11 §9.7.2) from
// a TD1 MRZ by its fixed positions: document number 6-14 and its check digit
// 15 on line 1 (with the overflow into the optional data when the check
// digit position holds '<'), date of birth 1-7 and date of expiry 9-15 on
// line 2, each with its check digit. Check digits are taken as printed.
func mrzInformation(mrz string) (string, error) {
	if len(mrz) != 90 {
		return "", errBadMRZ
	}
	doc, cd := mrz[5:14], mrz[14]
	if cd == '<' { // long document number: rest and check digit in the optional data
		opt := mrz[15:30]
		end := strings.IndexByte(opt, '<')
		if end < 2 {
			return "", errBadMRZ
		}
		doc, cd = doc+opt[:end-1], opt[end-1]
	}
	line2 := mrz[30:60]
	return doc + string(cd) + line2[0:7] + line2[8:15], nil
}
