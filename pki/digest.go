package pki

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
)

// HashEqual reports, in constant time, whether the h-digest of data equals
// want. The common hashes run on stack arrays: Passive hashes every data
// group and allocations showed in its profile.
func HashEqual(h crypto.Hash, data, want []byte) bool {
	switch h {
	case crypto.SHA1:
		s := sha1.Sum(data)
		return subtle.ConstantTimeCompare(s[:], want) == 1
	case crypto.SHA224:
		s := sha256.Sum224(data)
		return subtle.ConstantTimeCompare(s[:], want) == 1
	case crypto.SHA256:
		s := sha256.Sum256(data)
		return subtle.ConstantTimeCompare(s[:], want) == 1
	case crypto.SHA384:
		s := sha512.Sum384(data)
		return subtle.ConstantTimeCompare(s[:], want) == 1
	case crypto.SHA512:
		s := sha512.Sum512(data)
		return subtle.ConstantTimeCompare(s[:], want) == 1
	}
	if !h.Available() {
		return false
	}
	d := h.New()
	d.Write(data)
	return subtle.ConstantTimeCompare(d.Sum(nil), want) == 1
}
