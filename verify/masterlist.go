package verify

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cccd-agent/cccd/pki"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// ErrNotMasterList: the CMS object does not carry a CscaMasterList.
var ErrNotMasterList = errors.New("not a CSCA master list")

// ErrUntrustedMasterList: the master-list signer does not chain to any of the given roots.
var ErrUntrustedMasterList = errors.New("master-list signer not issued by the given roots")

// MasterList is a parsed ICAO CSCA master list (ICAO 9303-12 §9):
// CMS SignedData whose eContent is CscaMasterList { version, SET OF Certificate }.
type MasterList struct {
	SignedData   *SignedData
	Version      int
	Certificates []*Certificate
	// Rejected holds one error per list entry that did not parse as a
	// certificate; those entries are left out of Certificates so that one
	// odd certificate does not make a whole country list unusable.
	Rejected []error
}

// ParseMasterList parses a .ml file. Signatures are not checked here (see
// Verify).
func ParseMasterList(b []byte) (*MasterList, error) {
	sd, err := ParseSignedData(b)
	if err != nil {
		return nil, fmt.Errorf("master list: %w", err)
	}
	if !sd.EContentType.Equal(OIDCscaMasterList) {
		return nil, fmt.Errorf("%w: eContentType %s", ErrNotMasterList, sd.EContentType)
	}
	in := cryptobyte.String(sd.EContent)
	var seq, set cryptobyte.String
	ml := &MasterList{SignedData: sd}
	var ok bool
	if !in.ReadASN1(&seq, asn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: CscaMasterList", ErrMalformed)
	}
	if ml.Version, ok = pki.ReadSmallInt(&seq); !ok || !seq.ReadASN1(&set, asn1.SET) {
		return nil, fmt.Errorf("%w: CscaMasterList", ErrMalformed)
	}
	for i := 0; !set.Empty(); i++ {
		var el cryptobyte.String
		if !set.ReadASN1Element(&el, asn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: master-list certificate %d", ErrMalformed, i)
		}
		c, err := ParseCertificate(el)
		if err != nil {
			ml.Rejected = append(ml.Rejected, fmt.Errorf("master-list certificate %d: %w", i, err))
			continue
		}
		ml.Certificates = append(ml.Certificates, c)
	}
	return ml, nil
}

// Verify checks the list's CMS signature with the signer certificate
// embedded in it and returns that signer. With roots, the signer must also be
// one of them or carry a valid signature from one of them; validity dates
// are not checked (a list stays usable after its signer's key period).
func (ml *MasterList) Verify(roots ...*Certificate) (*Certificate, error) {
	signer, err := ml.SignedData.VerifySignature()
	if err != nil {
		return nil, fmt.Errorf("master-list signature: %w", err)
	}
	if len(roots) == 0 {
		return signer, nil
	}
	for _, r := range roots {
		if bytes.Equal(r.Raw, signer.Raw) {
			return signer, nil
		}
		if signer.Issuer.Equal(r.Subject) && signer.CheckSignatureFrom(r) == nil {
			return signer, nil
		}
	}
	return nil, ErrUntrustedMasterList
}
