package verify

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Error strings and reasons carry no personal data: a document whose DG1 and
// DG2 hold recognisable values produces no trace of them.
func TestNoPersonalDataInOutput(t *testing.T) {
	sod, dgs := readSet(t, "gmrtd-uk-expired")
	mrz, ok := findTLV(dgs[1], 0x61, 0x5F1F)
	if !ok {
		t.Fatal("DG1 MRZ not found")
	}
	secrets := []string{string(mrz[5:30]), string(mrz[44:53]), string(mrz[57:63])} // name, document number, birth date
	check := func(what, s string) {
		for _, sec := range secrets {
			if bytes.Contains([]byte(s), []byte(sec)) {
				t.Errorf("%s leaks personal data", what)
			}
		}
	}
	for _, mut := range []func(map[int][]byte){
		func(map[int][]byte) {},
		func(d map[int][]byte) { d[1][20] ^= 1 },
		func(d map[int][]byte) { d[1] = d[1][:10] },
	} {
		d := map[int][]byte{1: bytes.Clone(dgs[1]), 2: dgs[2]}
		mut(d)
		r := Passive(sod, d, nil, testTime)
		check("reasons", stringsOf(r))
	}
	// Parsers fed the MRZ bytes name structures, never contents.
	for _, f := range []func([]byte) error{
		func(b []byte) error { _, err := ParseSignedData(b); return err },
		func(b []byte) error { _, err := ParseCertificate(b); return err },
		func(b []byte) error { _, err := ParseCRL(b); return err },
		func(b []byte) error { _, err := ParsePublicKey(b); return err },
		func(b []byte) error { _, err := DecodeTrustFile(b); return err },
	} {
		for _, in := range [][]byte{dgs[1], append([]byte{0x30, 0x80}, mrz...), append([]byte{0x30, byte(len(mrz))}, mrz...)} {
			if err := f(in); err != nil {
				check("error", err.Error())
			}
		}
	}
}

var testTime = checkAt

func stringsOf(r *Result) string {
	s := r.Status + r.Passive.Signer + r.Passive.CSCA
	for _, x := range r.Reasons {
		s += x
	}
	for k, v := range r.Passive.Hashes {
		s += k + v
	}
	return s
}
