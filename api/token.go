package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		st, err := os.Stat(path)
		if err != nil {
			return "", err
		}
		// Windows reports every file as 0666; there the data directory's
		// ACL (SYSTEM and Administrators only, set by the installer) guards it.
		if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
			return "", fmt.Errorf("api: %s is readable by other users (mode %o): run chmod 600 on it", path, st.Mode().Perm())
		}
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
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", fmt.Errorf("api: create token file: %w", err)
		}
		if _, err := f.WriteString(tok + "\n"); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return "", err
		}
		return tok, f.Close()
	default:
		return "", fmt.Errorf("api: read token file: %w", err)
	}
}
