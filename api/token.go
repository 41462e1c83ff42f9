package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cccd-agent/cccd/internal/fsutil"
)

// TokenFile is the name of the bearer-token file in the data directory.
const TokenFile = "api-token"

// DefaultTokenName is the name api-token's token goes by in the audit trail.
const DefaultTokenName = "default"

// LoadOrCreateToken returns the bearer token stored in dir/api-token,
// creating it (32 random bytes, hex, mode 0600) on first start. On Unix an
// existing file with looser permissions is refused rather than silently
// trusted.
func LoadOrCreateToken(dir string) (string, error) {
	path := filepath.Join(dir, TokenFile)
	// A regular file only, owner-only on Unix (fsutil.ReadSecret). Windows
	// reports every file as 0666; there the data directory's ACL (SYSTEM and
	// Administrators only, set by the installer) guards it.
	b, err := fsutil.ReadSecret(path, 4096, false)
	switch {
	case err == nil:
		tok := strings.TrimSpace(string(b))
		if len(tok) < 32 {
			return "", fmt.Errorf("api: %s holds no valid token: delete it to have a new one made", path)
		}
		return tok, nil
	case errors.Is(err, fs.ErrNotExist):
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return "", err
		}
		tok := hex.EncodeToString(raw)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", err
		}
		if err := writeNewTokenFile(path, tok); err != nil {
			return "", err
		}
		return tok, nil
	default:
		return "", fmt.Errorf("api: read token file: %w", err)
	}
}

// TokenDir is the directory of named tokens in the data directory: one file
// per token, named after it, mode 0600.
const TokenDir = "tokens"

// ErrTokenName marks a token name that is not allowed.
var ErrTokenName = errors.New("api: bad token name")

// ValidTokenName checks a token name: 1 to 32 of a-z, 0-9, '.', '_', '-',
// starting with a letter or digit, and not "default" (api-token's name). It
// is a file name, so nothing else may pass.
func ValidTokenName(name string) error {
	if name == DefaultTokenName {
		return fmt.Errorf("%w: %q is the name of api-token", ErrTokenName, name)
	}
	if len(name) == 0 || len(name) > 32 {
		return fmt.Errorf("%w: use 1 to 32 characters", ErrTokenName)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			return fmt.Errorf("%w: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit", ErrTokenName)
		}
	}
	return nil
}

// CreateToken makes a new named token in dir/tokens and returns it. An
// existing name is refused (revoke it first).
func CreateToken(dir, name string) (string, error) {
	if err := ValidTokenName(name); err != nil {
		return "", err
	}
	tdir := filepath.Join(dir, TokenDir)
	if err := os.MkdirAll(tdir, 0o700); err != nil {
		return "", fmt.Errorf("api: token directory: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(raw)
	err := writeNewTokenFile(filepath.Join(tdir, name), tok)
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("%w: a token named %q exists; revoke it first", ErrTokenName, name)
	}
	if err != nil {
		return "", err
	}
	return tok, nil
}

// writeNewTokenFile creates path (mode 0600, never over an existing file or
// a symlink planted there) holding tok, synced before it is used.
func writeNewTokenFile(path, tok string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("api: create token file: %w", err)
	}
	if _, err := f.WriteString(tok + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// RevokeToken deletes the named token; a running agent stops accepting it at
// its next request.
func RevokeToken(dir, name string) error {
	if err := ValidTokenName(name); err != nil {
		return err
	}
	err := os.Remove(filepath.Join(dir, TokenDir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: no token named %q", ErrTokenName, name)
	}
	return err
}

// TokenInfo describes a token for `cccd token list` (never the token itself).
type TokenInfo struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// ListTokens lists api-token as "default" and the named tokens.
func ListTokens(dir string) ([]TokenInfo, error) {
	var out []TokenInfo
	if st, err := os.Stat(filepath.Join(dir, TokenFile)); err == nil {
		out = append(out, TokenInfo{Name: DefaultTokenName, Created: st.ModTime()})
	}
	entries, err := os.ReadDir(filepath.Join(dir, TokenDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		if ValidTokenName(e.Name()) != nil || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, TokenInfo{Name: e.Name(), Created: info.ModTime()})
	}
	return out, nil
}

// TokenSet holds the named tokens of a data directory. It re-reads the
// directory when its modification time changes, so that `cccd token create`
// and `revoke` take effect in a running agent without a restart.
type TokenSet struct {
	dir    string
	mu     sync.Mutex
	mtime  time.Time
	tokens map[string][]byte // name → token
}

// NewTokenSet reads dir/tokens (missing = none yet).
func NewTokenSet(dir string) *TokenSet {
	ts := &TokenSet{dir: filepath.Join(dir, TokenDir)}
	ts.reload()
	return ts
}

func (ts *TokenSet) reload() {
	st, err := os.Stat(ts.dir)
	if err != nil {
		ts.tokens, ts.mtime = nil, time.Time{}
		return
	}
	if ts.tokens != nil && st.ModTime().Equal(ts.mtime) {
		return
	}
	tokens := map[string][]byte{}
	entries, _ := os.ReadDir(ts.dir)
	for _, e := range entries {
		if ValidTokenName(e.Name()) != nil || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(ts.dir, e.Name())
		// A token file others may read, or not a regular file, is not
		// trusted (as api-token).
		b, err := fsutil.ReadSecret(p, 4096, false)
		if tok := strings.TrimSpace(string(b)); err == nil && len(tok) >= 32 {
			tokens[e.Name()] = []byte(tok)
		}
	}
	ts.tokens, ts.mtime = tokens, st.ModTime()
}

// Match names the token presented, comparing with every token in constant
// time.
func (ts *TokenSet) Match(presented string) (string, bool) {
	ts.mu.Lock()
	ts.reload()
	tokens := ts.tokens
	ts.mu.Unlock()
	name, found := "", false
	for n, tok := range tokens {
		if subtle.ConstantTimeCompare([]byte(presented), tok) == 1 {
			name, found = n, true
		}
	}
	return name, found
}
