package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// LockVPCD serialises tests, across packages and processes, that use the vpcd
// slots or restart pcscd: `go test ./...` runs packages in parallel and a vpcd
// port takes one card at a time. The lock is released when the test ends.
func LockVPCD(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "cccd-vpcd.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unlockFile(f)
		f.Close()
	})
}
