package pki

import (
	"bytes"
	encasn1 "encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// AlgorithmIdentifier is an X.509 / CMS AlgorithmIdentifier with its
// parameters kept as raw DER (nil when absent).
type AlgorithmIdentifier struct {
	Algorithm  encasn1.ObjectIdentifier
	Parameters []byte
}

// readAlgorithm reads an AlgorithmIdentifier SEQUENCE.
func readAlgorithm(s *cryptobyte.String, what string) (AlgorithmIdentifier, error) {
	var seq cryptobyte.String
	var ai AlgorithmIdentifier
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&ai.Algorithm) {
		return ai, fmt.Errorf("%w: %s algorithm identifier", ErrMalformed, what)
	}
	if !seq.Empty() {
		var params cryptobyte.String
		if !seq.ReadAnyASN1Element(&params, nil) {
			return ai, fmt.Errorf("%w: %s algorithm parameters", ErrMalformed, what)
		}
		if !bytes.Equal(params, []byte{0x05, 0x00}) { // NULL means "no parameters"
			ai.Parameters = params
		}
	}
	return ai, nil
}

// readInteger reads an INTEGER leniently: non-minimal encodings (a
// superfluous leading 00 or FF) are accepted, as real documents carry them.
func readInteger(s *cryptobyte.String) (*big.Int, bool) {
	var b cryptobyte.String
	if !s.ReadASN1(&b, asn1.INTEGER) || len(b) == 0 {
		return nil, false
	}
	return intFromBytes(b), true
}

// intFromBytes decodes a two's-complement big-endian integer.
func intFromBytes(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return n
}

// ReadSmallInt reads an INTEGER that must fit in an int (versions, DG numbers).
func ReadSmallInt(s *cryptobyte.String) (int, bool) {
	n, ok := readInteger(s)
	if !ok || !n.IsInt64() || n.Int64() < -1<<31 || n.Int64() > 1<<31-1 {
		return 0, false
	}
	return int(n.Int64()), true
}

// readTime reads a UTCTime or GeneralizedTime leniently (with or without
// seconds, 'Z' or an offset, fractional seconds).
func readTime(s *cryptobyte.String) (time.Time, bool) {
	var b cryptobyte.String
	var tag asn1.Tag
	if !s.ReadAnyASN1(&b, &tag) {
		return time.Time{}, false
	}
	t, err := parseTime(string(b), tag == asn1.UTCTime)
	if err != nil || (tag != asn1.UTCTime && tag != asn1.GeneralizedTime) {
		return time.Time{}, false
	}
	return t, true
}

func parseTime(v string, utc bool) (time.Time, error) {
	layouts := []string{"20060102150405Z0700", "200601021504Z0700", "20060102150405.999999999Z0700"}
	if utc {
		layouts = []string{"060102150405Z0700", "0601021504Z0700"}
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, v); err == nil {
			// RFC 5280: UTCTime years 50..99 are 19xx (Go's "06" maps 69..99 only).
			if utc && t.Year() >= 2050 {
				t = t.AddDate(-100, 0, 0)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: time %q", ErrMalformed, v)
}
