package verify

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrCRLIssuerUnknown: no certificate in the store signed the CRL.
var ErrCRLIssuerUnknown = errors.New("CRL issuer not in the trust store")

// Anchor is one trusted certificate and where it came from.
type Anchor struct {
	Cert   *Certificate
	Source string // file name, "master list C=DE", ...
}

// TrustStore holds trusted CSCA certificates (every one is an anchor, link
// certificates included, as ICAO master lists intend), CRLs whose signature
// was checked against one of them, and a cache of verified DS → CSCA
// signatures. It lives in memory; the cache package persists the raw DER.
// All methods are safe for concurrent use.
type TrustStore struct {
	mu      sync.RWMutex
	anchors []*Anchor
	seen    map[[32]byte]bool
	bySKI   map[string][]*Anchor
	byName  map[string][]*Anchor
	crls    []trustedCRL

	linkMu sync.Mutex
	links  map[linkKey]bool // verified certificate signatures

	certMu    sync.Mutex
	certCache map[string]*Certificate // embedded DS certificates by DER
}

type trustedCRL struct {
	crl    *CRL
	issuer *Certificate
}

type linkKey struct {
	child  [32]byte
	issuer *Certificate
}

// maxCached bounds the link and certificate caches; a desk needs a handful.
const maxCached = 4096

// NewTrustStore returns an empty store.
func NewTrustStore() *TrustStore {
	return &TrustStore{
		seen:   map[[32]byte]bool{},
		bySKI:  map[string][]*Anchor{},
		byName: map[string][]*Anchor{},
		links:  map[linkKey]bool{},

		certCache: map[string]*Certificate{},
	}
}

// Add parses a DER certificate and trusts it. Adding the same bytes twice
// is a no-op.
func (s *TrustStore) Add(der []byte) error {
	_, err := s.AddSource(der, "")
	return err
}

// AddSource is Add with a source label shown by `cccd trust list`.
func (s *TrustStore) AddSource(der []byte, source string) (*Certificate, error) {
	c, err := ParseCertificate(bytes.Clone(der))
	if err != nil {
		return nil, fmt.Errorf("trust anchor: %w", err)
	}
	s.addCert(c, source)
	return c, nil
}

func (s *TrustStore) addCert(c *Certificate, source string) {
	sum := sha256.Sum256(c.Raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[sum] {
		return
	}
	s.seen[sum] = true
	a := &Anchor{Cert: c, Source: source}
	s.anchors = append(s.anchors, a)
	if len(c.SubjectKeyID) > 0 {
		s.bySKI[string(c.SubjectKeyID)] = append(s.bySKI[string(c.SubjectKeyID)], a)
	}
	k := c.Subject.Key()
	s.byName[k] = append(s.byName[k], a)
}

// AddMasterList verifies a CSCA master list and trusts every certificate in
// it. The list's signature must verify with its embedded signer; with roots,
// that signer must also be one of them or be signed by one. It returns the
// number of certificates added.
func (s *TrustStore) AddMasterList(ml []byte, roots ...*Certificate) (int, error) {
	return s.addMasterList(ml, "", roots)
}

// addMasterList is AddMasterList with the anchors' source label given; ""
// labels them "master list CC" after the signer's country.
func (s *TrustStore) addMasterList(ml []byte, src string, roots []*Certificate) (int, error) {
	m, err := ParseMasterList(bytes.Clone(ml))
	if err != nil {
		return 0, err
	}
	signer, err := m.Verify(roots...)
	if err != nil {
		return 0, err
	}
	if src == "" {
		src = "master list " + signer.Country()
	}
	for _, c := range m.Certificates {
		s.addCert(c, src)
	}
	return len(m.Certificates), nil
}

// AddCRL parses a CRL, checks its signature against the store's
// certificates and keeps it for revocation checks. A CRL no trusted
// certificate signed is refused with ErrCRLIssuerUnknown.
func (s *TrustStore) AddCRL(der []byte) error {
	crl, err := ParseCRL(bytes.Clone(der))
	if err != nil {
		return fmt.Errorf("CRL: %w", err)
	}
	s.mu.RLock()
	cands := append([]*Anchor{}, s.byName[crl.Issuer.Key()]...)
	s.mu.RUnlock()
	for _, a := range cands {
		if crl.IssuedBy(a.Cert) && crl.CheckSignatureFrom(a.Cert) == nil {
			s.mu.Lock()
			s.crls = append(s.crls, trustedCRL{crl: crl, issuer: a.Cert})
			s.mu.Unlock()
			return nil
		}
	}
	return ErrCRLIssuerUnknown
}

// FindIssuers returns the trusted certificates that may have issued cert:
// by authority key identifier → subject key identifier when cert has one,
// otherwise (or when nothing matches) by issuer name. Signatures are not
// checked here.
func (s *TrustStore) FindIssuers(cert *Certificate) []*Certificate {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*Certificate
	if len(cert.AuthorityKeyID) > 0 {
		for _, a := range s.bySKI[string(cert.AuthorityKeyID)] {
			out = append(out, a.Cert)
		}
	}
	if len(out) == 0 {
		for _, a := range s.byName[cert.Issuer.Key()] {
			out = append(out, a.Cert)
		}
	}
	return out
}

// Anchors returns a snapshot of the trusted certificates in insertion order.
func (s *TrustStore) Anchors() []Anchor {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Anchor, len(s.anchors))
	for i, a := range s.anchors {
		out[i] = *a
	}
	return out
}

// Len is the number of trusted certificates.
func (s *TrustStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.anchors)
}

// revoked reports whether a CRL from issuer lists cert, and when.
func (s *TrustStore) revoked(cert, issuer *Certificate) (time.Time, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, tc := range s.crls {
		if tc.issuer != issuer && !(tc.issuer.Subject.Equal(issuer.Subject) && bytes.Equal(tc.issuer.RawSPKI, issuer.RawSPKI)) {
			continue
		}
		if when, ok := tc.crl.Revoked(cert.SerialNumber); ok {
			return when, true
		}
	}
	return time.Time{}, false
}

// crlOutdated reports whether the store holds CRLs from issuer and every
// one of them is past its nextUpdate at at (a CRL without nextUpdate never
// goes out of date).
func (s *TrustStore) crlOutdated(issuer *Certificate, at time.Time) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	held := false
	for _, tc := range s.crls {
		if tc.issuer != issuer && !(tc.issuer.Subject.Equal(issuer.Subject) && bytes.Equal(tc.issuer.RawSPKI, issuer.RawSPKI)) {
			continue
		}
		if tc.crl.NextUpdate.IsZero() || !at.After(tc.crl.NextUpdate) {
			return false
		}
		held = true
	}
	return held
}

// CRLInfo describes one CRL in the store.
type CRLInfo struct {
	Issuer     string    // the CSCA's subject
	ThisUpdate time.Time // when it was issued
	NextUpdate time.Time // when the next one is due; zero when absent
	Entries    int       // revoked certificates listed
}

// CRLs describes the CRLs in the store, in import order.
func (s *TrustStore) CRLs() []CRLInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]CRLInfo, 0, len(s.crls))
	for _, tc := range s.crls {
		out = append(out, CRLInfo{Issuer: tc.issuer.SubjectString(), ThisUpdate: tc.crl.ThisUpdate,
			NextUpdate: tc.crl.NextUpdate, Entries: tc.crl.Len()})
	}
	return out
}

// checkLink verifies issuer's signature on child, remembering successes:
// a desk sees the same few DS certificates all day.
func (s *TrustStore) checkLink(child, issuer *Certificate) error {
	k := linkKey{child: child.Fingerprint(), issuer: issuer}
	s.linkMu.Lock()
	ok := s.links[k]
	s.linkMu.Unlock()
	if ok {
		return nil
	}
	if err := child.CheckSignatureFrom(issuer); err != nil {
		return err
	}
	s.linkMu.Lock()
	if len(s.links) > maxCached {
		clear(s.links)
	}
	s.links[k] = true
	s.linkMu.Unlock()
	return nil
}

// parseCertificateCached parses an embedded DS certificate, reusing the
// result for identical bytes: the same DS signs thousands of cards. The
// cached value owns a copy of the bytes. A nil store does not cache.
func (s *TrustStore) parseCertificateCached(der []byte) (*Certificate, error) {
	if s == nil {
		return ParseCertificate(der)
	}
	s.certMu.Lock()
	c, ok := s.certCache[string(der)]
	s.certMu.Unlock()
	if ok {
		return c, nil
	}
	c, err := ParseCertificate(bytes.Clone(der))
	if err != nil {
		return nil, err
	}
	s.certMu.Lock()
	if len(s.certCache) > maxCached {
		clear(s.certCache)
	}
	s.certCache[string(c.Raw)] = c
	s.certMu.Unlock()
	return c, nil
}
