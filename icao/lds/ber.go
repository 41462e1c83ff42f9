package lds

import (
	"fmt"

	"github.com/cccd-agent/cccd/pki"
)

// toDER re-encodes BER input as DER with pki's normaliser (indefinite
// lengths, long-form lengths, constructed strings), so that the cryptobyte
// walks of this package read files such as New Zealand's SOD, which uses
// indefinite lengths. DER input comes back as it is. Errors wrap
// ErrMalformed, this package's sentinel.
func toDER(b []byte) ([]byte, error) {
	der, err := pki.NormalizeBER(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return der, nil
}
