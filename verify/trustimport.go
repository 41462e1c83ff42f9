package verify

import (
	"errors"
	"fmt"
)

// TrustFile is the trust material of one file: its name labels the anchors
// it brings (the "source" of `cccd trust list`) and the errors about it.
type TrustFile struct {
	Name  string
	Items []TrustItem
}

// ImportCheck is what CheckImport found acceptable.
type ImportCheck struct {
	// Counts is the number of items of each kind (KindCertificate, ...)
	// the files bring.
	Counts map[string]int
	// Trusted is the number of trusted certificates once stored and new
	// material are together.
	Trusted int
	// UnrootedLists names the master lists trusted on their own signature
	// only, because no master-list root was given: whoever handed the file
	// over could have signed it.
	UnrootedLists []string
}

// ImportError is a refusal that names the file at fault.
type ImportError struct {
	File string
	Err  error
}

func (e *ImportError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *ImportError) Unwrap() error { return e.Err }

// CheckImport is the policy for adding trust anchors to those already stored:
// with mlRoots, every master list's signer must be issued by one of them;
// without, the lists are accepted on their own signature and named in
// UnrootedLists. Stored and new material must then form one store, all
// certificates and master lists before any CRL, so a CRL is accepted only
// when a CSCA stored or given beside it signed it. It stores nothing: the
// caller stores the files only when it returns no error. A problem with a
// new file is an *ImportError; one with the stored material is not.
func CheckImport(stored, files []TrustFile, mlRoots []*Certificate) (*ImportCheck, error) {
	res := &ImportCheck{Counts: map[string]int{}}
	for _, f := range files {
		for _, it := range f.Items {
			res.Counts[it.Kind]++
			if it.Kind != KindMasterList {
				continue
			}
			if len(mlRoots) == 0 {
				res.UnrootedLists = append(res.UnrootedLists, f.Name)
				continue
			}
			ml, err := ParseMasterList(it.DER)
			if err == nil {
				_, err = ml.Verify(mlRoots...)
			}
			if err != nil {
				return nil, &ImportError{File: f.Name, Err: err}
			}
		}
	}
	store, err := StoreFromFiles(stored)
	if err != nil {
		return nil, fmt.Errorf("stored trust anchors: %w", err)
	}
	for _, crls := range []bool{false, true} {
		for _, f := range files {
			for _, it := range f.Items {
				if (it.Kind == KindCRL) != crls {
					continue
				}
				if err := store.AddItems([]TrustItem{it}, f.Name); err != nil {
					// AddItems names the file already.
					return nil, &ImportError{File: f.Name, Err: errors.Unwrap(err)}
				}
			}
		}
	}
	res.Trusted = store.Len()
	return res, nil
}

// StoreFromFiles builds a trust store from files, each file's anchors
// labelled with its name; CRLs go in after every certificate and master list
// of all the files.
func StoreFromFiles(files []TrustFile) (*TrustStore, error) {
	store := NewTrustStore()
	for _, crls := range []bool{false, true} {
		for _, f := range files {
			var items []TrustItem
			for _, it := range f.Items {
				if (it.Kind == KindCRL) == crls {
					items = append(items, it)
				}
			}
			if err := store.AddItems(items, f.Name); err != nil {
				return nil, err
			}
		}
	}
	return store, nil
}
