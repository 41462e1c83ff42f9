package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"github.com/cccd-agent/cccd/api"
	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/verify"
)

// agentAdmin serves the CLI's roster and trust commands inside the agent
// (api.Admin), with the same code and rules as the commands run without an
// agent, so that nothing needs the service stopped.
type agentAdmin struct {
	db    *cache.DB
	cfg   config.Config
	trust *verify.TrustStore // the agent's live store: an import is used at once
	mu    sync.Mutex         // one trust import at a time (check, then store)
}

var _ api.Admin = (*agentAdmin)(nil)

func (a *agentAdmin) RosterStatus(context.Context) (any, error) { return rosterStatusOf(a.db) }

// trustListing is the JSON of GET /api/v1/trust.
type trustListing struct {
	Anchors []trustListEntry `json:"anchors"`
	CRLs    []verify.CRLInfo `json:"crls"`
}

func (a *agentAdmin) TrustList(context.Context) (any, error) {
	rows, crls, err := trustRows(a.db)
	if crls == nil {
		crls = []verify.CRLInfo{}
	}
	return trustListing{Anchors: rows, CRLs: crls}, err
}

// RosterLookup answers GET /api/v1/roster/lookup as `roster lookup` does.
func (a *agentAdmin) RosterLookup(_ context.Context, key, lang string) (any, error) {
	e, err := rosterLookup(a.db, a.cfg, strings.ToUpper(strings.TrimSpace(key)), lang)
	if errors.Is(err, errNoRoster) {
		return nil, notFound{err}
	}
	return e, err
}

// notFound marks err as checkin.ErrNotFound keeping its text.
type notFound struct{ error }

func (notFound) Is(target error) bool { return target == checkin.ErrNotFound }

func (a *agentAdmin) ImportRoster(ctx context.Context, body io.Reader, opts api.RosterImport) (any, error) {
	name := filepath.Base(opts.Name)
	if opts.Name == "" {
		name = "api"
	}
	return importRoster(ctx, a.db, body, name, opts.Force, opts.DryRun)
}

// trustImportResult is what a trust import stored: the JSON answer of
// POST /api/v1/trust/import.
type trustImportResult struct {
	Certificates  int      `json:"certificates"`
	MasterLists   int      `json:"master_lists"`
	CRLs          int      `json:"crls"`
	Trusted       int      `json:"trusted"`                  // trusted certificates stored in all
	UnrootedLists []string `json:"unrooted_lists,omitempty"` // master lists trusted on their own signature
}

// ImportTrust checks one file under the CLI's policy (verify.CheckImport,
// no --ml-root), stores it and adds it to the live store.
func (a *agentAdmin) ImportTrust(_ context.Context, name string, body []byte) (any, error) {
	name = filepath.Base(name)
	if name == "." || name == "/" || name == "" {
		name = "api"
	}
	items, err := verify.DecodeTrustFile(body)
	if err != nil {
		return nil, &api.RefusedError{Err: fmt.Errorf("%s: %v", name, err)}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	stored, err := storedTrust(a.db)
	if err != nil {
		return nil, err
	}
	files := []verify.TrustFile{{Name: name, Items: items}}
	check, err := verify.CheckImport(stored, files, nil)
	var refused *verify.ImportError
	if errors.As(err, &refused) {
		return nil, &api.RefusedError{Err: err}
	}
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if err := a.db.PutTrust(it.Kind, it.DER, name); err != nil {
			return nil, err
		}
	}
	for _, it := range items {
		var err error
		switch it.Kind {
		case verify.KindCertificate:
			_, err = a.trust.AddSource(it.DER, name)
		case verify.KindMasterList:
			_, err = a.trust.AddMasterList(it.DER)
		case verify.KindCRL:
			err = a.trust.AddCRL(it.DER)
		}
		if err != nil { // checked above: stored, but the live store needs a restart
			return nil, fmt.Errorf("stored, but the running agent could not take it (restart the agent): %w", err)
		}
	}
	return trustImportResult{Certificates: check.Counts[verify.KindCertificate], MasterLists: check.Counts[verify.KindMasterList],
		CRLs: check.Counts[verify.KindCRL], Trusted: check.Trusted, UnrootedLists: check.UnrootedLists}, nil
}
