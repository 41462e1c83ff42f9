package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/config"
	"github.com/cccd-agent/cccd/internal/fsutil"
)

// cacheFileName is the bbolt file in the data directory.
const cacheFileName = "cccd.db"

// serviceDataDir is where the system service keeps its data on Unix.
const serviceDataDir = "/var/lib/cccd"

// maxSecretFile bounds a secret file (gateway password, webhook
// Authorization header): a larger one is the wrong file.
const maxSecretFile = 64 << 10

// dataDir returns the data directory, created with mode 0700: --data, else
// data_dir of the --config file, else the per-OS default (defaultDataDir).
// On Unix a directory other users may open is refused with the chmod that
// fixes it: it holds the database and the API tokens.
func dataDir() (string, error) {
	dir, err := dataDirPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data directory: %w; pass --data DIR", err)
	}
	if err := fsutil.CheckPrivateDir(dir); err != nil {
		return "", usageError(err)
	}
	return dir, nil
}

// dataDirPath is dataDir without creating it, for commands that only read
// what may be there.
func dataDirPath() (string, error) {
	dir := global.dataDir
	if dir == "" && global.configFile != "" {
		cfg, err := config.Load(global.configFile)
		if err != nil {
			return "", usageError(err)
		}
		dir = cfg.DataDir
	}
	if dir == "" {
		home, _ := os.UserHomeDir()
		var err error
		dir, err = defaultDataDir(runtime.GOOS, os.Getenv, os.Getuid(), dirExists, home)
		if err != nil {
			return "", err
		}
	}
	return dir, nil
}

// defaultDataDir is the per-OS default data directory:
//   - Windows: %ProgramData%\cccd;
//   - the system service (CCCD_SERVICE=1, or root with /var/lib/cccd
//     present): /var/lib/cccd;
//   - macOS: ~/Library/Application Support/cccd;
//   - other Unix: $XDG_DATA_HOME/cccd, else ~/.local/share/cccd.
func defaultDataDir(goos string, getenv func(string) string, uid int, exists func(string) bool, home string) (string, error) {
	if goos == "windows" {
		if pd := getenv("ProgramData"); pd != "" {
			return filepath.Join(pd, "cccd"), nil
		}
		return "", errors.New("no data directory: %ProgramData% is not set; pass --data DIR")
	}
	if getenv("CCCD_SERVICE") == "1" || (uid == 0 && exists(serviceDataDir)) {
		return serviceDataDir, nil
	}
	if goos == "darwin" && home != "" {
		return filepath.Join(home, "Library", "Application Support", "cccd"), nil
	}
	if x := getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "cccd"), nil
	}
	if home == "" {
		return "", errors.New("no data directory: $HOME is not set; pass --data DIR")
	}
	return filepath.Join(home, ".local", "share", "cccd"), nil
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// openCache opens the cache file in the data directory.
func openCache() (*cache.DB, error) {
	dir, err := dataDir()
	if err != nil {
		return nil, err
	}
	db, err := cache.Open(filepath.Join(dir, cacheFileName))
	if err != nil {
		return nil, err
	}
	return db, nil
}

// openCacheRead opens the database for a command that only reads: it never
// creates the data directory or the file, and says where it looked when
// there is none (exit 2).
func openCacheRead() (*cache.DB, error) {
	dir, err := dataDirPath()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, cacheFileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, usagef("no database at %s (looked in the data directory %s: pass --data or --config)", path, dir)
	}
	if err := fsutil.CheckPrivateDir(dir); err != nil {
		return nil, usageError(err)
	}
	return cache.Open(path)
}
