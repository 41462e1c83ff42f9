//go:build !windows

package cache

import (
	"os"
	"syscall"
)

// sameOwner gives path the owner of fi's file when the process may (root
// compacting the service's database keeps it the service user's).
func sameOwner(path string, fi os.FileInfo) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		_ = os.Chown(path, int(st.Uid), int(st.Gid))
	}
}
