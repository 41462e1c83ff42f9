package verify

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Kinds of trust material, as DecodeTrustFile reports them. The strings
// match the cache package's trust kinds.
const (
	KindCertificate = "cert"
	KindMasterList  = "masterlist"
	KindCRL         = "crl"
)

// ErrNotTrustMaterial: the bytes are no certificate, CRL or master list.
var ErrNotTrustMaterial = errors.New("not a certificate, CRL or CSCA master list")

// TrustItem is one DER object found in a trust file.
type TrustItem struct {
	Kind string // KindCertificate, KindMasterList or KindCRL
	DER  []byte
}

// maxTrustFile bounds a trust file read from disk.
const maxTrustFile = 16 << 20

// DecodeTrustFile classifies the content of a file: PEM (any number of
// CERTIFICATE / X509 CRL / CMS blocks) or a single DER certificate, CRL or
// master list. Detection is by content, never by file name.
func DecodeTrustFile(b []byte) ([]TrustItem, error) {
	if len(b) > maxTrustFile {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrNotTrustMaterial, maxTrustFile)
	}
	var items []TrustItem
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		switch blk.Type {
		case "CERTIFICATE", "X509 CRL", "CMS", "PKCS7":
			it, err := classifyDER(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("PEM block %s: %w", blk.Type, err)
			}
			items = append(items, it)
		}
	}
	if len(items) > 0 {
		return items, nil
	}
	it, err := classifyDER(b)
	if err != nil {
		return nil, err
	}
	return []TrustItem{it}, nil
}

func classifyDER(b []byte) (TrustItem, error) {
	if len(b) == 0 || b[0] != 0x30 {
		return TrustItem{}, ErrNotTrustMaterial
	}
	if _, err := ParseCertificate(b); err == nil {
		return TrustItem{Kind: KindCertificate, DER: b}, nil
	}
	if _, err := ParseCRL(b); err == nil {
		return TrustItem{Kind: KindCRL, DER: b}, nil
	}
	if sd, err := ParseSignedData(b); err == nil {
		if sd.EContentType.Equal(OIDCscaMasterList) {
			return TrustItem{Kind: KindMasterList, DER: b}, nil
		}
		return TrustItem{}, fmt.Errorf("%w: CMS object of type %s", ErrNotTrustMaterial, sd.EContentType)
	}
	return TrustItem{}, ErrNotTrustMaterial
}

// AddItems adds decoded trust items: certificates and master lists first,
// then CRLs, so that a CRL finds its issuer whatever the order given.
func (s *TrustStore) AddItems(items []TrustItem, source string) error {
	sorted := append([]TrustItem{}, items...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Kind != KindCRL && sorted[j].Kind == KindCRL })
	for _, it := range sorted {
		var err error
		switch it.Kind {
		case KindCertificate:
			_, err = s.AddSource(it.DER, source)
		case KindMasterList:
			_, err = s.addMasterList(it.DER, source+" (master list)", nil)
		case KindCRL:
			err = s.AddCRL(it.DER)
		default:
			err = fmt.Errorf("%w: kind %q", ErrNotTrustMaterial, it.Kind)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
	}
	return nil
}

// LoadPath adds the trust material in a file, or in every regular file of a
// directory (not recursive; files that hold no trust material are an error,
// hidden files are skipped). CRLs are added after all certificates.
func (s *TrustStore) LoadPath(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("trust path: %w", err)
	}
	files := []string{path}
	if st.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return fmt.Errorf("trust directory: %w", err)
		}
		files = files[:0]
		for _, e := range entries {
			if e.Type().IsRegular() && e.Name()[0] != '.' {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	type fileItems struct {
		name  string
		items []TrustItem
	}
	var all []fileItems
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("trust file: %w", err)
		}
		items, err := DecodeTrustFile(b)
		if err != nil {
			return fmt.Errorf("trust file %s: %w", filepath.Base(f), err)
		}
		all = append(all, fileItems{filepath.Base(f), items})
	}
	for _, crlPass := range []bool{false, true} {
		for _, fi := range all {
			var pick []TrustItem
			for _, it := range fi.items {
				if (it.Kind == KindCRL) == crlPass {
					pick = append(pick, it)
				}
			}
			if err := s.AddItems(pick, fi.name); err != nil {
				return err
			}
		}
	}
	return nil
}
