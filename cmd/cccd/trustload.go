package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cccd-agent/cccd/internal/errtext"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/verify"
)

// loadTrust builds the trust store for a read or a verification: the anchors
// imported with `cccd trust import` into the data directory, then every path
// given with --trust. A data directory that is absent, or whose database the
// running agent holds, contributes nothing (said on stderr), so `cccd read
// --trust` works on any workstation.
func loadTrust(paths []string) (*verify.TrustStore, error) {
	store, err := importedTrust()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cccd: note: imported trust anchors not loaded: "+errtext.OneLine(err))
		store = verify.NewTrustStore()
	}
	for _, p := range paths {
		if err := store.LoadPath(p); err != nil {
			return nil, usagef("--trust %s: %v", p, err)
		}
	}
	return store, nil
}

// importedTrust returns a store of the anchors imported into the cache, an
// empty one when there is no cache.
func importedTrust() (*verify.TrustStore, error) {
	dir, err := dataDirPath()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, cacheFileName)); errors.Is(err, os.ErrNotExist) {
		return verify.NewTrustStore(), nil // nothing imported on this machine
	}
	db, err := openCache()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return storedTrustStore(db)
}

// storedTrustStore builds a store of the anchors imported into db.
func storedTrustStore(db *cache.DB) (*verify.TrustStore, error) {
	stored, err := storedTrust(db)
	if err != nil {
		return nil, err
	}
	return verify.StoreFromFiles(stored)
}

// storedTrust returns the trust material of the cache, one TrustFile per
// stored entry, named after the file it was imported from.
func storedTrust(db *cache.DB) ([]verify.TrustFile, error) {
	entries, err := db.ListTrust()
	if err != nil {
		return nil, err
	}
	files := make([]verify.TrustFile, 0, len(entries))
	for _, e := range entries {
		files = append(files, verify.TrustFile{Name: e.Source, Items: []verify.TrustItem{{Kind: e.Kind, DER: e.DER}}})
	}
	return files, nil
}
