package pki

import (
	encasn1 "encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/cccd-agent/cccd/pki/oids"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// SignedData is a parsed CMS SignedData (RFC 5652) as used by EF.SOD,
// EF.CardSecurity and CSCA master lists. Byte fields alias the (possibly
// BER-normalised) input.
type SignedData struct {
	Version          int
	DigestAlgorithms []AlgorithmIdentifier
	EContentType     encasn1.ObjectIdentifier
	EContent         []byte // nil when detached
	Certificates     []*Certificate
	RawCRLs          [][]byte
	SignerInfos      []SignerInfo
}

// SignerInfo is one CMS SignerInfo. Exactly one of SKI and (Issuer, Serial)
// identifies the signer. Issuer carries only Raw; IssuerName decodes it.
type SignerInfo struct {
	Version            int
	Issuer             Name
	SerialNumber       *big.Int
	SubjectKeyID       []byte
	DigestAlgorithm    AlgorithmIdentifier
	RawSignedAttrs     []byte // the [0] element as encoded, tag included; nil if absent
	SignedAttrs        []Attribute
	SignatureAlgorithm AlgorithmIdentifier
	Signature          []byte
}

// Attribute is a CMS attribute with its values as raw DER elements.
type Attribute struct {
	Type   encasn1.ObjectIdentifier
	Values [][]byte
}

// maxCMSInput bounds what ParseSignedData accepts; a master list is ~1 MB.
const maxCMSInput = 8 << 20

// ParseSignedData parses a ContentInfo holding SignedData. BER input
// (indefinite lengths, constructed OCTET STRINGs, as in real NZ and US SODs)
// is normalised to DER first when the strict parse fails.
func ParseSignedData(b []byte) (*SignedData, error) {
	return ParseSignedDataWith(b, ParseCertificate)
}

// ParseSignedDataWith is ParseSignedData with the embedded-certificate parser
// given (a trust store passes its cache).
func ParseSignedDataWith(b []byte, parseCert func([]byte) (*Certificate, error)) (*SignedData, error) {
	return parseBERFallback(b, func(der []byte) (*SignedData, error) { return parseSignedDataDER(der, parseCert) })
}

// EncapsulatedContent reads a ContentInfo holding SignedData only as far as
// the encapsulated content and returns its type and bytes (nil when
// detached): certificates and SignerInfos are neither parsed nor required.
// It is for readers that need the signed content before, or without,
// checking its signature; the fields it reads are read by the same code as
// in ParseSignedData, BER included.
func EncapsulatedContent(b []byte) (eContentType encasn1.ObjectIdentifier, eContent []byte, err error) {
	sd, err := parseBERFallback(b, func(der []byte) (*SignedData, error) {
		sd, _, err := readSignedDataHead(der)
		return sd, err
	})
	if err != nil {
		return nil, nil, err
	}
	return sd.EContentType, sd.EContent, nil
}

// parseBERFallback runs parse on b as DER and, when that fails as
// malformed, on b normalised from BER (real NZ and US SODs need it).
func parseBERFallback(b []byte, parse func([]byte) (*SignedData, error)) (*SignedData, error) {
	if len(b) > maxCMSInput {
		return nil, fmt.Errorf("%w: CMS input larger than %d bytes", ErrMalformed, maxCMSInput)
	}
	sd, err := parse(b)
	if err == nil || !errors.Is(err, ErrMalformed) {
		return sd, err
	}
	der, nerr := NormalizeBER(b)
	if nerr != nil {
		return nil, err // report the DER error: it names the structure
	}
	return parse(der)
}

// readSignedDataHead reads ContentInfo and SignedData up to and including
// encapContentInfo; rest holds the remaining SignedData fields.
func readSignedDataHead(b []byte) (sd *SignedData, rest cryptobyte.String, err error) {
	in := cryptobyte.String(b)
	var ci, content cryptobyte.String
	var ct encasn1.ObjectIdentifier
	if !in.ReadASN1(&ci, asn1.SEQUENCE) || !in.Empty() || !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, nil, fmt.Errorf("%w: CMS ContentInfo", ErrMalformed)
	}
	if !ct.Equal(oids.SignedData) {
		return nil, nil, fmt.Errorf("%w: CMS content type %s is not SignedData", ErrMalformed, ct)
	}
	if !ci.ReadASN1(&content, asn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() {
		return nil, nil, fmt.Errorf("%w: CMS content", ErrMalformed)
	}
	var s cryptobyte.String
	if !content.ReadASN1(&s, asn1.SEQUENCE) || !content.Empty() {
		return nil, nil, fmt.Errorf("%w: SignedData", ErrMalformed)
	}
	sd = &SignedData{}
	var ok bool
	if sd.Version, ok = ReadSmallInt(&s); !ok {
		return nil, nil, fmt.Errorf("%w: SignedData version", ErrMalformed)
	}
	var set cryptobyte.String
	if !s.ReadASN1(&set, asn1.SET) {
		return nil, nil, fmt.Errorf("%w: digestAlgorithms", ErrMalformed)
	}
	for !set.Empty() {
		ai, err := readAlgorithm(&set, "digest")
		if err != nil {
			return nil, nil, err
		}
		sd.DigestAlgorithms = append(sd.DigestAlgorithms, ai)
	}
	if err := sd.readEncap(&s); err != nil {
		return nil, nil, err
	}
	return sd, s, nil
}

func parseSignedDataDER(b []byte, parseCert func([]byte) (*Certificate, error)) (*SignedData, error) {
	sd, s, err := readSignedDataHead(b)
	if err != nil {
		return nil, err
	}
	var set cryptobyte.String
	var certs, crls cryptobyte.String
	var present bool
	if !s.ReadOptionalASN1(&certs, &present, asn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, fmt.Errorf("%w: certificates", ErrMalformed)
	}
	for present && !certs.Empty() {
		var el cryptobyte.String
		var tag asn1.Tag
		if !certs.ReadAnyASN1Element(&el, &tag) {
			return nil, fmt.Errorf("%w: certificates", ErrMalformed)
		}
		if tag != asn1.SEQUENCE { // other CertificateChoices are not used by eMRTDs
			continue
		}
		c, err := parseCert(el)
		if err != nil {
			return nil, fmt.Errorf("embedded certificate: %w", err)
		}
		sd.Certificates = append(sd.Certificates, c)
	}
	if !s.ReadOptionalASN1(&crls, &present, asn1.Tag(1).Constructed().ContextSpecific()) {
		return nil, fmt.Errorf("%w: crls", ErrMalformed)
	}
	for present && !crls.Empty() {
		var el cryptobyte.String
		if !crls.ReadAnyASN1Element(&el, nil) {
			return nil, fmt.Errorf("%w: crls", ErrMalformed)
		}
		sd.RawCRLs = append(sd.RawCRLs, el)
	}
	if !s.ReadASN1(&set, asn1.SET) || !s.Empty() {
		return nil, fmt.Errorf("%w: signerInfos", ErrMalformed)
	}
	for !set.Empty() {
		si, err := readSignerInfo(&set)
		if err != nil {
			return nil, err
		}
		sd.SignerInfos = append(sd.SignerInfos, si)
	}
	if len(sd.SignerInfos) == 0 {
		return nil, fmt.Errorf("%w: no SignerInfo", ErrMalformed)
	}
	return sd, nil
}

func (sd *SignedData) readEncap(s *cryptobyte.String) error {
	var encap cryptobyte.String
	if !s.ReadASN1(&encap, asn1.SEQUENCE) || !encap.ReadASN1ObjectIdentifier(&sd.EContentType) {
		return fmt.Errorf("%w: encapContentInfo", ErrMalformed)
	}
	var explicit cryptobyte.String
	var present bool
	if !encap.ReadOptionalASN1(&explicit, &present, asn1.Tag(0).Constructed().ContextSpecific()) || !encap.Empty() {
		return fmt.Errorf("%w: eContent", ErrMalformed)
	}
	if present {
		var oct cryptobyte.String
		if !explicit.ReadASN1(&oct, asn1.OCTET_STRING) || !explicit.Empty() {
			return fmt.Errorf("%w: eContent OCTET STRING", ErrMalformed)
		}
		sd.EContent = oct
	}
	return nil
}

func readSignerInfo(set *cryptobyte.String) (SignerInfo, error) {
	var si SignerInfo
	var s cryptobyte.String
	bad := func(what string) error { return fmt.Errorf("%w: SignerInfo %s", ErrMalformed, what) }
	if !set.ReadASN1(&s, asn1.SEQUENCE) {
		return si, bad("")
	}
	var ok bool
	if si.Version, ok = ReadSmallInt(&s); !ok {
		return si, bad("version")
	}
	switch {
	case s.PeekASN1Tag(asn1.SEQUENCE):
		var ias cryptobyte.String
		if !s.ReadASN1(&ias, asn1.SEQUENCE) {
			return si, bad("issuerAndSerialNumber")
		}
		// The issuer is kept raw; most SODs repeat the certificate's issuer
		// byte for byte, so attributes are decoded only when they differ.
		var raw cryptobyte.String
		if !ias.ReadASN1Element(&raw, asn1.SEQUENCE) {
			return si, bad("issuer")
		}
		si.Issuer = Name{Raw: raw}
		if si.SerialNumber, ok = readInteger(&ias); !ok {
			return si, bad("serial number")
		}
	case s.PeekASN1Tag(asn1.Tag(0).ContextSpecific()):
		var ski cryptobyte.String
		if !s.ReadASN1(&ski, asn1.Tag(0).ContextSpecific()) {
			return si, bad("subjectKeyIdentifier")
		}
		si.SubjectKeyID = ski
	default:
		return si, bad("signer identifier")
	}
	var err error
	if si.DigestAlgorithm, err = readAlgorithm(&s, "SignerInfo digest"); err != nil {
		return si, err
	}
	if s.PeekASN1Tag(asn1.Tag(0).Constructed().ContextSpecific()) {
		var raw, attrs cryptobyte.String
		if !s.ReadASN1Element(&raw, asn1.Tag(0).Constructed().ContextSpecific()) {
			return si, bad("signedAttrs")
		}
		si.RawSignedAttrs = raw
		if !raw.ReadASN1(&attrs, asn1.Tag(0).Constructed().ContextSpecific()) {
			return si, bad("signedAttrs")
		}
		if si.SignedAttrs, err = readAttributes(attrs); err != nil {
			return si, err
		}
	}
	if si.SignatureAlgorithm, err = readAlgorithm(&s, "SignerInfo signature"); err != nil {
		return si, err
	}
	var sig cryptobyte.String
	if !s.ReadASN1(&sig, asn1.OCTET_STRING) {
		return si, bad("signature")
	}
	si.Signature = sig
	// unsignedAttrs [1] are ignored: they are not covered by the signature.
	if !s.SkipOptionalASN1(asn1.Tag(1).Constructed().ContextSpecific()) || !s.Empty() {
		return si, bad("trailing fields")
	}
	return si, nil
}

func readAttributes(attrs cryptobyte.String) ([]Attribute, error) {
	var out []Attribute
	for !attrs.Empty() {
		var a cryptobyte.String
		var at Attribute
		var vals cryptobyte.String
		if !attrs.ReadASN1(&a, asn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&at.Type) ||
			!a.ReadASN1(&vals, asn1.SET) || !a.Empty() {
			return nil, fmt.Errorf("%w: signed attribute", ErrMalformed)
		}
		for !vals.Empty() {
			var v cryptobyte.String
			if !vals.ReadAnyASN1Element(&v, nil) {
				return nil, fmt.Errorf("%w: signed attribute value", ErrMalformed)
			}
			at.Values = append(at.Values, v)
		}
		out = append(out, at)
	}
	return out, nil
}

// attribute returns the single value of the attribute typ. ok is false when
// the attribute is absent; err is set when it is repeated or multi-valued
// (RFC 5652 §11 forbids both for the attributes checked here).
func (si *SignerInfo) attribute(typ encasn1.ObjectIdentifier) (val []byte, ok bool, err error) {
	for _, a := range si.SignedAttrs {
		if !a.Type.Equal(typ) {
			continue
		}
		if ok || len(a.Values) != 1 {
			return nil, false, fmt.Errorf("%w: attribute %s must have exactly one value", ErrMalformed, typ)
		}
		val, ok = a.Values[0], true
	}
	return val, ok, nil
}

// SigningTime returns the signingTime signed attribute, if present and well formed.
func (si *SignerInfo) SigningTime() (time.Time, bool) {
	v, ok, err := si.attribute(oids.SigningTime)
	if !ok || err != nil {
		return time.Time{}, false
	}
	s := cryptobyte.String(v)
	return readTime(&s)
}

// IssuerName decodes the issuer of an issuerAndSerialNumber signer identifier.
func (si *SignerInfo) IssuerName() (Name, bool) {
	if si.Issuer.Raw == nil {
		return Name{}, false
	}
	return parseName(si.Issuer.Raw)
}
