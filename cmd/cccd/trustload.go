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
	store := verify.NewTrustStore()
	if err := addImportedTrust(store); err != nil {
		fmt.Fprintln(os.Stderr, "cccd: note: imported trust anchors not loaded: "+errtext.OneLine(err))
	}
	for _, p := range paths {
		if err := store.LoadPath(p); err != nil {
			return nil, usagef("--trust %s: %v", p, err)
		}
	}
	return store, nil
}

// addImportedTrust adds the anchors stored in the cache, when there is one.
func addImportedTrust(store *verify.TrustStore) error {
	dir, err := dataDirPath()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, cacheFileName)); errors.Is(err, os.ErrNotExist) {
		return nil // nothing imported on this machine
	}
	db, err := openCache()
	if err != nil {
		return err
	}
	defer db.Close()
	return addTrustEntries(store, db)
}

// addTrustEntries adds every stored trust entry to store.
func addTrustEntries(store *verify.TrustStore, db *cache.DB) error {
	entries, err := db.ListTrust()
	if err != nil {
		return err
	}
	items := make([]verify.TrustItem, 0, len(entries))
	for _, e := range entries {
		items = append(items, verify.TrustItem{Kind: e.Kind, DER: e.DER})
	}
	return store.AddItems(items, "imported")
}
